import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Sent to an anonymous event's hold: another delivery of that anonymousId is waiting for an identify. */
export const registerHeldEventSignal = defineSignal<[{ workflowId: string; at: string; deadline: number }]>('registerHeldEvent');
/** Sent to a hold by an identify or alias that linked its anonymousId to a user. */
export const identifiedSignal = defineSignal<[{ userId: string }]>('identified');
/** Sent by a hold to one waiting delivery: go on as this user. */
export const releaseHeldEventSignal = defineSignal<[{ userId: string }]>('releaseHeldEvent');
/** Sent back by a released delivery when it has ended, so the hold releases the next one in order. */
export const heldEventDoneSignal = defineSignal<[{ workflowId: string }]>('heldEventDone');

/** One hold per integration and anonymousId: the single place where held events and identifies meet. */
export function holdWorkflowId(integrationId: string, anonymousId: string): string {
  return `hold-${integrationId}-${anonymousId}`;
}

/** Sent to an integration's circuit breaker by a delivery that Xtremepush refused for auth or configuration. */
export const parkDeliverySignal = defineSignal<[{ workflowId: string; failureClass: string; message: string }]>('parkDelivery');
/** Sent to a circuit breaker by an operator (`cli resume`): probe now instead of at the next interval. */
export const probeNowSignal = defineSignal('probeNow');
/** Sent by a circuit breaker (or `cli resume --force`) to a parked delivery: try again. */
export const resumeDeliverySignal = defineSignal('resumeDelivery');
export const circuitStateQuery = defineQuery<{ parked: number; lastProbe: string | null }>('circuitState');

export function circuitWorkflowId(integrationId: string): string {
  return `circuit-${integrationId}`;
}
