/**
 * What one delivered event costs in Temporal: history events and billable actions, counted from a sample of the
 * deliverEvent histories this run produced. Actions follow Temporal Cloud's pricing rules, so the figure is what
 * the event would be billed on Cloud; the dev server itself bills nothing.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { mapLimit, sleep, type Log } from './support';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const EventType = temporal.api.enums.v1.EventType;

/** The delivery workflow's type name, as registered by workflows/. */
export const DELIVERY_WORKFLOW_TYPE = 'deliverEvent';

/** The marker the TypeScript SDK records for a local activity; other markers (e.g. `core_patch`) are free. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/** Per event type: actions each such event is billed, where that does not depend on the event's neighbours. */
const FLAT_ACTIONS: Partial<Record<number, number>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]: 1, // continue-as-new runs start with this too: 1 each
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: 1, // retries are added from ActivityTaskStarted.attempt
  [EventType.EVENT_TYPE_TIMER_STARTED]: 1,
  [EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]: 1,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]: 1,
  [EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]: 2,
  [EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED]: 1,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: 1,
  // SignalExternalWorkflowExecutionInitiated: billed on the receiver (its WorkflowExecutionSignaled), not here.
};

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` -> `ActivityTaskScheduled`. */
export function eventTypeName(type: number | null | undefined): string {
  const raw = (EventType as unknown as Record<number, string | undefined>)[type ?? 0] ?? `EventType${type}`;
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}

export interface HistoryCost {
  events: number;
  actions: number;
  /** Events per type name. */
  eventsByType: Record<string, number>;
  /** Billable actions per type name (local activities under `MarkerRecorded`, retries under `ActivityTaskScheduled`). */
  actionsByType: Record<string, number>;
}

/** Billable actions of one history. */
export function historyCost(events: readonly HistoryEvent[]): HistoryCost {
  const eventsByType: Record<string, number> = {};
  const actionsByType: Record<string, number> = {};
  const bill = (name: string, actions: number) => (actionsByType[name] = (actionsByType[name] ?? 0) + actions);
  // Local activities completed in one workflow task are recorded as markers right after its WorkflowTaskCompleted,
  // and count as one action together.
  let lastWorkflowTaskCompleted = 0;
  const localActivityTasks = new Set<number>();
  for (const event of events) {
    const type = event.eventType ?? 0;
    const name = eventTypeName(type);
    eventsByType[name] = (eventsByType[name] ?? 0) + 1;
    const flat = FLAT_ACTIONS[type];
    if (flat !== undefined) bill(name, flat);
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) lastWorkflowTaskCompleted = Number(event.eventId ?? 0);
    if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const attempt = event.activityTaskStartedEventAttributes?.attempt ?? 1;
      if (attempt > 1) bill(eventTypeName(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), attempt - 1);
    }
    if (type === EventType.EVENT_TYPE_MARKER_RECORDED && event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      if (!localActivityTasks.has(lastWorkflowTaskCompleted)) bill(name, 1);
      localActivityTasks.add(lastWorkflowTaskCompleted);
    }
  }
  const actions = Object.values(actionsByType).reduce((sum, n) => sum + n, 0);
  return { events: events.length, actions, eventsByType, actionsByType };
}

/** The workflow's result when it is plain JSON; undefined when it cannot be read (e.g. encrypted payloads). */
function completionResult(events: readonly HistoryEvent[]): unknown {
  const completed = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  const payload = completed?.workflowExecutionCompletedEventAttributes?.result?.payloads?.[0];
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

export interface CostRow {
  eventType: string;
  eventsPerWorkflow: number;
  actionsPerWorkflow: number;
}

export interface CostResult {
  /** Completed deliverEvent workflows on the run's task queue. */
  completedWorkflows: number;
  sampled: number;
  historyEvents: { mean: number; max: number };
  actions: { mean: number; max: number };
  /** By event type, means over the sample, most frequent first. */
  byEventType: CostRow[];
}

/** The run's deliverEvent workflows in one execution status. */
function deliveriesQuery(taskQueue: string, status: 'Running' | 'Completed'): string {
  return `WorkflowType = '${DELIVERY_WORKFLOW_TYPE}' AND ExecutionStatus = '${status}' AND TaskQueue = '${taskQueue}'`;
}

/**
 * Waits until no delivery on the task queue is running: the hits of a phase reach the simulator before their workflows
 * complete, and the next phase should not measure the engine still finishing this one. Gives up, saying so, at `timeoutMs`.
 */
export async function waitForDeliveriesToClose(options: { client: Client; taskQueue: string; timeoutMs: number; log: Log }): Promise<void> {
  const query = deliveriesQuery(options.taskQueue, 'Running');
  const started = Date.now();
  for (;;) {
    const { count } = await options.client.workflow.count(query);
    if (count === 0) return options.log(`settled: no delivery running after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (Date.now() - started > options.timeoutMs) return options.log(`settled: gave up with ${count} deliveries still running`);
    await sleep(250);
  }
}

export async function measureCosts(options: { client: Client; taskQueue: string; sample: number; log: Log }): Promise<CostResult> {
  const query = deliveriesQuery(options.taskQueue, 'Completed');
  const { count } = await options.client.workflow.count(query);
  const executions: Array<{ workflowId: string; runId: string }> = [];
  for await (const execution of options.client.workflow.list({ query, pageSize: Math.max(options.sample * 2, 100) })) {
    executions.push({ workflowId: execution.workflowId, runId: execution.runId });
    // Some extra in case a result is not `delivered` (none should be: every event is consented and mapped).
    if (executions.length >= options.sample * 2) break;
  }
  const histories = await mapLimit(executions, 8, async ({ workflowId, runId }) => {
    const history = await options.client.workflow.getHandle(workflowId, runId).fetchHistory();
    return history.events ?? [];
  });
  const delivered = histories
    .filter((events) => {
      const result = completionResult(events) as { outcome?: unknown } | undefined;
      return result === undefined || result.outcome === 'delivered';
    })
    .slice(0, options.sample);
  if (delivered.length === 0) throw new Error(`costs: no delivered ${DELIVERY_WORKFLOW_TYPE} history found on task queue ${options.taskQueue}`);
  const costs = delivered.map(historyCost);
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const types = new Set(costs.flatMap((c) => Object.keys(c.eventsByType)));
  const byEventType = [...types]
    .map((eventType) => ({
      eventType,
      eventsPerWorkflow: mean(costs.map((c) => c.eventsByType[eventType] ?? 0)),
      actionsPerWorkflow: mean(costs.map((c) => c.actionsByType[eventType] ?? 0)),
    }))
    .sort((a, b) => b.eventsPerWorkflow - a.eventsPerWorkflow || a.eventType.localeCompare(b.eventType));
  const result: CostResult = {
    completedWorkflows: count,
    sampled: costs.length,
    historyEvents: { mean: mean(costs.map((c) => c.events)), max: Math.max(...costs.map((c) => c.events)) },
    actions: { mean: mean(costs.map((c) => c.actions)), max: Math.max(...costs.map((c) => c.actions)) },
    byEventType,
  };
  options.log(
    `costs: ${costs.length} delivered histories: ${result.historyEvents.mean.toFixed(1)} events and ${result.actions.mean.toFixed(2)} actions per event on average`,
  );
  return result;
}
