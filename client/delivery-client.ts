import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import type { AcceptedEvent, EventType } from '../events/schema';
import { sourceEventName } from '../mapping/map-event';
import type { IntegrationRegion } from '../xtremepush/regions';
import { deliverEvent } from '../workflows';
import { SA } from '../workflows/search-attributes';
import type { DeliveryResult, DeliveryRetryPolicy } from '../workflows/types';
import { acceptEvents } from './events';

export interface DeliveryClientOptions {
  client: Client;
  taskQueue: string;
  /** Non-secret facts about each integration: every event gets one delivery workflow per integration. */
  integrations: ReadonlyArray<{ id: string; region: IntegrationRegion }>;
  retry: DeliveryRetryPolicy;
  /** How long an event with an unknown anonymousId waits for an identify. */
  holdWindowMs: number;
  /** How long to wait for Temporal to accept the workflows before reporting it unavailable. */
  startTimeoutMs?: number;
  /** Where `sxp_events_accepted` is counted (the Temporal runtime's meter in the service). */
  meter?: MetricMeter;
}

export interface StartedDelivery {
  workflowId: string;
  integrationId: string;
  messageId: string;
  /** True when a delivery of this messageId already existed: nothing new was started. */
  duplicate: boolean;
}

/** Temporal did not durably accept every delivery: the caller must retry the request. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal did not accept the deliveries: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

export function deliveryWorkflowId(integrationId: string, messageId: string): string {
  return `deliver-${integrationId}-${messageId}`;
}

type EventInput<T extends EventType> = Record<string, unknown> & { type?: T };

/** The one path from an event to durable deliveries: used by the ingest API, the CLI and the tests. */
export function createDeliveryClient(options: DeliveryClientOptions) {
  const { client, taskQueue, integrations, retry, holdWindowMs } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const accepted = options.meter?.createCounter('sxp_events_accepted', undefined, 'Deliveries durably started, by integration and call type');

  async function startOne(event: AcceptedEvent, integration: DeliveryClientOptions['integrations'][number]): Promise<StartedDelivery> {
    const workflowId = deliveryWorkflowId(integration.id, event.messageId);
    const sourceEvent = sourceEventName(event).slice(0, 200);
    try {
      await client.workflow.start(deliverEvent, {
        taskQueue,
        workflowId,
        args: [{ integrationId: integration.id, event, retry, holdWindowMs }],
        // Same messageId, same delivery: a running one is reused, a finished one is not started again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: SA.integration, value: integration.id },
          { key: SA.region, value: integration.region },
          { key: SA.sourceEvent, value: sourceEvent },
        ],
        staticSummary: `${event.type} "${sourceEvent}" → Xtremepush ${integration.id} (${integration.region})`,
        staticDetails: `messageId \`${event.messageId}\`, received ${event.receivedAt}`,
      });
      accepted?.add(1, { integration: integration.id, type: event.type });
      return { workflowId, integrationId: integration.id, messageId: event.messageId, duplicate: false };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return { workflowId, integrationId: integration.id, messageId: event.messageId, duplicate: true };
      }
      throw error;
    }
  }

  /** Starts one delivery per event and integration; resolves only once Temporal has durably accepted all of them. */
  async function deliver(events: AcceptedEvent[]): Promise<StartedDelivery[]> {
    try {
      return await client.withDeadline(Date.now() + startTimeoutMs, () =>
        Promise.all(events.flatMap((event) => integrations.map((integration) => startOne(event, integration)))),
      );
    } catch (error) {
      throw new TemporalUnavailableError(error);
    }
  }

  const single = <T extends EventType>(type: T) => (event: EventInput<T>) => deliver(acceptEvents([{ type, body: event, path: '' }]));

  return {
    deliver,
    track: single('track'),
    identify: single('identify'),
    page: single('page'),
    alias: single('alias'),
    batch: (events: Array<EventInput<EventType>>) => deliver(acceptEvents(events.map((body, i) => ({ body, path: `batch[${i}]` })))),
    /** Waits for a delivery to end; a failed delivery rejects with its failure. */
    result: (workflowId: string): Promise<DeliveryResult> => client.workflow.getHandle(workflowId).result(),
  };
}

export type DeliveryClient = ReturnType<typeof createDeliveryClient>;
