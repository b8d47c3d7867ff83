/**
 * The service as production runs it: the compiled entry points (`node dist/...`, built by `npm run benchmark`) as child
 * processes, pointed at our headless in-memory dev server and an in-process simulator. Only the settings a user would
 * give are passed.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { LAUNCH_ENV } from '../../runtime/launch-env';
import { abortable, sleep, type Log } from './support';

export const PROJECT_ROOT = path.resolve(__dirname, '../..');

export type ServiceRole = 'service' | 'api' | 'worker';

const ENTRIES: Record<ServiceRole, string> = {
  service: 'dist/app/start.js', // `npm start`: API and worker in one process
  api: 'dist/api/main.js',
  worker: 'dist/worker/main.js',
};

export interface ServiceProcess {
  role: ServiceRole;
  pid: number;
  /** The API port (a worker-only process serves /health and /ready there). */
  url: string;
  /** The last lines it wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Settings every process of the service gets. */
export interface ServiceSettings {
  temporalAddress: string;
  taskQueue: string;
  appToken: string;
  apiBaseUrl: string;
  writeKey: string;
  dataDir: string;
  /** Split mode: the shared identity store. */
  database?: { url: string; schema: string };
  /** Whether the processes get LAUNCH_ENV, as the Docker image and `npm start` give it. */
  launchEnv: boolean;
  /** `--service-env NAME=VALUE` settings, applied last. */
  extra: Record<string, string>;
}

/** The environment a user's shell would need to run node; nothing else of ours leaks in (e.g. a TEMPORAL_ADDRESS). */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

export async function startServiceProcess(options: {
  role: ServiceRole;
  port: number;
  settings: ServiceSettings;
  log: Log;
  readyTimeoutMs: number;
  signal?: AbortSignal;
}): Promise<ServiceProcess> {
  const { settings } = options;
  const env: Record<string, string> = {
    ...baseEnv(),
    ...(settings.launchEnv ? LAUNCH_ENV : {}),
    TEMPORAL_ADDRESS: settings.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    XTREMEPUSH_APP_TOKEN: settings.appToken,
    XTREMEPUSH_API_BASE_URL: settings.apiBaseUrl,
    INGEST_WRITE_KEYS: settings.writeKey,
    API_HOST: '127.0.0.1',
    API_PORT: String(options.port),
    DATA_DIR: settings.dataDir,
    LOG_LEVEL: 'warn',
    ...(settings.database ? { DATABASE_URL: settings.database.url, DATABASE_SCHEMA: settings.database.schema } : {}),
    ...settings.extra,
  };
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, ENTRIES[options.role])], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      // Errors during the run matter to whoever reads the figures; warnings (e.g. "loopback base URL") do not.
      const level = /"level":(\d+)/.exec(line);
      if (level && Number(level[1]) >= 50) options.log(`${options.role} logged: ${line.slice(0, 500)}`);
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));
  const url = `http://127.0.0.1:${options.port}`;
  const output = () => tail.join('\n');

  const stop = async () => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    // The service lets in-flight deliveries finish for up to 30 s; after the run there are none, so 15 s is ample.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await abortable(
      waitUntilReady(url, () => exitCode, options.readyTimeoutMs),
      options.signal,
    );
  } catch (error) {
    await stop();
    throw new Error(`${options.role} (${ENTRIES[options.role]}) did not become ready: ${(error as Error).message}\n--- its output ---\n${output()}`);
  }
  options.log(`${options.role} ready: ${ENTRIES[options.role]} pid ${child.pid} on ${url}`);
  return { role: options.role, pid: child.pid!, url, output, stop };
}

/** `GET /ready` answers 200 once Temporal answers and the worker (if any) runs. */
async function waitUntilReady(url: string, exitCode: () => number | null | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode() !== undefined) throw new Error(`it exited with code ${exitCode()}`);
    try {
      const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`GET ${url}/ready did not answer 200 within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** Split mode needs PostgreSQL: say so plainly before starting anything that would fail obscurely. */
export async function checkPostgres(databaseUrl: string): Promise<void> {
  const pg = new PgClient({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    throw new Error(`--split needs PostgreSQL for the shared identity store, but ${databaseUrl} did not answer: ${(error as Error).message}`);
  } finally {
    await pg.end().catch(() => undefined);
  }
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to drop an unexpected schema name: ${schema}`);
  const pg = new PgClient({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await pg.end().catch(() => undefined);
  }
}
