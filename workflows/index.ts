export { deliverEvent } from './deliver-event';
export { holdAnonymousEvents } from './hold-anonymous-events';
export { circuitBreaker } from './circuit-breaker';
export { recordChannelWebhook, recordMessageEvent } from './record-webhook';
export { previewDelivery } from './preview-delivery';
export { privacyRequest } from './privacy-request';
