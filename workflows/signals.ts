import { defineSignal } from '@temporalio/workflow';

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
