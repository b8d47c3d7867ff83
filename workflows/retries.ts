import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { resumeDeliverySignal, SA, type DeliverEventInput, type DeliveryAttempt, type DeliveryProgress, type DeliveryResult } from './contracts';
import { countParked } from './metrics';
import { delivered, failed } from './outcomes';

const { parkDelivery } = proxyActivities<Activities>({ startToCloseTimeout: '30s', summary: 'park until Xtremepush accepts the credentials' });

/** Room for an attempt's wait in its channel (batch window, caps) on top of the call itself. */
export const CHANNEL_WAIT_MS = 5_000;
/** Retries a second or less apart run inside the retrying activity for up to this long before Temporal takes over. */
const INLINE_RETRY_WINDOW_MS = 10_000;
/** Shorter waits happen in the retrying activity itself (activities/deliver.ts INLINE_WAIT_MAX_MS). */
const INLINE_WAIT_MAX_MS = 1_000;

/**
 * What follows a failed first attempt, per failure class: a bad request or a payload too large fails at once; auth
 * and configuration park until the integration's circuit breaker finds the problem gone; throttled and transient are
 * retried by one activity whose retries Temporal schedules, with the delay each attempt asks for, until the retry
 * horizon. History stays bounded: retries add no events, and a delivery parked again and again continues as new.
 */
export async function retryUntilDelivered(input: DeliverEventInput, progress: DeliveryProgress): Promise<DeliveryResult> {
  const { integrationId, retry } = input;
  const { deliverHit } = proxyActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs + CHANNEL_WAIT_MS + INLINE_RETRY_WINDOW_MS,
    // Unbounded here: each attempt decides its own delay and when to stop (activities/deliver.ts).
    retry: { initialInterval: retry.initialIntervalMs, maximumInterval: retry.maximumIntervalMs },
    summary: `deliver ${progress.hit.event} to Xtremepush`,
  });
  let resumed = false;
  let afterPark = false;
  let firstDelayMs = 0;
  setHandler(resumeDeliverySignal, () => void (resumed = true));

  for (;;) {
    const last = progress.attempts.last!;
    if (last.outcome === 'accepted') return finish(input, progress);
    switch (last.failureClass) {
      case 'bad_request':
      case 'payload_too_large':
        throw failed(integrationId, last.failureClass, last.message, progress.attempts, progress.hit);
      case 'auth':
      case 'configuration':
        if (workflowInfo().continueAsNewSuggested) await continueAsNew<(i: DeliverEventInput) => Promise<DeliveryResult>>({ ...input, progress });
        resumed = false;
        await park(integrationId, last.failureClass, last.message, () => resumed);
        progress.retryingSince = Date.now();
        afterPark = true;
        break;
      case 'throttled':
      case 'transient': {
        const delay = last.retryAfterMs ?? firstBackoff(retry.initialIntervalMs);
        if (Date.now() + delay - progress.retryingSince > retry.horizonMs) {
          throw failed(integrationId, 'retries_exhausted', `${last.message} Gave up over the retry horizon.`, progress.attempts, progress.hit);
        }
        upsertSearchAttributes([{ key: SA.outcome, value: 'retrying' }]);
        setCurrentDetails(`Attempt ${last.attempt} failed (${last.failureClass}); retrying in ${Math.round(delay / 100) / 10} s. ${last.message}`);
        if (delay >= INLINE_WAIT_MAX_MS) await sleep(delay);
        else firstDelayMs = delay;
      }
    }
    try {
      const attempt = await deliverHit({
        integrationId,
        hit: progress.hit,
        retry,
        attemptsBefore: progress.attempts.count,
        horizonEndsAt: progress.retryingSince + retry.horizonMs,
        afterPark,
        firstDelayMs,
      });
      record(progress, attempt);
    } catch (error) {
      // An erase or an operator's cancel: deliverEvent ends the delivery as dropped.
      if (isCancellation(error)) throw error;
      const ended = endOfRound(error);
      if (ended.attempt) record(progress, ended.attempt);
      if (ended.exhausted) throw failed(integrationId, 'retries_exhausted', ended.message, progress.attempts, progress.hit);
    }
    afterPark = false;
    firstDelayMs = 0;
  }
}

function finish(input: DeliverEventInput, progress: DeliveryProgress): DeliveryResult {
  return delivered(input.integrationId, input.event.receivedAt, progress.hit, progress.userId, progress.attempts);
}

export function record(progress: DeliveryProgress, attempt: DeliveryAttempt): void {
  const { attempts } = progress;
  progress.attempts = { count: Math.max(attempts.count + 1, attempt.attempt), first: attempts.first ?? attempt, last: attempt };
}

/** How a round of retries ended: its last attempt (in the failure's details), and whether the horizon ran out. */
function endOfRound(error: unknown): { attempt: DeliveryAttempt | null; exhausted: boolean; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const attempt = (cause.details?.[0] as DeliveryAttempt | undefined) ?? null;
    return { attempt, exhausted: cause.type === 'retries_exhausted' || !attempt, message: cause.message };
  }
  // The schedule-to-close backstop, or anything unforeseen: no attempt is known to have got through.
  const message =
    cause instanceof TimeoutFailure ? 'the retry horizon ran out before an attempt got through' : `the retries ended: ${(cause as Error)?.message}`;
  return { attempt: null, exhausted: true, message };
}

function firstBackoff(initialIntervalMs: number): number {
  return Math.round(initialIntervalMs * (0.5 + Math.random() * 0.5));
}

async function park(integrationId: string, failureClass: 'auth' | 'configuration', message: string, isResumed: () => boolean): Promise<void> {
  countParked(integrationId, failureClass);
  upsertSearchAttributes([
    { key: SA.outcome, value: 'parked' },
    { key: SA.failureClass, value: failureClass },
  ]);
  setCurrentDetails(`Parked (${failureClass}): ${message} It resumes by itself once a probe succeeds; \`npm run cli -- resume\` probes now.`);
  await parkDelivery({ integrationId, workflowId: workflowInfo().workflowId, failureClass, message });
  await condition(isResumed);
}
