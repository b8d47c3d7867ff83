import { setTimeout as sleepFor } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AcceptedEvent } from '../events/schema';
import type { DeliveryAttempt, DeliveryRetryPolicy } from '../workflows/contracts';
import type { EventExchange } from '../xtremepush/channel';
import type { EventHit } from '../xtremepush/hit';
import { channelOf, type ActivityDeps } from './deps';
import { createPrepareActivities, type PreparedDelivery } from './prepare';

/** An attempt gives up this long before its activity's own timeout, so it never sends after it was abandoned. */
const DEADLINE_MARGIN_MS = 1_000;
/** Temporal schedules retries no sooner than about a second apart: shorter waits are done in the activity. */
export const INLINE_WAIT_MAX_MS = 1_000;

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
  /** A wait shorter than INLINE_WAIT_MAX_MS before the first attempt (the workflow sleeps through longer ones). */
  firstDelayMs: number;
}

export interface FirstAttemptInput {
  integrationId: string;
  hit: EventHit;
  /** When the event became ready to send (accepted by the ingest API, or released from its hold): see the channel's backlog. */
  readySince: string;
}

export interface FirstStepInput {
  integrationId: string;
  event: AcceptedEvent;
  /** Prepare as this user: an event released from its hold by an identify. */
  asUser?: string;
  readySince: string;
}

/** What preparing decided, and the first attempt when it decided to send. */
export type FirstStep =
  { prepared: Extract<PreparedDelivery, { kind: 'send' }>; first: DeliveryAttempt } | { prepared: Exclude<PreparedDelivery, { kind: 'send' }>; first: null };

/** Prepare, then send only what preparing decided to send: the first step's one order, for the activity and its test doubles. */
export async function prepareThenSend(prepare: () => Promise<PreparedDelivery>, send: (hit: EventHit) => Promise<DeliveryAttempt>): Promise<FirstStep> {
  const prepared = await prepare();
  if (prepared.kind !== 'send') return { prepared, first: null };
  return { prepared, first: await send(prepared.hit) };
}

export function createDeliveryActivities(deps: ActivityDeps) {
  const { prepareDelivery } = createPrepareActivities(deps);

  /**
   * A retry's input carries no readySince: retries keep the channel's live batching. `startedAt`: when the activity
   * began, which its timeout counts from.
   */
  async function attempt(
    { integrationId, hit, readySince }: Pick<FirstAttemptInput, 'integrationId' | 'hit'> & { readySince?: string },
    number: number,
    recheck = false,
    startedAt = Date.now(),
  ): Promise<DeliveryAttempt> {
    const context = Context.current();
    const deadline = startedAt + context.info.startToCloseTimeoutMs - DEADLINE_MARGIN_MS;
    const channel = channelOf(deps, integrationId);
    const exchange = await channel.send(hit, {
      deadline,
      signal: context.cancellationSignal,
      recheck,
      readySince: readySince === undefined ? undefined : Date.parse(readySince),
    });
    const result = attemptOf(number, exchange, (ms) => channel.boundedRetryAfter(ms));
    const log = {
      workflowId: context.info.workflowExecution?.workflowId,
      integration: integrationId,
      attempt: number,
      status: result.response?.status ?? null,
    };
    if (result.outcome === 'accepted') deps.logger.debug({ ...log, event: hit.event, batchSize: result.batch?.size }, 'xtremepush accepted event');
    else deps.logger.warn({ ...log, failureClass: result.failureClass }, result.message);
    return result;
  }

  return {
    /**
     * The first attempt as a local activity of its own, for deliveries started before `prepareAndSendFirst` (their
     * histories replay it). Never throws for an answer from Xtremepush: the workflow decides what follows.
     */
    sendFirstAttempt: (input: FirstAttemptInput): Promise<DeliveryAttempt> => attempt(input, 1),

    /**
     * Stitch, consent and map, then the first attempt when there is something to send: as one local activity, the
     * delivery's first workflow task needs one activation and one history event fewer than with two. Only reading the
     * identity store throws (and is retried); the attempt never throws for an answer from Xtremepush.
     */
    async prepareAndSendFirst({ readySince, ...input }: FirstStepInput): Promise<FirstStep> {
      const startedAt = Date.now();
      return prepareThenSend(
        () => prepareDelivery(input),
        (hit) => attempt({ integrationId: input.integrationId, hit, readySince }, 1, false, startedAt),
      );
    },

    /**
     * Every later attempt. Short waits (under a second) and the attempts after them happen here, without a round trip
     * through the server; a longer wait ends this activity attempt with the delay for Temporal to schedule the next
     * (no history events per retry, no worker slot held while waiting). The running count travels in the heartbeat
     * details, which the worker reports with the failure. A refusal for good, or the retry horizon reached, fails it
     * for good with the last attempt in its details.
     */
    async deliverHit(input: RetryInput): Promise<DeliveryAttempt> {
      const context = Context.current();
      const deadline = Date.now() + context.info.startToCloseTimeoutMs - DEADLINE_MARGIN_MS;
      const carried = context.info.heartbeatDetails as { count?: number } | undefined;
      let count = carried?.count ?? input.attemptsBefore;
      // The first activity attempt may start with a short wait; a later one was already delayed by Temporal.
      let delay = context.info.attempt === 1 ? input.firstDelayMs : 0;
      for (;;) {
        if (delay > 0) await sleep(delay, context.cancellationSignal);
        count += 1;
        const result = await attempt(input, count, input.afterPark === true && count === input.attemptsBefore + 1);
        if (result.outcome === 'accepted') return result;
        const details = [result];
        if (result.failureClass !== 'throttled' && result.failureClass !== 'transient') {
          throw ApplicationFailure.create({ type: result.failureClass, message: result.message, nonRetryable: true, details });
        }
        delay = result.retryAfterMs ?? backoff(input.retry, count - input.attemptsBefore);
        if (Date.now() + delay > input.horizonEndsAt) {
          const message = `${result.message} Gave up after ${result.attempt} attempts over the retry horizon.`;
          throw ApplicationFailure.create({ type: 'retries_exhausted', message, nonRetryable: true, details });
        }
        if (delay >= INLINE_WAIT_MAX_MS || Date.now() + delay + input.retry.attemptTimeoutMs > deadline) {
          context.heartbeat({ count });
          throw ApplicationFailure.create({ type: result.failureClass, message: result.message, nextRetryDelay: delay, details });
        }
      }
    },
  };
}

/** Exponential backoff with jitter (50-100 % of the step), so a recovering Xtremepush is not hit by every delivery at once. */
export function backoff(retry: DeliveryRetryPolicy, n: number): number {
  const step = Math.min(retry.maximumIntervalMs, retry.initialIntervalMs * 2 ** Math.min(n - 1, 30));
  return Math.round(step * (0.5 + Math.random() * 0.5));
}

/** Resolves after `ms`, or rejects at once when the activity is cancelled. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return sleepFor(ms, undefined, { signal });
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
