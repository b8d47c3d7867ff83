import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Config, DeliverySettings } from '../config/schema';
import { randomUUID } from 'node:crypto';
import { acceptEvents, needsDerivedIds, requestDigest, type AcceptOptions, type IncomingEvent, type RejectedEvent } from '../events/accept';
import { isIntegrationEnabled } from '../events/integrations';
import type { AcceptedEvent, EventType } from '../events/schema';
import { applyIdentityEvent, describesIdentity } from '../identity/apply';
import type { IdentityStore } from '../identity/store';
import { sourceEventName } from '../mapping/map-event';
import { eventSubjectHashes, subjectHash } from '../privacy/subject';
import { deliveryWorkflowId, keyword, SA, WORKFLOW_TYPES, type DeliverEventInput, type DeliveryResult, type DeliveryRetryPolicy } from '../workflows/contracts';
import type { IntegrationRegion } from '../xtremepush/regions';
import { createRetryMemory } from './retried-requests';
import { eventRefusal } from './start-errors';
import { InvalidEventError, TemporalUnavailableError } from '../errors';

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
  /** Where `sxp_events_accepted` and `sxp_events_rejected` are counted (the Temporal runtime's meter in the service). */
  meter?: MetricMeter;
  /**
   * Identify, alias and group calls are written here before the events are accepted, so an event accepted after them
   * (in the same request or a later one) is stitched with what they said. Without it, only the deliveries write them.
   */
  identityStore?: IdentityStore;
  /**
   * The secret of the keyed hash naming a person (privacy/subject.ts): each delivery is tagged with XpUserHash, and an
   * identify of a suppressed person is not stored. Unset: neither.
   */
  privacyHashKey?: string;
  /** The client shares a NativeConnection with a worker of this task queue: hand it each delivery's first task directly. */
  eagerStart?: boolean;
  logger?: Logger;
}

export interface StartedDelivery {
  workflowId: string;
  integrationId: string;
  messageId: string;
  /** True when a delivery of this messageId already existed: nothing new was started. */
  duplicate: boolean;
}

export interface IngestResult {
  deliveries: StartedDelivery[];
  /** Events not accepted, by their index in the request, each with what is wrong with it. */
  rejected: RejectedEvent[];
}

/** The retry settings a delivery starts with, from the service's configuration. */
export function retryPolicyOf(delivery: DeliverySettings): DeliveryRetryPolicy {
  return {
    initialIntervalMs: delivery.retryInitialIntervalMs,
    maximumIntervalMs: delivery.retryMaxIntervalMs,
    horizonMs: delivery.retryHorizonMs,
    attemptTimeoutMs: delivery.timeoutMs,
  };
}

type EventInput = Record<string, unknown>;

/** The one path from events to durable deliveries: used by the ingest API, the CLI, Signal's code and the tests. */
export function createDeliveryClient(options: DeliveryClientOptions) {
  const { client, taskQueue, integrations, retry, holdWindowMs, privacyHashKey } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const acceptedCounter = options.meter?.createCounter('sxp_events_accepted', undefined, 'Deliveries durably started, by integration and call type');
  const rejectedCounter = options.meter?.createCounter('sxp_events_rejected', undefined, 'Events not accepted because they are invalid');
  const retries = createRetryMemory(options.identityStore);

  async function startOne(event: AcceptedEvent, integration: DeliveryClientOptions['integrations'][number]): Promise<StartedDelivery | { refused: string }> {
    const workflowId = deliveryWorkflowId(integration.id, event.messageId);
    const sourceEvent = keyword(sourceEventName(event));
    const input: DeliverEventInput = { integrationId: integration.id, event, retry, holdWindowMs, combinedFirstStep: true };
    try {
      await client.workflow.start(WORKFLOW_TYPES.deliverEvent, {
        taskQueue,
        workflowId,
        args: [input],
        // Same messageId, same delivery: a running one is reused, a finished one is not started again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        requestEagerStart: options.eagerStart,
        typedSearchAttributes: [
          { key: SA.integration, value: integration.id },
          { key: SA.region, value: integration.region },
          { key: SA.sourceEvent, value: sourceEvent },
          ...(privacyHashKey ? [{ key: SA.userHash, value: eventPersonHashes(privacyHashKey, event) }] : []),
        ],
        staticSummary: `${event.type} "${sourceEvent}" → Xtremepush ${integration.id} (${integration.region})`,
        staticDetails: `messageId \`${event.messageId}\`, received ${event.receivedAt}, happened ${event.at}`,
      });
      acceptedCounter?.add(1, { integration: integration.id, type: event.type });
      return { workflowId, integrationId: integration.id, messageId: event.messageId, duplicate: false };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return { workflowId, integrationId: integration.id, messageId: event.messageId, duplicate: true };
      }
      const refused = eventRefusal(error);
      if (refused) return { refused };
      throw error;
    }
  }

  /**
   * Starts one delivery per event and integration; resolves once Temporal has durably accepted all of them, naming
   * the events Temporal refused. Unavailability throws TemporalUnavailableError: the request is worth retrying, and a
   * retry starts nothing twice (same messageIds, same workflow ids).
   */
  async function deliver(events: readonly AcceptedEvent[]): Promise<{ deliveries: StartedDelivery[]; refused: Map<AcceptedEvent, string> }> {
    let outcomes: Array<{ event: AcceptedEvent; started: Awaited<ReturnType<typeof startOne>> }>;
    try {
      outcomes = await client.withDeadline(Date.now() + startTimeoutMs, () =>
        Promise.all(events.flatMap((event) => integrations.map(async (integration) => ({ event, started: await startOne(event, integration) })))),
      );
    } catch (error) {
      throw new TemporalUnavailableError(error);
    }
    const refused = new Map<AcceptedEvent, string>();
    const deliveries: StartedDelivery[] = [];
    for (const { event, started } of outcomes) {
      if ('refused' in started) refused.set(event, started.refused);
      else deliveries.push(started);
    }
    return { deliveries, refused };
  }

  /** What identify, alias and group calls say is stored before the answer, in the order they came. */
  async function storeIdentities(events: readonly AcceptedEvent[]): Promise<void> {
    if (!options.identityStore) return;
    for (const event of events) {
      // An event every integration is told to skip leaves nothing behind to reach them through later events.
      if (!describesIdentity(event) || !integrations.some((i) => isIntegrationEnabled(event.integrations, i.id))) continue;
      // Nothing an identify says about a person on the suppression list is kept (their delivery ends `suppressed`).
      const subject = privacyHashKey && event.userId ? subjectHash(privacyHashKey, 'user', event.userId) : undefined;
      await applyIdentityEvent(options.identityStore, event, subject).catch((error: Error) =>
        // The delivery writes it again; only the ordering guarantee waits for the store to come back.
        options.logger?.warn({ err: error.message, messageId: event.messageId }, 'identity store unavailable at ingest; the delivery will store the identify'),
      );
    }
  }

  /**
   * Validates each event, stores what identify/alias/group calls say, and starts the deliveries of the valid ones.
   * A request answered with TemporalUnavailableError can be retried as it is: it starts nothing twice.
   */
  async function ingest(items: readonly IncomingEvent[], acceptOptions: Omit<AcceptOptions, 'idSalt'> = {}): Promise<IngestResult> {
    const digest = needsDerivedIds(items) ? requestDigest(items) : null;
    const idSalt = (digest && (await retries.saltFor(digest))) || randomUUID();
    const { accepted, rejected } = acceptEvents(items, { ...acceptOptions, idSalt });
    const events = accepted.map((a) => a.event);
    await storeIdentities(events);
    const { deliveries, refused } = await deliver(events).catch(async (error: unknown) => {
      if (digest && error instanceof TemporalUnavailableError) await retries.remember(digest, idSalt);
      throw error;
    });
    for (const { index, event } of accepted) {
      const problem = refused.get(event);
      if (problem) rejected.push({ index, problems: [`${items[index]!.path || '(event)'}: ${problem}`] });
    }
    if (rejected.length > 0) rejectedCounter?.add(rejected.length);
    return { deliveries, rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  const single = (type: EventType) => async (event: EventInput) => {
    const { deliveries, rejected } = await ingest([{ type, body: event, path: '' }]);
    if (rejected.length > 0) throw new InvalidEventError(rejected[0]!.problems);
    return deliveries;
  };

  return {
    ingest,
    track: single('track'),
    identify: single('identify'),
    page: single('page'),
    screen: single('screen'),
    group: single('group'),
    alias: single('alias'),
    /** Each item names its own `type`; invalid ones are returned as `rejected`, the others are accepted. */
    batch: (events: EventInput[]) => ingest(events.map((body, i) => ({ body, path: `batch[${i}]` }))),
    /** Waits for a delivery to end; a failed delivery rejects with its failure. */
    result: (workflowId: string): Promise<DeliveryResult> => client.workflow.getHandle(workflowId).result(),
  };
}

export type DeliveryClient = ReturnType<typeof createDeliveryClient>;

/** A delivery client with the queue, integrations, retries, hold window and hash key the service is configured with. */
export function deliveryClientOf(
  config: Config,
  client: Client,
  options: Omit<DeliveryClientOptions, 'client' | 'taskQueue' | 'integrations' | 'retry' | 'holdWindowMs' | 'privacyHashKey'> = {},
): DeliveryClient {
  return createDeliveryClient({
    client,
    taskQueue: config.temporal.taskQueue,
    integrations: config.integrations,
    retry: retryPolicyOf(config.delivery),
    holdWindowMs: config.delivery.anonymousHoldWindowMs,
    privacyHashKey: config.privacy.hashKey,
    ...options,
  });
}

/** The keyed hashes an event's deliveries are found by: its userId's and anonymousId's, and an alias's previous id's. */
function eventPersonHashes(key: string, event: AcceptedEvent): string[] {
  const previousId = event.type === 'alias' ? (event as { previousId?: string }).previousId : undefined;
  return [...eventSubjectHashes(key, event), ...(previousId ? [subjectHash(key, 'user', previousId), subjectHash(key, 'anonymous', previousId)] : [])];
}
