/**
 * The two ceilings our delivery rate is read against, measured on the same machine in the same run:
 *  - engine: workflows/s the same Temporal dev server completes for workflows that do (almost) nothing;
 *  - wire: requests/s the simulator answers when posted to directly, with no Temporal at all.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Pool } from 'undici';
import { workerSchema } from '../../config/schema';
import { tuningOptions } from '../../worker/create-worker';
import { SA } from '../../workflows/contracts';
import type { EngineActivities } from './workflows';
import { mapLimit, percentiles, sleep, type Log, type Percentiles } from './support';

/**
 * Each variant is a workflow of workflows.ts, started with or without deliverEvent's search attributes. Between the
 * empty workflow and the delivery's shape, one step at a time, they show which step of that shape the engine charges
 * for. The last starts as many delivery-shaped workflows as the saturation phase sends events, all at once, as the
 * ingest API does when it accepts faster than the engine completes.
 */
export const ENGINE_VARIANTS = {
  emptyWorkflow: { workflowType: 'emptyWorkflow', startAttributes: false, allAtOnce: false },
  oneLocalActivityWorkflow: { workflowType: 'oneLocalActivityWorkflow', startAttributes: false, allAtOnce: false },
  oneActivityWorkflow: { workflowType: 'oneActivityWorkflow', startAttributes: false, allAtOnce: false },
  startAttributesWorkflow: { workflowType: 'emptyWorkflow', startAttributes: true, allAtOnce: false },
  upsertWorkflow: { workflowType: 'upsertWorkflow', startAttributes: false, allAtOnce: false },
  deliveryShapeWorkflow: { workflowType: 'deliveryShapeWorkflow', startAttributes: true, allAtOnce: false },
  deliveryShapeAllAtOnce: { workflowType: 'deliveryShapeWorkflow', startAttributes: true, allAtOnce: true },
} as const;
export type EngineVariant = keyof typeof ENGINE_VARIANTS;

export interface EngineResult {
  variant: EngineVariant;
  workflows: number;
  inFlight: number;
  seconds: number;
  workflowsPerSecond: number;
  /**
   * Workflows whose workflow task the server handed out but never saw completed, so it timed out (after the default
   * 10 s) and ran again: one of them at the end of a phase stretches the phase by up to those 10 s.
   */
  timedOutTasks: number;
}

/** A workflow task that timed out took at least this long: the default workflow task timeout. */
const WORKFLOW_TASK_TIMEOUT_MS = 10_000;

export interface WireResult {
  seconds: number;
  concurrency: number;
  requests: number;
  failed: number;
  requestsPerSecond: number;
  latencyMs: Percentiles;
}

/**
 * Our own runtime settings: SDK logs at WARN (the default INFO logs every worker state change onto our progress
 * output), and no signal handlers, so Ctrl-C reaches main.ts and the cleanup. A runtime installed earlier (e.g. by
 * a test that started the service in this process) is kept.
 */
function installRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  } catch {
    // already installed
  }
}

/** Webpack takes seconds: started early, in parallel with the service's own start. */
export async function bundleEngineWorkflows(): Promise<string> {
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: new DefaultLogger('WARN') });
  return bundle.code;
}

interface EngineWorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  bundleCode: string;
}

/**
 * Runs `work` with a worker of the engine workflows in this process and two clients: `client` on its own connection
 * (the ceilings), and `eagerClient` on the worker's, which eager workflow start needs (as the service's ingest uses).
 */
async function withEngineWorker<T>(options: EngineWorkerOptions, work: (clients: { client: Client; eagerClient: Client }) => Promise<T>): Promise<T> {
  installRuntime();
  const activities: EngineActivities = { noop: async () => undefined };
  const workerConnection = await NativeConnection.connect({ address: options.address });
  const connection = await Connection.connect({ address: options.address });
  try {
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: options.namespace,
      taskQueue: options.taskQueue,
      workflowBundle: { code: options.bundleCode },
      activities,
      // The service's own defaults, so the ceilings and our figure differ only in the work done.
      ...tuningOptions(workerSchema.parse({})),
    });
    const client = new Client({ connection, namespace: options.namespace });
    const eagerClient = new Client({ connection: workerConnection, namespace: options.namespace });
    return await worker.runUntil(work({ client, eagerClient }));
  } finally {
    await connection.close();
    await workerConnection.close();
  }
}

export async function measureEngine(
  options: EngineWorkerOptions & {
    workflows: number;
    inFlight: number;
    /** Workflows of the all-at-once variant: the saturation phase's events. */
    allAtOnceWorkflows: number;
    log: Log;
    /** Stops starting workflows, so the worker shuts down before the run's cleanup stops the dev server under it. */
    signal?: AbortSignal;
  },
): Promise<EngineResult[]> {
  return withEngineWorker(options, async ({ client }) => {
    const results: EngineResult[] = [];
    for (const [variant, { workflowType, startAttributes, allAtOnce }] of Object.entries(ENGINE_VARIANTS) as Array<
      [EngineVariant, (typeof ENGINE_VARIANTS)[EngineVariant]]
    >) {
      const ids = Array.from({ length: allAtOnce ? options.allAtOnceWorkflows : options.workflows }, (_, i) => `${options.taskQueue}-${variant}-${i}`);
      const inFlight = allAtOnce ? ids.length : options.inFlight;
      const slow: string[] = [];
      const started = performance.now();
      await mapLimit(ids, inFlight, async (workflowId) => {
        if (options.signal?.aborted) throw new Error('benchmark aborted');
        const sent = performance.now();
        await client.workflow.execute(workflowType, {
          taskQueue: options.taskQueue,
          workflowId,
          typedSearchAttributes: startAttributes ? DELIVERY_START_ATTRIBUTES : undefined,
        });
        if (performance.now() - sent >= WORKFLOW_TASK_TIMEOUT_MS) slow.push(workflowId);
      });
      const seconds = (performance.now() - started) / 1000;
      const timedOutTasks = (await Promise.all(slow.map((workflowId) => hadTimedOutTask(client, workflowId)))).filter(Boolean).length;
      const result = { variant, workflows: ids.length, inFlight, seconds, workflowsPerSecond: ids.length / seconds, timedOutTasks };
      options.log(
        `engine ceiling: ${variant}: ${ids.length} workflows in ${seconds.toFixed(1)} s = ${result.workflowsPerSecond.toFixed(0)}/s` +
          (timedOutTasks > 0 ? ` (${timedOutTasks} with a timed-out workflow task)` : ''),
      );
      results.push(result);
    }
    return results;
  });
}

export interface EngineLatencyResult {
  /** Workflows started together, as the open loop's events arrive in one request. */
  burst: number;
  workflowsPerSecond: number;
  seconds: number;
  /** Start request sent -> the server recording the workflow completed, ms. */
  latencyMs: Percentiles;
}

/**
 * The engine's own latency at our open loops' rates: empty workflows started eagerly, as the service starts
 * deliveries, `burst` at a time at the same events/s, each timed from its start request to its completion in the
 * server. What an event's latency cannot go below on this server and machine, whatever our code does.
 */
export async function measureEngineLatency(
  options: EngineWorkerOptions & { loops: Array<{ burst: number; workflowsPerSecond: number }>; seconds: number; log: Log; signal?: AbortSignal },
): Promise<EngineLatencyResult[]> {
  return withEngineWorker(options, async ({ eagerClient: client }) => {
    const results: EngineLatencyResult[] = [];
    for (const { burst, workflowsPerSecond } of options.loops) {
      const intervalMs = (burst / workflowsPerSecond) * 1000;
      const started = Date.now();
      const runs: Array<Promise<number>> = [];
      for (let tick = 0; tick * intervalMs < options.seconds * 1000; tick++) {
        await sleep(started + tick * intervalMs - Date.now());
        if (options.signal?.aborted) throw new Error('benchmark aborted');
        for (let i = 0; i < burst; i++) runs.push(timeEmptyWorkflow(client, options.taskQueue, `${options.taskQueue}-latency${burst}-${tick}-${i}`));
      }
      const latencyMs = percentiles(await Promise.all(runs));
      const seconds = (Date.now() - started) / 1000;
      options.log(
        `engine latency: ${latencyMs.count} empty workflows, ${burst} at a time at ${workflowsPerSecond.toFixed(1)}/s: ` +
          `p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms, p99 ${latencyMs.p99} ms`,
      );
      results.push({ burst, workflowsPerSecond, seconds, latencyMs });
    }
    return results;
  });
}

/** Milliseconds from sending the start request to the server's close time of the execution. */
async function timeEmptyWorkflow(client: Client, taskQueue: string, workflowId: string): Promise<number> {
  const sent = Date.now();
  const handle = await client.workflow.start('emptyWorkflow', { taskQueue, workflowId, requestEagerStart: true });
  await handle.result();
  const { closeTime } = await handle.describe();
  return closeTime!.getTime() - sent;
}

async function hadTimedOutTask(client: Client, workflowId: string): Promise<boolean> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).some((event) => event.workflowTaskTimedOutEventAttributes);
}

/** What the delivery client sets at start (client/delivery-client.ts), without a privacy key. */
const DELIVERY_START_ATTRIBUTES = [
  { key: SA.integration, value: 'xtremepush' },
  { key: SA.region, value: 'eu' },
  { key: SA.sourceEvent, value: 'Order Completed' },
];

/** `YYYY-MM-DD HH:MM:SS +00:00`, the timestamp format our service sends. */
function xtremepushTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +00:00`;
}

/**
 * Closed loop of single-event hits straight at the simulator over undici, the client our service uses: the most
 * this machine's loopback HTTP and the simulator carry per second, with Temporal out of the picture.
 */
export async function measureWire(options: {
  url: string;
  token: string;
  userIdPrefix: string;
  seconds: number;
  concurrency: number;
  log: Log;
}): Promise<WireResult> {
  const pool = new Pool(options.url, { connections: options.concurrency });
  const latencies: number[] = [];
  let requests = 0;
  let failed = 0;
  try {
    const send = async () => {
      const body = JSON.stringify({
        apptoken: options.token,
        user_id: `${options.userIdPrefix}${requests}`,
        event: 'purchase',
        timestamp: xtremepushTimestamp(new Date()),
        value: { revenue: 10 },
      });
      const sent = performance.now();
      const res = await pool.request({ path: '/api/external/hit/event', method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await res.body.dump();
      latencies.push(performance.now() - sent);
      requests += 1;
      if (res.statusCode !== 200) failed += 1;
    };
    await send(); // connects and warms up the simulator's route before the clock starts
    requests = 0;
    failed = 0;
    latencies.length = 0;
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) await send();
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const result = { seconds, concurrency: options.concurrency, requests, failed, requestsPerSecond: requests / seconds, latencyMs: percentiles(latencies) };
    options.log(`wire ceiling: ${requests} requests in ${seconds.toFixed(1)} s = ${result.requestsPerSecond.toFixed(0)}/s (${failed} failed)`);
    if (failed > 0) throw new Error(`wire ceiling: the simulator refused ${failed} of ${requests} hits`);
    return result;
  } finally {
    await pool.close();
  }
}
