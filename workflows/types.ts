import type { AcceptedEvent } from '../events/schema';
import type { FailureClass } from '../xtremepush/classify';
import type { EventHit } from '../xtremepush/hit';

/** Retry settings travel in the input so a running delivery keeps the policy it started with. */
export interface DeliveryRetryPolicy {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** How long a delivery keeps retrying transient failures before it gives up. */
  horizonMs: number;
  /** Upper bound of one HTTP call to Xtremepush. */
  attemptTimeoutMs: number;
}

export interface DeliverEventInput {
  integrationId: string;
  event: AcceptedEvent;
  retry: DeliveryRetryPolicy;
  /** How long an event with an unknown anonymousId waits for an identify. */
  holdWindowMs: number;
}

export type DropReason = 'unmapped_event' | 'consent' | 'unidentified' | 'user_id_policy';

export type DeliveryResult =
  | { outcome: 'delivered'; xtremepushEvent: string; userId: string; attempts: number; hit: EventHit }
  | { outcome: 'dropped'; reason: DropReason; detail: string };

/** What a failed delivery carries in its failure details (the failure message holds the hint). */
export interface DeliveryFailureDetails {
  failureClass: FailureClass;
  code: number | null;
}
