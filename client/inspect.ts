import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex, decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { PreparedDelivery } from '../activities/prepare';
import type { FirstStep } from '../activities/deliver';
import type { AcceptedEvent } from '../events/schema';
import type { EventHit } from '../xtremepush/hit';
import {
  deliveryWorkflowId,
  type AttemptRecord,
  type DeliverEventInput,
  type DeliveryAttempt,
  type DeliveryFailureDetails,
  type DeliveryResult,
} from '../workflows/contracts';
import { NotADeliveryError } from '../errors';

/** Segment's Event Delivery view for one delivery: what was received, what was decided and sent, every answer, how it ended. */
export interface DeliveryInspection {
  workflowId: string;
  integrationId: string;
  status: string;
  /** held / parked / retrying / delivered / stored / dropped / failed, from the search attributes (none: under way). */
  outcome: string | null;
  received: AcceptedEvent;
  /** The client's own times beside the ones this service trusted (`at`: corrected for clock skew, never in the future). */
  times: { timestamp?: string; originalTimestamp?: string; sentAt?: string; receivedAt: string; at: string };
  /** What stitching, consent and mapping decided (the latest decision: a held event is decided again when released). */
  decision: PreparedDelivery | null;
  /** The hit as sent; it never contains the App Token. */
  hit: EventHit | null;
  attempts: AttemptRecord;
  /** Retries under way: the attempt Temporal will make next and why the last one failed. */
  retrying: { nextAttempt: number; lastFailure: string | null } | null;
  /** What a running delivery is doing or waiting for, as it says in the Web UI. */
  details: string | null;
  result: DeliveryResult | null;
  failure: { type: string | null; message: string } | null;
}

type Converter = Client['options']['loadedDataConverter'];

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * Every integration's delivery of one event. `id` is a messageId, or a delivery's workflow id as the ingest API
 * answers it; deliveries that do not exist are left out.
 */
export async function inspectMessage(client: Client, integrationIds: readonly string[], id: string): Promise<DeliveryInspection[]> {
  const candidates = [id, ...integrationIds.map((integrationId) => deliveryWorkflowId(integrationId, id))];
  const found: DeliveryInspection[] = [];
  for (const workflowId of candidates) {
    try {
      found.push(await inspectDelivery(client, workflowId));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError) && !isOtherWorkflowType(error)) throw error;
    }
  }
  return found;
}

/** One line of a list of deliveries, from visibility alone (no history is read). */
export interface DeliverySummary {
  workflowId: string;
  startTime: string;
  status: string;
  outcome: string | null;
  sourceEvent: string | null;
  integrationId: string | null;
}

/** The newest deliveries matching a visibility query (client/queries.ts), at most `limit`. */
export async function listDeliveries(client: Client, query: string, limit: number): Promise<DeliverySummary[]> {
  const found: DeliverySummary[] = [];
  for await (const e of client.workflow.list({ query })) {
    const first = (name: string) => (e.searchAttributes[name]?.[0] as string | undefined) ?? null;
    found.push({
      workflowId: e.workflowId,
      startTime: e.startTime.toISOString(),
      status: e.status.name,
      outcome: first('XpOutcome'),
      sourceEvent: first('XpSourceEvent'),
      integrationId: first('XpIntegration'),
    });
    if (found.length >= limit) break;
  }
  return found;
}

const isOtherWorkflowType = (error: unknown) => error instanceof NotADeliveryError;

export async function inspectDelivery(client: Client, workflowId: string): Promise<DeliveryInspection> {
  const handle = client.workflow.getHandle(workflowId);
  // describe first: it reports a missing workflow as WorkflowNotFoundError.
  const description = await handle.describe();
  if (description.type !== 'deliverEvent') throw new NotADeliveryError(workflowId);
  const history = await handle.fetchHistory();
  const converter = client.options.loadedDataConverter;
  const events = history.events ?? [];
  const input = await decodeFromPayloadsAtIndex<DeliverEventInput>(converter, 0, events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads);

  let decision: PreparedDelivery | null = null;
  const attempts: AttemptRecord = input.progress?.attempts ?? { count: 0, first: null, last: null };
  let hit: EventHit | null = input.progress?.hit ?? null;
  let result: DeliveryResult | null = null;
  let failure: DeliveryInspection['failure'] = null;
  const note = (attempt: DeliveryAttempt) => {
    attempts.count = Math.max(attempts.count + 1, attempt.attempt);
    attempts.first ??= attempt;
    attempts.last = attempt;
  };
  for (const event of events) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName === LOCAL_ACTIVITY_MARKER && marker.details?.result) {
      const type = localActivityType(marker);
      const value = await decodeFromPayloadsAtIndex<unknown>(converter, 0, marker.details.result.payloads);
      // prepareAndSendFirst since it replaced the two (deliveries started before it hold those).
      const step = type === 'prepareAndSendFirst' ? (value as FirstStep) : null;
      if (step || type === 'prepareDelivery') {
        decision = step?.prepared ?? (value as PreparedDelivery);
        if (decision.kind === 'send') hit = decision.hit;
      }
      if (step?.first) note(step.first);
      if (type === 'sendFirstAttempt') note(value as DeliveryAttempt);
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && isDeliverHit(events, completed.scheduledEventId))
      note(await decodeFromPayloadsAtIndex<DeliveryAttempt>(converter, 0, completed.result?.payloads));
    const activityFailed = event.activityTaskFailedEventAttributes;
    if (activityFailed && isDeliverHit(events, activityFailed.scheduledEventId)) {
      const last = await attemptOf(converter, activityFailed.failure);
      if (last) note(last);
    }
    const done = event.workflowExecutionCompletedEventAttributes;
    if (done) result = await decodeFromPayloadsAtIndex<DeliveryResult>(converter, 0, done.result?.payloads);
    const workflowFailed = event.workflowExecutionFailedEventAttributes;
    if (workflowFailed) {
      failure = await describeFailure(converter, workflowFailed.failure);
      const details = (await decodeOptionalFailureToOptionalError(converter, workflowFailed.failure)) as { details?: unknown[] } | undefined;
      const carried = details?.details?.[0] as DeliveryFailureDetails | undefined;
      if (carried?.attempts) Object.assign(attempts, carried.attempts);
    }
  }

  const running = description.status.name === 'RUNNING';
  const pending = running ? (description.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'deliverHit') : undefined;
  const retrying = pending ? { nextAttempt: attempts.count + Number(pending.attempt ?? 1), lastFailure: pending.lastFailure?.message ?? null } : null;
  const { timestamp, originalTimestamp, sentAt, receivedAt, at } = input.event;
  return {
    workflowId,
    integrationId: input.integrationId,
    status: description.status.name,
    outcome: (description.searchAttributes.XpOutcome?.[0] as string | undefined) ?? null,
    received: input.event,
    times: { timestamp, originalTimestamp, sentAt, receivedAt, at },
    decision,
    hit,
    attempts,
    retrying,
    details: running ? await currentDetails(client, workflowId) : null,
    result,
    failure,
  };
}

function localActivityType(marker: temporal.api.history.v1.IMarkerRecordedEventAttributes): string | null {
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    return (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string }).activity_type ?? null;
  } catch {
    return null;
  }
}

function isDeliverHit(events: temporal.api.history.v1.IHistoryEvent[], scheduledEventId: unknown): boolean {
  const scheduled = events.find((e) => String(e.eventId) === String(scheduledEventId));
  return scheduled?.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverHit';
}

/** A failed round of retries carries its last attempt in the failure's details. */
async function attemptOf(converter: Converter, proto: temporal.api.failure.v1.IFailure | null | undefined): Promise<DeliveryAttempt | null> {
  const error = (await decodeOptionalFailureToOptionalError(converter, proto)) as { cause?: { details?: unknown[] }; details?: unknown[] } | undefined;
  const details = error?.details ?? error?.cause?.details;
  return (details?.[0] as DeliveryAttempt | undefined) ?? null;
}

async function describeFailure(converter: Converter, proto: temporal.api.failure.v1.IFailure | null | undefined) {
  const error = await decodeOptionalFailureToOptionalError(converter, proto);
  return { type: (error as { type?: string } | undefined)?.type ?? null, message: error?.message ?? 'unknown failure' };
}

/** The details a running workflow shows in the Web UI (what it does, what it waits for); null when no worker answers. */
async function currentDetails(client: Client, workflowId: string): Promise<string | null> {
  try {
    const metadata = await client.withDeadline(Date.now() + 3_000, () =>
      client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata'),
    );
    return metadata.currentDetails || null;
  } catch {
    return null;
  }
}
