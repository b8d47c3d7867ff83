import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { Client as PgClient } from 'pg';
import { startService, type RunningService } from '../app/service';
import { loadConfig } from '../config/load';
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator';

export const EU_TOKEN = 'test-eu-token-5f2c9a';
export const US_TOKEN = 'test-us-token-8b1d4e';
export const WRITE_KEY = 'test-write-key';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'postgres' | 'embedded';

export interface TestStack {
  /** Replaced by restart(). */
  service: RunningService;
  simulator: Simulator;
  apiUrl: string;
  /** The settings the service was started with, for running the CLI against it. */
  env: Record<string, string>;
  /** Every log line the service wrote, for asserting that secrets never reach the logs. */
  logs: string[];
  post(path: string, body: unknown, writeKey?: string): Promise<{ status: number; headers: Headers; body: any }>;
  /**
   * Stops the worker and the API (as a crash-free deploy would) and starts them again on the same queue and store,
   * with some settings changed if given (a corrected token, say), and with or without the in-process worker.
   */
  restart(changes?: Record<string, string>, run?: { worker: boolean }): Promise<void>;
  close(): Promise<void>;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through the README's test command (npm test)`);
  return value;
}

/**
 * The real service against the shared Temporal dev server, on its own task queue, with its own simulator and its own
 * PostgreSQL schema for the identity store: test files run side by side without seeing each other's events.
 */
export async function startTestStack(
  options: {
    /** Extra settings; a function gets the simulator, whose URLs are only known once it runs. */
    env?: Record<string, string> | ((simulator: Simulator) => Record<string, string>);
    simulator?: SimulatorOptions;
    store?: StoreKind;
    /** False: no in-process worker (tests that run worker processes of their own). */
    worker?: boolean;
    /** Turns tracing on, with spans going here; the worker then bundles its workflows itself (with the interceptors). */
    spanProcessor?: SpanProcessor;
  } = {},
): Promise<TestStack> {
  const simulator = await startSimulator({
    eu: { projects: [{ name: 'eu-project', token: EU_TOKEN }] },
    us: { projects: [{ name: 'us-project', token: US_TOKEN }] },
    ...options.simulator,
  });
  const id = randomUUID().slice(0, 8);
  const schema = `test_${id}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sxp-${id}-`));
  const store: Record<string, string> = options.store === 'embedded' ? { DATA_DIR: dataDir } : { DATABASE_URL, DATABASE_SCHEMA: schema };
  const env: Record<string, string> = {
    XTREMEPUSH_APP_TOKEN: EU_TOKEN,
    XTREMEPUSH_API_BASE_URL: simulator.urls.eu,
    // The simulator stands in for both region hosts, so a token of the other region is recognised as such.
    XTREMEPUSH_EU_HOST: simulator.urls.eu,
    XTREMEPUSH_US_HOST: simulator.urls.us,
    INGEST_WRITE_KEYS: WRITE_KEY,
    API_PORT: '0',
    TEMPORAL_ADDRESS: requireEnv('TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: `test-${id}`,
    ...store,
    DELIVERY_RETRY_INITIAL_INTERVAL: '100ms',
    DELIVERY_RETRY_MAX_INTERVAL: '1s',
    DELIVERY_TIMEOUT: '2s',
    LOG_LEVEL: 'debug',
    ...(typeof options.env === 'function' ? options.env(simulator) : options.env),
  };
  let config = loadConfig(env);
  let runWorker = options.worker ?? true;
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  const start = () =>
    startService({
      config,
      logger,
      temporalAddress: config.temporal.address!,
      run: { api: true, worker: runWorker },
      workflowBundle: options.spanProcessor ? undefined : { codePath: requireEnv('TEST_WORKFLOW_BUNDLE') },
      spanProcessor: options.spanProcessor,
    });
  const service = await start();
  const stack: TestStack = {
    service,
    simulator,
    apiUrl: service.apiUrl!,
    env,
    logs,
    async post(urlPath, body, writeKey = WRITE_KEY) {
      const res = await fetch(`${stack.apiUrl}${urlPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
    async restart(changes, run) {
      await stack.service.close();
      if (changes) config = loadConfig(Object.assign(env, changes));
      if (run) runWorker = run.worker;
      stack.service = await start();
      stack.apiUrl = stack.service.apiUrl!;
    },
    async close() {
      await stack.service.close();
      await simulator.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (options.store === 'embedded') return;
      const pg = new PgClient({ connectionString: DATABASE_URL });
      await pg.connect();
      await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pg.end();
    },
  };
  return stack;
}

/** Consent as Segment's consent manager sends it: the default gating category `marketing` granted. */
export const MARKETING_GRANTED = { consent: { categoryPreferences: { Marketing: true } } };

/** Seed 000's example purchase, as a Segment track of user crm-12345. */
export const SEED_ORDER_COMPLETED = {
  userId: 'crm-12345',
  event: 'Order Completed',
  properties: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
  timestamp: '2026-06-06T11:36:00.000Z',
  context: MARKETING_GRANTED,
};

/** Every string in a workflow history, payload bytes decoded, so a secret cannot hide in base64 or binary. */
export function historyStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) value.forEach((v) => historyStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => historyStrings(v, out));
  return out;
}

/** Requests that carried events to Xtremepush (not the read-only calls that check the App Token). */
export function hitRequests(simulator: Simulator) {
  return simulator.received().filter((r) => r.path.startsWith('/api/external/hit/'));
}

/** Posts one event, expecting it accepted, and returns the workflow id of its (first) delivery. */
export async function send(stack: TestStack, path: string, body: Record<string, unknown>): Promise<string> {
  const res = await stack.post(path, body);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.deliveries[0].workflowId;
}

/** Waits until a condition over live state holds, polling: for state outside Temporal's own waiting (visibility). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * An entry point run as its own process, with its output kept for assertions: a TypeScript source through tsx, or
 * (`compiled`) a file of the build in dist/ with plain node, as production runs it.
 */
export function spawnEntry(entry: string, env: Record<string, string>, children: ChildProcess[], options: { compiled?: boolean } = {}) {
  const file = path.join(__dirname, '..', entry);
  const child = spawn(process.execPath, options.compiled ? [file] : ['--import', 'tsx', file], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

/** Runs the operator CLI as a user would, against a stack's settings. */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../cli/index.ts'), ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(stdin ?? '');
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The failure a delivery ended with; fails the test if it ended otherwise. */
export async function failureOf(stack: TestStack, workflowId: string): Promise<ApplicationFailure> {
  const error = await stack.service.deliveries.result(workflowId).then(
    () => assert.fail('expected the delivery to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, `unexpected ${error}`);
  return error.cause;
}
