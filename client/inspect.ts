import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { decodeArrayFromPayloads, decodeFromPayloadsAtIndex, decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { EventHit } from '../xtremepush/hit';
import type { DeliverEventInput, DeliveryAttempt, DeliveryResult } from '../workflows/types';
import { deliveryWorkflowId } from './delivery-client';

/** Segment's Event Delivery view for one delivery: what was received, what was sent, every response, how it ended. */
export interface DeliveryInspection {
  workflowId: string;
  integrationId: string;
  status: string;
  /** held / parked / delivering / delivered / dropped / failed, from the search attributes. */
  outcome: string | null;
  received: DeliverEventInput['event'];
  /** The hit as sent; it never contains the App Token. */
  hit: EventHit | null;
  attempts: DeliveryAttempt[];
  result: DeliveryResult | null;
  failure: { type: string | null; message: string } | null;
}

/** Every integration's delivery of one messageId (deliveries that do not exist are left out). */
export async function inspectMessage(client: Client, integrationIds: readonly string[], messageId: string): Promise<DeliveryInspection[]> {
  const found: DeliveryInspection[] = [];
  for (const integrationId of integrationIds) {
    try {
      found.push(await inspectDelivery(client, deliveryWorkflowId(integrationId, messageId)));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return found;
}

export async function inspectDelivery(client: Client, workflowId: string): Promise<DeliveryInspection> {
  const handle = client.workflow.getHandle(workflowId);
  // describe first: it reports a missing workflow as WorkflowNotFoundError.
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const converter = client.options.loadedDataConverter;
  const events = history.events ?? [];
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const input = await decodeFromPayloadsAtIndex<DeliverEventInput>(converter, 0, started?.input?.payloads);

  const deliverHitIds = new Set<string>();
  let hit: EventHit | null = null;
  const attempts: DeliveryAttempt[] = [];
  let result: DeliveryResult | null = null;
  let failure: DeliveryInspection['failure'] = null;
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'deliverHit') {
      deliverHitIds.add(String(event.eventId));
      hit ??= ((await decodeArrayFromPayloads(converter, scheduled.input?.payloads))[0] as { hit: EventHit }).hit;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed && deliverHitIds.has(String(completed.scheduledEventId))) {
      attempts.push(await decodeFromPayloadsAtIndex<DeliveryAttempt>(converter, 0, completed.result?.payloads));
    }
    const done = event.workflowExecutionCompletedEventAttributes;
    if (done) result = await decodeFromPayloadsAtIndex<DeliveryResult>(converter, 0, done.result?.payloads);
    const failed = event.workflowExecutionFailedEventAttributes;
    if (failed) failure = await describeFailure(converter, failed.failure);
  }
  return {
    workflowId,
    integrationId: input.integrationId,
    status: description.status.name,
    outcome: (description.searchAttributes.XpOutcome?.[0] as string | undefined) ?? null,
    received: input.event,
    hit,
    attempts,
    result,
    failure,
  };
}

async function describeFailure(converter: Client['options']['loadedDataConverter'], proto: temporal.api.failure.v1.IFailure | null | undefined) {
  const error = await decodeOptionalFailureToOptionalError(converter, proto);
  return { type: (error as { type?: string } | undefined)?.type ?? null, message: error?.message ?? 'unknown failure' };
}
