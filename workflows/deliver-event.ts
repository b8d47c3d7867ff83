import {
  ActivityFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RetryPolicy } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { FirstStep } from '../activities/deliver';
import {
  eraseDeliverySignal,
  heldEventDoneSignal,
  releaseHeldEventSignal,
  SA,
  type DeliverEventInput,
  type DeliveryAttempt,
  type DeliveryProgress,
  type DeliveryResult,
} from './contracts';
import { dropped, failed, stored } from './outcomes';
import { CHANNEL_WAIT_MS, record, retryUntilDelivered } from './retries';
import { withStoreRetries } from './store-retries';

/**
 * Stitching, consent and mapping read the identity store once, in a local activity in the delivery's first workflow
 * task with no round trip through the server. A few quick retries ride out a blip; a longer outage of the store is
 * retried here, visibly, up to the retry horizon.
 */
const PREPARE_RETRY: RetryPolicy = { initialInterval: '200ms', maximumInterval: '2s', maximumAttempts: 4, nonRetryableErrorTypes: ['invalid_event'] };
/** The identity store's share of prepareAndSendFirst's timeout: the attempt gets the rest, as a first attempt alone did. */
const PREPARE_ALLOWANCE_MS = 1_000;

const { prepareDelivery } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: PREPARE_RETRY });

const { holdForIdentify } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m', maximumAttempts: 20 },
  summary: 'hold until the anonymousId is identified',
});

/**
 * One event to one Xtremepush integration: stitch identity -> check consent -> map -> deliver. An event delivered at the
 * first attempt costs one workflow task: one local activity, one search-attribute upsert, done.
 */
export async function deliverEvent(input: DeliverEventInput): Promise<DeliveryResult> {
  // `cli erase` cancels this inner scope only, for a delivery still waiting (held, parked, retrying) for a person being
  // erased; an operator's cancel (Web UI, `temporal workflow cancel`) cancels the workflow's own scope, and so this one.
  const scope = new CancellationScope();
  setHandler(eraseDeliverySignal, () => scope.cancel());
  try {
    return await scope.run(() => deliver(input));
  } catch (error) {
    if (!isCancellation(error)) throw error;
    if (!CancellationScope.current().consideredCancelled) {
      return dropped(input.integrationId, 'erased', 'the person was erased (`cli erase`) while this delivery waited');
    }
    return dropped(
      input.integrationId,
      'cancelled',
      'an operator cancelled this delivery (Web UI or `temporal workflow cancel`) before it was known to be delivered',
    );
  }
}

async function deliver(input: DeliverEventInput): Promise<DeliveryResult> {
  if (input.progress) return retryUntilDelivered(input, input.progress);
  const { integrationId } = input;
  let step = await firstStep(input);
  if (step.prepared.kind !== 'unidentified') return act(input, step);

  const { holdWorkflowId, anonymousId } = step.prepared;
  const userId = await waitForIdentify(input, holdWorkflowId, anonymousId);
  if (!userId) return dropped(integrationId, 'unidentified', 'no identify linked this anonymousId to a user within the hold window');
  try {
    // Ready to send only now: the time it was held does not make it part of a backlog.
    step = await firstStep(input, userId, new Date().toISOString());
    return await act(input, step);
  } finally {
    // Lets the hold release the next event of this anonymousId, in order; sent also when this delivery was cancelled or
    // erased meanwhile, or the hold would wait for it until its acknowledgement times out.
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(holdWorkflowId).signal(heldEventDoneSignal, { workflowId: workflowInfo().workflowId }),
    ).catch(() => undefined);
  }
}

/**
 * Stitch, consent and map, then the first attempt when there is something to send: one local activity, or two for a
 * delivery started before they were one (its history holds two).
 */
async function firstStep(input: DeliverEventInput, asUser?: string, readySince = input.event.receivedAt): Promise<FirstStep> {
  const { integrationId, event, retry } = input;
  const withRetries = <T>(step: () => Promise<T>) =>
    withStoreRetries('Reading the identity store', retry.horizonMs, step, (failureClass, message) =>
      failed(integrationId, failureClass, message, { count: 0, first: null, last: null }, null),
    );
  if (input.combinedFirstStep) {
    const { prepareAndSendFirst } = proxyLocalActivities<Activities>({
      startToCloseTimeout: PREPARE_ALLOWANCE_MS + retry.attemptTimeoutMs + CHANNEL_WAIT_MS,
      retry: PREPARE_RETRY,
    });
    return withRetries(() => prepareAndSendFirst({ integrationId, event, asUser, readySince }));
  }
  const prepared = await withRetries(() => prepareDelivery({ integrationId, event, asUser }));
  if (prepared.kind !== 'send') return { prepared, first: null };
  const { sendFirstAttempt } = proxyLocalActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs + CHANNEL_WAIT_MS,
    retry: { maximumAttempts: 1 },
  });
  const first = await sendFirstAttempt({ integrationId, hit: prepared.hit, readySince }).catch((error: unknown) => unanswered(error));
  return { prepared, first };
}

async function act(input: DeliverEventInput, step: FirstStep): Promise<DeliveryResult> {
  const { integrationId } = input;
  if (step.first === null) {
    const { prepared } = step;
    switch (prepared.kind) {
      case 'drop':
        return dropped(integrationId, prepared.reason, prepared.detail);
      case 'stored':
        return stored(integrationId, prepared.userId, prepared.detail);
      case 'unidentified':
        return dropped(integrationId, 'unidentified', 'the event was released as a user the identity store does not know');
    }
  }
  const { prepared, first } = step;
  const progress: DeliveryProgress = {
    hit: prepared.hit,
    sourceEvent: prepared.sourceEvent,
    userId: prepared.userId,
    attempts: { count: 0, first: null, last: null },
    retryingSince: Date.now(),
  };
  record(progress, first);
  return retryUntilDelivered(input, progress);
}

/** The first attempt itself failed (worker lost, timeout): nobody knows whether Xtremepush got the hit; retry as transient. */
function unanswered(error: unknown): DeliveryAttempt {
  const reason = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
  return {
    attempt: 1,
    at: new Date().toISOString(),
    url: null,
    response: null,
    outcome: 'failed',
    failureClass: 'transient',
    message: `the attempt did not complete: ${reason}`,
  };
}

/** Waits durably (a signal, not polling) for the hold to release this event as a known user. */
async function waitForIdentify({ integrationId, event, holdWindowMs }: DeliverEventInput, holdWorkflowId: string, anonymousId: string): Promise<string | null> {
  let releasedAs: string | null = null;
  setHandler(releaseHeldEventSignal, ({ userId }) => void (releasedAs ??= userId));
  upsertSearchAttributes([{ key: SA.outcome, value: 'held' }]);
  setCurrentDetails(`Held: waiting up to ${Math.round(holdWindowMs / 1000)} s for an identify of this anonymousId (hold \`${holdWorkflowId}\`)`);
  await holdForIdentify({ integrationId, anonymousId, workflowId: workflowInfo().workflowId, at: event.at, deadline: Date.now() + holdWindowMs });
  await condition(() => releasedAs !== null, holdWindowMs);
  return releasedAs;
}
