import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { dropSchema } from '../../scripts/benchmark/stack';
import { startSimulator, type Simulator } from '../../simulator';
import { DATABASE_URL, EU_TOKEN, US_TOKEN, WRITE_KEY } from '../harness';
import { freePort } from '../ports';
import { startAbandonWatch, type AbandonWatch } from './abandon-watch';
import { startPersistentDevServer, type PersistentDevServer } from './dev-server';
import { PortTakenError, ProcessGroup, type Log, type ServiceProcess } from './processes';

/** The webhook connection the API serves, for the barrage and the valid webhooks mixed into it. */
export const WEBHOOK_CONNECTION = { name: 'main', auth: { type: 'bearer', token: 'reliability-webhook-token-5e1a' } } as const;

/** One call to Xtremepush: short, so that slow answers time out and the test stays short. */
export const DELIVERY_TIMEOUT_MS = 2_000;

export interface StackOptions {
  /** Names the scenario in the task queue, schema and process names. */
  name: string;
  workers: number;
  log: Log;
  /** The identity store's server: the machine's shared one unless a scenario brings its own. */
  databaseUrl?: string;
}

/**
 * The service as it runs in production, against a Temporal that can be killed: a headless dev server with its state
 * in a file, one API process and `workers` worker processes, the identity store in PostgreSQL, and the simulator in
 * this process (so faults are injected and hits counted directly), reached through a watching proxy.
 */
export interface Stack {
  simulator: Simulator;
  /** Between the workers and the simulator's EU region: sees events that landed after the client gave up. */
  watch: AbandonWatch;
  /** A client of the dev server, for the end check. */
  client: Client;
  devServer: PersistentDevServer;
  processes: ProcessGroup;
  apiUrl: string;
  api: ServiceProcess;
  workers: ServiceProcess[];
  /** Starts the API again on its port, after it was killed. */
  restartApi(): Promise<void>;
  /** Workers Temporal has seen polling the task queue (a restarted server knows only those that polled since). */
  pollingWorkers(): Promise<ServiceProcess[]>;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const id = `${options.name.replace(/[^a-z0-9]/g, '_')}_${randomUUID().slice(0, 8)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-reliability-'));
  const closers: Array<() => Promise<void>> = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch((error: Error) => options.log(`cleanup: ${error.message}`));
  };
  try {
    const simulator = await startSimulator({
      eu: { projects: [{ name: 'eu-project', token: EU_TOKEN }] },
      us: { projects: [{ name: 'us-project', token: US_TOKEN }] },
    });
    closers.push(() => simulator.close());
    const watch = await startAbandonWatch(simulator.urls.eu);
    closers.push(() => watch.close());
    const devServer = await startPersistentDevServer(dir);
    closers.push(() => devServer.stop());
    const connection = await Connection.connect({ address: devServer.address });
    closers.push(() => connection.close());
    const databaseUrl = options.databaseUrl ?? DATABASE_URL;
    const schema = `reliability_${id}`;
    closers.push(() => dropSchema(databaseUrl, schema));

    // What a user sets to run the API and workers on their own against a Temporal cluster (README, "Running at scale").
    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: devServer.address,
      TEMPORAL_TASK_QUEUE: `reliability-${id}`,
      XTREMEPUSH_APP_TOKEN: EU_TOKEN,
      XTREMEPUSH_API_BASE_URL: watch.url,
      XTREMEPUSH_EU_HOST: watch.url,
      XTREMEPUSH_US_HOST: simulator.urls.us,
      XTREMEPUSH_WEBHOOKS: JSON.stringify([WEBHOOK_CONNECTION]),
      INGEST_WRITE_KEYS: WRITE_KEY,
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATA_DIR: dir,
      DELIVERY_TIMEOUT: `${DELIVERY_TIMEOUT_MS}ms`,
      DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
      DELIVERY_RETRY_MAX_INTERVAL: '2s',
      LOG_LEVEL: 'warn',
    };
    const processes = new ProcessGroup(options.log);
    closers.push(() => processes.stopAll());
    let apiPort = 0;
    const startApi = () => processes.start(`${options.name}/api`, 'api', env, apiPort);
    const workers = await Promise.all(
      Array.from({ length: options.workers }, (_, i) => onFreePort((port) => processes.start(`${options.name}/worker-${i + 1}`, 'worker', env, port))),
    );
    const api = await onFreePort((port) => ((apiPort = port), startApi()));
    const stack: Stack = {
      simulator,
      watch,
      client: new Client({ connection }),
      devServer,
      processes,
      apiUrl: api.url,
      api,
      workers,
      async restartApi() {
        // On its own port, which its clients know: the killed process's may take a moment to be released.
        for (let tries = 1; ; tries++) {
          try {
            stack.api = await startApi();
            return;
          } catch (error) {
            if (!(error instanceof PortTakenError) || tries === 5) throw error;
            await new Promise((resolve) => setTimeout(resolve, 1_000));
          }
        }
      },
      async pollingWorkers() {
        const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
        const pollers = await Promise.all(
          [TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY].map((taskQueueType) =>
            connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: env.TEMPORAL_TASK_QUEUE }, taskQueueType }),
          ),
        );
        // A worker's identity is `<pid>@<host>` by default.
        const pids = new Set(pollers.flatMap((p) => p.pollers ?? []).map((p) => Number(p.identity?.split('@')[0])));
        return stack.workers.filter((w) => pids.has(w.pid));
      },
      close,
    };
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts a process on a free port, and on another if that one was taken before the process bound it. */
async function onFreePort(start: (port: number) => Promise<ServiceProcess>): Promise<ServiceProcess> {
  for (let tries = 1; ; tries++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (!(error instanceof PortTakenError) || tries === 5) throw error;
    }
  }
}
