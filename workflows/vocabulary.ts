/**
 * The words every part of the service uses for how a delivery goes: declared once here, with the types derived from
 * them, for the workflows, search attributes, metrics, `stats`, `replay` and the README's tables.
 */

/** How a delivery ended (`XpOutcome` of a closed workflow). */
export const FINAL_OUTCOMES = ['delivered', 'stored', 'dropped', 'failed'] as const;
export type FinalOutcome = (typeof FINAL_OUTCOMES)[number];

/** What a running delivery is waiting for (`XpOutcome` while it runs; none while it is simply being delivered). */
export const WAITING_STATES = ['held', 'parked', 'retrying'] as const;
export type WaitingState = (typeof WAITING_STATES)[number];

export type Outcome = FinalOutcome | WaitingState;

/** Why a delivery was not sent (`XpDropReason`). */
export const DROP_REASONS = [
  'unmapped_event',
  'consent',
  'unidentified',
  'user_id_policy',
  'integrations_disabled',
  'unsupported_type',
  /** The person was erased (`cli erase`) while the delivery waited. */
  'erased',
  /** An operator cancelled the delivery (Web UI, `temporal workflow cancel`) before it was known to be delivered. */
  'cancelled',
  /** The person objected to processing (`cli suppress`): nothing of theirs is stored or sent. */
  'suppressed',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** How one call to Xtremepush can fail, each with its own policy (README, "Failure classes"). */
export const FAILURE_CLASSES = ['bad_request', 'payload_too_large', 'auth', 'configuration', 'throttled', 'transient'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * Why a delivery ended as failed (`XpFailureClass` of a failed workflow): a call Xtremepush refused for good, the
 * retry horizon running out, or an event the service cannot process (a value the identity store refuses).
 */
export const FINAL_FAILURES = ['bad_request', 'payload_too_large', 'retries_exhausted', 'invalid_event'] as const;
export type FinalFailure = (typeof FINAL_FAILURES)[number];

export function isDropReason(value: unknown): value is DropReason {
  return (DROP_REASONS as readonly unknown[]).includes(value);
}
