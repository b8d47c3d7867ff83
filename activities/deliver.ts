import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryAttempt, DeliveryRetryPolicy } from '../workflows/contracts';
import type { EventExchange } from '../xtremepush/channel';
import type { EventHit } from '../xtremepush/hit';
import { channelOf, type ActivityDeps } from './deps';

/** An attempt gives up this long before its activity's own timeout, so it never sends after it was abandoned. */
const DEADLINE_MARGIN_MS = 1_000;

export interface RetryInput {
  integrationId: string;
  hit: EventHit;
  retry: DeliveryRetryPolicy;
  /** Attempts made before this activity (its attempt 1 is the delivery's attempt `attemptsBefore + 1`). */
  attemptsBefore: number;
  /** Epoch ms: a retry that would come later fails the delivery as retries_exhausted. */
  horizonEndsAt: number;
  /** A circuit breaker's probe found the credentials working: this worker checks them again rather than refuse at once. */
  afterPark?: boolean;
}

export function createDeliveryActivities(deps: ActivityDeps) {
  async function attempt(integrationId: string, hit: EventHit, number: number, recheck = false): Promise<DeliveryAttempt> {
    const context = Context.current();
    const deadline = Date.now() + context.info.startToCloseTimeoutMs - DEADLINE_MARGIN_MS;
    const channel = channelOf(deps, integrationId);
    const exchange = await channel.send(hit, { deadline, signal: context.cancellationSignal, recheck });
    const result = attemptOf(number, exchange, (ms) => channel.boundedRetryAfter(ms));
    const log = { workflowId: context.info.workflowExecution?.workflowId, integration: integrationId, attempt: number, status: result.response?.status ?? null };
    if (result.outcome === 'accepted') deps.logger.info({ ...log, event: hit.event, batchSize: result.batch?.size }, 'xtremepush accepted event');
    else deps.logger.warn({ ...log, failureClass: result.failureClass }, result.message);
    return result;
  }

  return {
    /**
     * The first attempt, as a local activity in the delivery's first workflow task: most events need no other.
     * Never throws for an answer from Xtremepush: the workflow decides what follows.
     */
    sendFirstAttempt: (input: { integrationId: string; hit: EventHit }): Promise<DeliveryAttempt> => attempt(input.integrationId, input.hit, 1),

    /**
     * Every later attempt: one activity whose retries Temporal schedules (no history events per retry), each one a
     * single call. The delay before the next comes from here (Retry-After, or backoff with jitter), and so does the end:
     * a refusal for good, or the retry horizon reached, fails it for good with the last attempt in its details.
     */
    async deliverHit(input: RetryInput): Promise<DeliveryAttempt> {
      const { attempt: tries } = Context.current().info;
      const result = await attempt(input.integrationId, input.hit, input.attemptsBefore + tries, input.afterPark === true && tries === 1);
      if (result.outcome === 'accepted') return result;
      const details = [result];
      if (result.failureClass !== 'throttled' && result.failureClass !== 'transient') {
        throw ApplicationFailure.create({ type: result.failureClass, message: result.message, nonRetryable: true, details });
      }
      const delay = result.retryAfterMs ?? backoff(input.retry, tries);
      if (Date.now() + delay > input.horizonEndsAt) {
        const message = `${result.message} Gave up after ${result.attempt} attempts over the retry horizon.`;
        throw ApplicationFailure.create({ type: 'retries_exhausted', message, nonRetryable: true, details });
      }
      throw ApplicationFailure.create({ type: result.failureClass, message: result.message, nextRetryDelay: delay, details });
    },
  };
}

/** Exponential backoff with jitter (50-100 % of the step), so a recovering Xtremepush is not hit by every delivery at once. */
export function backoff(retry: DeliveryRetryPolicy, n: number): number {
  const step = Math.min(retry.maximumIntervalMs, retry.initialIntervalMs * 2 ** Math.min(n - 1, 30));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

function attemptOf(attempt: number, exchange: EventExchange, boundRetryAfter: (ms: number | undefined) => number): DeliveryAttempt {
  const at = new Date().toISOString();
  if (!exchange.sent) {
    const { failureClass, message, circuitOpen } = exchange;
    return { attempt, at, url: null, response: null, outcome: 'failed', failureClass, message, ...(circuitOpen ? { circuitOpen } : {}) };
  }
  const { url, batch, response, classification } = exchange;
  if (classification.outcome === 'accepted') return { attempt, at, url, batch, response, outcome: 'accepted' };
  const retryAfterMs = classification.failureClass === 'throttled' ? boundRetryAfter(classification.retryAfterMs) : undefined;
  return {
    attempt,
    at,
    url,
    batch,
    response,
    outcome: 'failed',
    failureClass: classification.failureClass,
    message: classification.message,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}
