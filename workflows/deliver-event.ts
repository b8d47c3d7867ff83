import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { SA } from './search-attributes';
import type { DeliverEventInput, DeliveryFailureDetails, DeliveryResult, DropReason } from './types';

/** The stitching and mapping steps are quick lookups: local activities, retried briefly, keep the history short. */
const { checkConsent, mapEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumInterval: '10s' },
});

const { stitchIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
  summary: 'stitch identity',
});

/** One event to one Xtremepush integration: stitch identity -> check consent -> map -> deliver. */
export async function deliverEvent(input: DeliverEventInput): Promise<DeliveryResult> {
  const { integrationId, event, retry } = input;

  const identity = await stitchIdentity(event);
  if (!identity) return drop('unidentified', 'the event has no userId and its anonymousId is not linked to a user yet');

  const consent = await checkConsent({ integrationId, event });
  if (!consent.allowed) return drop('consent', consent.detail);

  const mapping = await mapEvent({ integrationId, event, identity });
  if (mapping.action === 'drop') return drop(mapping.reason, mapping.detail);
  const { hit } = mapping;
  upsertSearchAttributes([{ key: SA.xtremepushEvent, value: hit.event }]);
  setCurrentDetails(`Delivering **${mapping.sourceEvent}** as **${hit.event}** to integration \`${integrationId}\``);

  const { deliverHit } = proxyActivities<Activities>({
    startToCloseTimeout: retry.attemptTimeoutMs + 5_000,
    scheduleToCloseTimeout: retry.horizonMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      maximumInterval: retry.maximumIntervalMs,
      backoffCoefficient: 2,
    },
    summary: `deliver ${hit.event} to Xtremepush`,
  });
  try {
    const receipt = await deliverHit({ integrationId, hit });
    upsertSearchAttributes([{ key: SA.outcome, value: 'delivered' }]);
    setCurrentDetails(`Delivered **${hit.event}** (attempt ${receipt.attempt})`);
    return { outcome: 'delivered', xtremepushEvent: hit.event, userId: hit.user_id, attempts: receipt.attempt, hit };
  } catch (error) {
    throw deliveryFailure(error);
  }
}

function drop(reason: DropReason, detail: string): DeliveryResult {
  upsertSearchAttributes([
    { key: SA.outcome, value: 'dropped' },
    { key: SA.dropReason, value: reason },
  ]);
  setCurrentDetails(`Dropped: ${reason}. ${detail}`);
  return { outcome: 'dropped', reason, detail };
}

/** Ends the workflow as Failed, keeping the failure class and the hint that tells the operator what to do. */
function deliveryFailure(error: unknown): unknown {
  if (!(error instanceof ActivityFailure)) return error;
  const cause = error.cause instanceof ApplicationFailure ? error.cause : null;
  const [details] = (cause?.details ?? []) as [DeliveryFailureDetails?];
  const failureClass = details?.failureClass ?? 'transient';
  // Anything but a non-retryable failure reaching here means the retry horizon ran out.
  const exhausted = cause?.nonRetryable ? '' : ' (retries exhausted)';
  const message = `${cause?.message ?? error.cause?.message ?? error.message}${exhausted}`;
  upsertSearchAttributes([
    { key: SA.outcome, value: 'failed' },
    { key: SA.failureClass, value: failureClass },
  ]);
  setCurrentDetails(`Failed: ${failureClass}. ${message}`);
  return ApplicationFailure.create({ type: failureClass, message, nonRetryable: true, details: cause?.details as unknown[] });
}
