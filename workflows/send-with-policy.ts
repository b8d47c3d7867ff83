import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventHit } from '../xtremepush/hit';
import { countOutcome, countParked } from './metrics';
import { SA } from './search-attributes';
import { resumeDeliverySignal } from './signals';
import type { DeliveryAttempt, DeliveryFailureDetails, DeliveryRetryPolicy, FinalFailure } from './types';

const { parkDelivery } = proxyActivities<Activities>({ startToCloseTimeout: '30s', summary: 'park until Xtremepush accepts the credentials' });

/**
 * The retry policy of every failure class, in one place, driven by the workflow so every attempt is in the history:
 * bad request and payload too large fail at once; auth and configuration park until the integration's circuit
 * breaker finds the problem gone; throttled waits for Retry-After; transient backs off exponentially with jitter
 * until the retry horizon, then fails as retries_exhausted.
 */
export async function sendWithPolicy(integrationId: string, hit: EventHit, retry: DeliveryRetryPolicy): Promise<DeliveryAttempt[]> {
  const { deliverHit } = proxyActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs + 5_000,
    retry: { maximumAttempts: 1 },
    summary: `deliver ${hit.event} to Xtremepush`,
  });
  const attempts: DeliveryAttempt[] = [];
  let retryingSince = Date.now();
  let consecutiveRetries = 0;
  let bypassGate = false;

  for (;;) {
    const attempt = await deliverHit({ integrationId, hit, attempt: attempts.length + 1, bypassGate }).catch((error: unknown) =>
      unanswered(error, attempts.length + 1),
    );
    attempts.push(attempt);
    bypassGate = false;
    if (attempt.outcome === 'accepted') return attempts;

    switch (attempt.failureClass) {
      case 'bad_request':
      case 'payload_too_large':
        throw fail(integrationId, attempt.failureClass, attempt.message, attempts);
      case 'auth':
      case 'configuration':
        await park(integrationId, attempt.failureClass, attempt.message);
        // Right after a successful probe this worker's gate may still be open: the first try goes through regardless.
        bypassGate = true;
        retryingSince = Date.now();
        consecutiveRetries = 0;
        continue;
      case 'throttled':
      case 'transient': {
        consecutiveRetries += 1;
        const delay = attempt.retryAfterMs ?? backoff(retry, consecutiveRetries);
        if (Date.now() + delay - retryingSince > retry.horizonMs) {
          throw fail(integrationId, 'retries_exhausted', `${attempt.message} Gave up after ${attempts.length} attempts over the retry horizon.`, attempts);
        }
        setCurrentDetails(`Attempt ${attempts.length} failed (${attempt.failureClass}); retrying in ${Math.round(delay / 100) / 10} s. ${attempt.message}`);
        await sleep(delay);
      }
    }
  }
}

/** Exponential backoff with jitter (50-100 % of the step), so a recovering Xtremepush is not hit by every delivery at once. */
function backoff(retry: DeliveryRetryPolicy, n: number): number {
  const step = Math.min(retry.maximumIntervalMs, retry.initialIntervalMs * 2 ** (n - 1));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

/** The activity itself failed (worker lost, timeout): nobody knows whether Xtremepush got the hit; retry as transient. */
function unanswered(error: unknown, attempt: number): DeliveryAttempt {
  const reason = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
  return { attempt, at: new Date().toISOString(), url: null, response: null, outcome: 'failed', failureClass: 'transient', message: `the attempt did not complete: ${reason}` };
}

async function park(integrationId: string, failureClass: 'auth' | 'configuration', message: string): Promise<void> {
  let resumed = false;
  countParked(integrationId, failureClass);
  setHandler(resumeDeliverySignal, () => void (resumed = true));
  upsertSearchAttributes([
    { key: SA.outcome, value: 'parked' },
    { key: SA.failureClass, value: failureClass },
  ]);
  setCurrentDetails(`Parked (${failureClass}): ${message} It resumes by itself once a probe succeeds; \`npm run cli -- resume\` probes now.`);
  await parkDelivery({ integrationId, workflowId: workflowInfo().workflowId, failureClass, message });
  await condition(() => resumed);
  upsertSearchAttributes([
    { key: SA.outcome, value: 'delivering' },
    { key: SA.failureClass, value: null },
  ]);
}

/** Ends the workflow as Failed: the type is the class, the message says what to do, the details hold every attempt. */
function fail(integrationId: string, failureClass: FinalFailure, message: string, attempts: DeliveryAttempt[]): ApplicationFailure {
  countOutcome(integrationId, 'failed', failureClass);
  upsertSearchAttributes([
    { key: SA.outcome, value: 'failed' },
    { key: SA.failureClass, value: failureClass },
  ]);
  setCurrentDetails(`Failed: ${failureClass}. ${message}`);
  const details: DeliveryFailureDetails = { failureClass, attempts };
  return ApplicationFailure.create({ type: failureClass, message, nonRetryable: true, details: [details] });
}
