export { createDeliveryClient, deliveryWorkflowId, TemporalUnavailableError } from './delivery-client';
export type { DeliveryClient, DeliveryClientOptions, StartedDelivery } from './delivery-client';
export { acceptEvents, InvalidEventError } from './events';
export type { DeliveryResult } from '../workflows/types';
export { resumeParked } from './operator';
export type { ResumeReport } from './operator';
export { createWebhookClient, messageEventKey } from './webhook-client';
export type { WebhookClient } from './webhook-client';
