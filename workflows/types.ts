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

/** One call to Xtremepush as the activity saw it: kept in history so `inspect` and the Web UI show every attempt. */
export type DeliveryAttempt = {
  attempt: number;
  at: string;
  /** Null when the call was not made (the integration's circuit is open). */
  url: string | null;
  response: { status: number; body: unknown } | null;
} & (
  | { outcome: 'accepted' }
  | { outcome: 'failed'; failureClass: FailureClass; message: string; retryAfterMs?: number; circuitOpen?: boolean }
);

/** How a delivery that could not be completed ended: a failure class, or the retry horizon running out. */
export type FinalFailure = FailureClass | 'retries_exhausted';

export interface DeliverEventInput {
  integrationId: string;
  event: AcceptedEvent;
  retry: DeliveryRetryPolicy;
  /** How long an event with an unknown anonymousId waits for an identify. */
  holdWindowMs: number;
}

export type DropReason = 'unmapped_event' | 'consent' | 'unidentified' | 'user_id_policy';

export type DeliveryResult =
  | { outcome: 'delivered'; xtremepushEvent: string; userId: string; attempts: DeliveryAttempt[]; hit: EventHit }
  | { outcome: 'dropped'; reason: DropReason; detail: string };

/** What a failed delivery carries in its failure details (the failure message holds the hint). */
export interface DeliveryFailureDetails {
  failureClass: FinalFailure;
  attempts: DeliveryAttempt[];
}
