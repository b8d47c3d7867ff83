import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AcceptedEvent } from '../events/schema';
import type { StitchedIdentity } from '../mapping/map-event';
import { countOutcome, recordLatency } from './metrics';
import { SA } from './search-attributes';
import { heldEventDoneSignal, holdWorkflowId, identifiedSignal, releaseHeldEventSignal } from './signals';
import { sendWithPolicy } from './send-with-policy';
import type { DeliverEventInput, DeliveryResult, DropReason } from './types';

/** Consent and mapping are quick decisions over configuration: local activities keep the history short. */
const { checkConsent, mapEvent } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumInterval: '10s' },
});

const { stitchIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
  summary: 'stitch identity',
});

const { holdForIdentify } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
  summary: 'hold until the anonymousId is identified',
});

/** One event to one Xtremepush integration: stitch identity -> check consent -> map -> deliver. */
export async function deliverEvent(input: DeliverEventInput): Promise<DeliveryResult> {
  const { integrationId, event } = input;

  const stitched = await stitchIdentity(event);
  await announceLink(integrationId, event);
  if (stitched) return deliverAs(input, stitched);
  if (event.type !== 'track' && event.type !== 'page') {
    return drop(integrationId, 'unidentified', `the ${event.type} has no userId: nothing to link`);
  }

  const userId = await waitForIdentify(input);
  if (!userId) {
    return drop(integrationId, 'unidentified', `no identify linked anonymousId ${event.anonymousId} to a user within the hold window`);
  }
  try {
    const identity = await stitchIdentity({ ...event, userId });
    return await deliverAs(input, identity!);
  } finally {
    // Lets the hold release the next event of this anonymousId, in order.
    await getExternalWorkflowHandle(holdWorkflowId(integrationId, event.anonymousId!))
      .signal(heldEventDoneSignal, { workflowId: workflowInfo().workflowId })
      .catch(() => undefined);
  }
}

/** An identify or alias that linked an anonymous id tells that id's hold, if one exists, to release its events. */
async function announceLink(integrationId: string, event: AcceptedEvent): Promise<void> {
  const linkedId = event.type === 'identify' ? event.anonymousId : event.type === 'alias' ? event.previousId : undefined;
  if (!linkedId || !event.userId) return;
  // No hold running means nothing waits; one started later finds the stored link itself.
  await getExternalWorkflowHandle(holdWorkflowId(integrationId, linkedId))
    .signal(identifiedSignal, { userId: event.userId })
    .catch(() => undefined);
}

/** Waits durably (a signal, not polling) for the hold to release this event as a known user. */
async function waitForIdentify({ integrationId, event, holdWindowMs }: DeliverEventInput): Promise<string | null> {
  let releasedAs: string | null = null;
  setHandler(releaseHeldEventSignal, ({ userId }) => void (releasedAs ??= userId));
  upsertSearchAttributes([{ key: SA.outcome, value: 'held' }]);
  setCurrentDetails(`Held: waiting up to ${Math.round(holdWindowMs / 1000)} s for an identify of this anonymousId`);
  await holdForIdentify({
    integrationId,
    anonymousId: event.anonymousId!,
    workflowId: workflowInfo().workflowId,
    at: event.timestamp ?? event.originalTimestamp ?? event.receivedAt,
    deadline: Date.now() + holdWindowMs,
  });
  await condition(() => releasedAs !== null, holdWindowMs);
  return releasedAs;
}

async function deliverAs(input: DeliverEventInput, identity: StitchedIdentity): Promise<DeliveryResult> {
  const { integrationId, event, retry } = input;
  const consent = await checkConsent({ integrationId, event, userId: identity.userId });
  if (!consent.allowed) return drop(integrationId, 'consent', consent.detail);

  const mapping = await mapEvent({ integrationId, event, identity, consent });
  if (mapping.action === 'drop') return drop(integrationId, mapping.reason, mapping.detail);
  const { hit } = mapping;
  upsertSearchAttributes([{ key: SA.xtremepushEvent, value: hit.event }]);
  setCurrentDetails(`Delivering **${mapping.sourceEvent}** as **${hit.event}** to integration \`${integrationId}\``);

  const attempts = await sendWithPolicy(integrationId, hit, retry);
  upsertSearchAttributes([{ key: SA.outcome, value: 'delivered' }]);
  setCurrentDetails(`Delivered **${hit.event}** (attempt ${attempts.length})`);
  countOutcome(integrationId, 'delivered');
  recordLatency(integrationId, event.receivedAt);
  return { outcome: 'delivered', xtremepushEvent: hit.event, userId: hit.user_id, attempts, hit };
}

function drop(integrationId: string, reason: DropReason, detail: string): DeliveryResult {
  countOutcome(integrationId, 'dropped', reason);
  upsertSearchAttributes([
    { key: SA.outcome, value: 'dropped' },
    { key: SA.dropReason, value: reason },
  ]);
  setCurrentDetails(`Dropped: ${reason}. ${detail}`);
  return { outcome: 'dropped', reason, detail };
}
