/**
 * One benchmark run: starts a headless in-memory Temporal dev server, an in-process Xtremepush simulator and the
 * service as child processes, measures the ceilings and our figures in that one setting, and stops everything it
 * started, also when a phase fails or the run is aborted.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { startSimulator } from '../../simulator';
import { resolveTemporalCli, startDevServer } from '../../temporal/dev-server';
import { freePort } from '../../test/ports';
import {
  bundleEngineWorkflows,
  measureEngine,
  measureEngineLatency,
  measureWire,
  type EngineLatencyResult,
  type EngineResult,
  type WireResult,
} from './ceilings';
import { measureCosts, waitForDeliveriesToClose, type CostResult } from './costs';
import { closedLoop, openLoop, type ClosedLoopResult, type OpenLoopResult } from './load';
import { describeMachine, type MachineInfo } from './machine';
import { resolveOptions, type BenchmarkOptions, type BenchmarkOptionsInput } from './options';
import { findChildProcess, startSampler, type ProcessStats, type ProcessTarget } from './process-stats';
import { checkPostgres, dropSchema, PROJECT_ROOT, startServiceProcess, type ServiceProcess, type ServiceSettings } from './stack';
import { abortable, Cleanup, stderrLog, type Log } from './support';

export type { BenchmarkOptions, BenchmarkOptionsInput } from './options';

const APP_TOKEN = 'bench-app-token-3c7e91';
const WRITE_KEY = 'bench-write-key';
/** The External API paths that carry event hits (single and batch). */
const HIT_PATHS = new Set(['/api/external/hit/event', '/api/external/hit/events']);
const SERVICE_READY_TIMEOUT_MS = 180_000;

export interface SaturationResult extends ClosedLoopResult {
  /** Requests to the hit paths during the phase (retries and batches included). */
  xtremepushRequests: number;
  xtremepushRequestsPerEvent: number;
  /** Events in the phase's largest request, and the share of events that went in requests of 100 or more. */
  largestRequestEvents: number;
  shareInRequestsOf100: number;
}

export interface BenchmarkResults {
  runId: string;
  mode: 'combined' | 'split';
  options: BenchmarkOptions;
  machine: MachineInfo;
  engine: EngineResult[];
  wire: WireResult;
  saturation: SaturationResult;
  /** One per request shape (events per request), at the same rate. */
  openLoops: OpenLoopResult[];
  /** Empty workflows at each open loop's rate and burst: the engine's share of that latency. */
  engineLatency: EngineLatencyResult[];
  costs: CostResult;
  /** Sampled during the saturation phase (first request to last hit) and during the engine ceiling. */
  processes: { saturation: ProcessStats[]; engine: ProcessStats[] };
  ratios: {
    /** Our delivered events/s ÷ empty workflows/s. */
    oursOverEngine: number;
    /** The backlog's rate (ClosedLoopResult.backlog) ÷ the empty-workflow ceiling; null when none was left. */
    backlogOverEngine: number | null;
    /** Our delivered events/s ÷ direct simulator requests/s. */
    oursOverWire: number;
  };
  durationSeconds: number;
}

export interface RunBenchmarkOptions extends BenchmarkOptionsInput {
  log?: Log;
  /** Aborting stops the current phase and cleans up (main.ts wires it to SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

export async function runBenchmark(input: RunBenchmarkOptions = {}): Promise<BenchmarkResults> {
  const { log = stderrLog, signal, ...rest } = input;
  const options = resolveOptions(rest);
  const runId = randomUUID().slice(0, 8);
  const started = Date.now();
  const cleanup = new Cleanup();
  const checkAborted = () => {
    if (signal?.aborted) throw new Error('benchmark aborted');
  };
  try {
    const cli = resolveTemporalCli();
    const machine = describeMachine(cli, PROJECT_ROOT);

    const devPort = await freePort();
    log(`run ${runId}: starting a headless in-memory Temporal dev server (${cli})`);
    // Not abortable: a dev server still starting when we gave up would be left running.
    const devServer = await startDevServer({
      cliPath: cli,
      port: devPort,
      uiPort: null,
      namespace: 'default',
      logger: pino({ level: 'warn' }, pino.destination(2)),
      readyTimeoutMs: 120_000,
    });
    cleanup.defer('stop the dev server', () => devServer.stop());
    const devServerPid = findChildProcess(process.pid, ['start-dev', String(devPort)]);
    checkAborted();

    const simulator = await startSimulator({ eu: { projects: [{ name: 'bench', token: APP_TOKEN }] } });
    cleanup.defer('close the simulator', () => simulator.close());

    const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), `sxp-bench-${runId}-`));
    cleanup.defer('remove the temp dir', () => fs.rmSync(tempDir, { recursive: true, force: true }));

    // Webpack is slow: bundle the engine workflows while the service starts (and bundles its own).
    const engineBundle = bundleEngineWorkflows();
    engineBundle.catch(() => undefined); // awaited below; a failure elsewhere first must not be unhandled

    const settings: ServiceSettings = {
      temporalAddress: devServer.address,
      taskQueue: `bench-${runId}`,
      appToken: APP_TOKEN,
      apiBaseUrl: simulator.urls.eu,
      writeKey: WRITE_KEY,
      dataDir: path.join(tempDir, 'data'),
      launchEnv: options.launchEnv,
      extra: Object.fromEntries(options.serviceEnv.map((setting) => [setting.slice(0, setting.indexOf('=')), setting.slice(setting.indexOf('=') + 1)])),
    };
    if (options.split) {
      await checkPostgres(options.databaseUrl);
      settings.database = { url: options.databaseUrl, schema: `bench_${runId}` };
      // Deferred before the processes, so it runs after they stopped.
      cleanup.defer('drop the PostgreSQL schema', () => dropSchema(options.databaseUrl, settings.database!.schema));
    }
    const roles = options.split ? (['worker', 'api'] as const) : (['service'] as const);
    log(
      `starting the service (${options.split ? 'split: dist/api/main.js + dist/worker/main.js' : 'combined: dist/app/start.js'}) on task queue ${settings.taskQueue}`,
    );
    const services: ServiceProcess[] = [];
    cleanup.defer('stop the service', async () => {
      await Promise.all(services.map((s) => s.stop()));
    });
    // allSettled: a process still starting when its sibling failed must be in `services` before the cleanup runs.
    const starts = await Promise.allSettled(
      roles.map(async (role) => {
        const port = await freePort();
        services.push(await startServiceProcess({ role, port, settings, log, readyTimeoutMs: SERVICE_READY_TIMEOUT_MS, signal }));
      }),
    );
    const failedStart = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    const api = services.find((s) => s.role !== 'worker')!;

    const connection = await Connection.connect({ address: devServer.address });
    cleanup.defer('close the Temporal client', () => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    // Sampled in both phases where the engine works hardest: which process runs out of CPU first locates the limit.
    const targets: ProcessTarget[] = [
      ...services.map((s) => ({ role: s.role === 'service' ? 'service (api + worker)' : s.role, pid: s.pid, withDescendants: true })),
      ...(devServerPid ? [{ role: 'temporal dev server', pid: devServerPid, withDescendants: true }] : []),
      { role: 'benchmark driver (load + simulator + engine worker)', pid: process.pid, withDescendants: false },
    ];

    log(
      `engine ceiling: ${options.engineWorkflows} workflows per variant, ${options.engineInFlight} in flight (the last: ${options.events} all at once), worker in this process`,
    );
    let engineProcesses: ProcessStats[] = [];
    const engineSampler = startSampler(targets);
    const engine = await abortable(
      engineBundle.then((bundleCode) =>
        measureEngine({
          address: devServer.address,
          namespace: 'default',
          taskQueue: `bench-engine-${runId}`,
          bundleCode,
          workflows: options.engineWorkflows,
          inFlight: options.engineInFlight,
          allAtOnceWorkflows: options.events,
          log,
          signal,
        }),
      ),
      signal,
    ).finally(() => (engineProcesses = engineSampler.stop()));

    log(`wire ceiling: ${options.wireConcurrency} concurrent hits straight to the simulator for ${options.wireSeconds} s`);
    const wire = await abortable(
      measureWire({
        url: simulator.urls.eu,
        token: APP_TOKEN,
        userIdPrefix: `bench-${runId}-wire-`,
        seconds: options.wireSeconds,
        concurrency: options.wireConcurrency,
        log,
      }),
      signal,
    );
    simulator.reset();

    const sampler = startSampler(targets);
    let processes: ProcessStats[] = [];
    let closed: ClosedLoopResult;
    try {
      closed = await closedLoop({
        apiUrl: api.url,
        writeKey: WRITE_KEY,
        simulator,
        prefix: `bench-${runId}-sat-`,
        events: options.events,
        batch: options.batch,
        connections: options.connections,
        drainTimeoutMs: options.drainTimeoutSeconds * 1000,
        log,
        signal,
      });
    } finally {
      processes = sampler.stop();
    }
    const requestSizes = simulator
      .received()
      .filter((r) => HIT_PATHS.has(r.path))
      .map((r) => eventsIn(r.body));
    const xtremepushRequests = requestSizes.length;
    const saturation: SaturationResult = {
      ...closed,
      xtremepushRequests,
      xtremepushRequestsPerEvent: xtremepushRequests / closed.acceptedEvents,
      largestRequestEvents: Math.max(0, ...requestSizes),
      shareInRequestsOf100: sum(requestSizes.filter((n) => n >= 100)) / Math.max(1, sum(requestSizes)),
    };
    log(
      `saturation: ${closed.acceptedEvents} events delivered end to end in ${closed.endToEndSeconds.toFixed(1)} s = ` +
        `${closed.deliveredEventsPerSecond.toFixed(1)}/s; ${saturation.xtremepushRequestsPerEvent.toFixed(3)} Xtremepush requests per event`,
    );
    simulator.reset();

    const openLoops: OpenLoopResult[] = [];
    for (const batch of options.openBatches) {
      // Latency is measured in a steady state, not while the engine still completes the phase before.
      await abortable(waitForDeliveriesToClose({ client, taskQueue: settings.taskQueue, timeoutMs: options.drainTimeoutSeconds * 1000, log }), signal);
      const open = await openLoop({
        apiUrl: api.url,
        writeKey: WRITE_KEY,
        simulator,
        prefix: `bench-${runId}-open${batch}-`,
        eventsPerSecond: closed.deliveredEventsPerSecond / 2,
        batch,
        seconds: options.openSeconds,
        drainTimeoutMs: options.drainTimeoutSeconds * 1000,
        log,
        signal,
      });
      log(`open loop: latency p50 ${open.latencyMs.p50} ms, p95 ${open.latencyMs.p95} ms, p99 ${open.latencyMs.p99} ms, max ${open.latencyMs.max} ms`);
      openLoops.push(open);
      simulator.reset();
    }

    log("engine latency: empty workflows at the open loops' rates and bursts, started eagerly, worker in this process");
    const engineLatency = await abortable(
      engineBundle.then((bundleCode) =>
        measureEngineLatency({
          address: devServer.address,
          namespace: 'default',
          taskQueue: `bench-engine-latency-${runId}`,
          bundleCode,
          // The rate each open loop ran at: half saturation, rounded to whole requests per second.
          loops: openLoops.map((o) => ({ burst: o.batch, workflowsPerSecond: o.requestsPerSecond * o.batch })),
          seconds: options.openSeconds,
          log,
          signal,
        }),
      ),
      signal,
    );

    const costs = await abortable(measureCosts({ client, taskQueue: settings.taskQueue, sample: options.costSample, log }), signal);

    const empty = engine.find((e) => e.variant === 'emptyWorkflow')!;
    return {
      runId,
      mode: options.split ? 'split' : 'combined',
      options: { ...options, databaseUrl: withoutPassword(options.databaseUrl) },
      machine: await machine,
      engine,
      wire,
      saturation,
      openLoops,
      engineLatency,
      costs,
      processes: { saturation: processes, engine: engineProcesses },
      ratios: {
        oursOverEngine: closed.deliveredEventsPerSecond / empty.workflowsPerSecond,
        backlogOverEngine: closed.backlog ? closed.backlog.eventsPerSecond / empty.workflowsPerSecond : null,
        oursOverWire: closed.deliveredEventsPerSecond / wire.requestsPerSecond,
      },
      durationSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    log('cleaning up');
    await cleanup.runAll(log);
  }
}

/** Results are printed and written to a file: a password in DATABASE_URL must not be. */
function withoutPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Events one hit request carried: hit/events holds a list, hit/event one. */
function eventsIn(body: unknown): number {
  const events = (body as { events?: unknown } | null)?.events;
  return Array.isArray(events) ? events.length : 1;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
