import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { acceptEvents } from '../events/accept';
import type { AcceptedEvent } from '../events/schema';
import type { PreviewStep } from '../mapping/preview';
import { previewWorkflowId, WORKFLOW_TYPES } from '../workflows/contracts';
import { InvalidEventError } from '../errors';

export type { PreviewStep } from '../mapping/preview';

/** Validates the event as the API does: the same checks, messageId and trusted time. */
export function previewedEvent(body: unknown): AcceptedEvent {
  const { accepted, rejected } = acceptEvents([{ body, path: '' }]);
  if (rejected.length > 0) throw new InvalidEventError(rejected[0]!.problems);
  return accepted[0]!.event;
}

/** The preview decided by the running service's worker, which owns the identity store (`npm start`'s embedded one). */
export async function previewThroughService(client: Client, taskQueue: string, event: AcceptedEvent, timeoutMs = 10_000): Promise<PreviewStep[]> {
  return client.workflow.execute(WORKFLOW_TYPES.previewDelivery, {
    taskQueue,
    workflowId: previewWorkflowId(randomUUID()),
    args: [event],
    // No worker within this time: the service is not running, and the preview must not wait for one.
    workflowExecutionTimeout: timeoutMs,
    staticSummary: 'preview of a delivery (cli preview): nothing sent, nothing stored',
  });
}
