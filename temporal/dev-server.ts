import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contracts';
import { searchAttributeTypeName } from './search-attributes';

export interface DevServer {
  address: string;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  cliPath?: string;
  port: number;
  /** null: headless (tests). */
  uiPort: number | null;
  /** The codec endpoint the Web UI decodes encrypted payloads through. */
  uiCodecEndpoint?: string;
  /** Persist state in this file so a restart loses nothing; in memory when absent (tests). */
  dbFile?: string;
  /** Register the service's search attributes at start, as a deployment does once (default true). */
  searchAttributes?: boolean;
  namespace: string;
  logger: Logger;
  readyTimeoutMs?: number;
}

/** TEMPORAL_CLI_PATH, then a `temporal` on PATH, then the one scripts/setup.sh installs from PyPI into the clone. */
export function resolveTemporalCli(explicit?: string): string {
  const candidates = [
    explicit,
    ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => dir && path.join(dir, 'temporal')),
    // From the sources (temporal/) or from the build (dist/temporal/).
    path.resolve(__dirname, '..', '.tools/venv/bin/temporal'),
    path.resolve(__dirname, '../..', '.tools/venv/bin/temporal'),
  ];
  const found = candidates.find((file) => file && fs.existsSync(file));
  if (!found) throw new Error('Temporal CLI not found: run scripts/setup.sh, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use a running cluster');
  return found;
}

/**
 * Starts `temporal server start-dev` as a child process and waits until it answers. The SDK's own launcher gives the
 * server 5 seconds, too little on a loaded 2-core machine, so we poll with a longer deadline.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = resolveTemporalCli(options.cliPath);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--namespace', options.namespace, '--log-level', 'warn'];
  if (options.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(options.uiPort));
  if (options.uiCodecEndpoint && options.uiPort !== null) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  // A deleted execution (`cli erase`) goes once the close task is acknowledged, which is every 30 s by default.
  args.push('--dynamic-config-value', 'history.transferProcessorUpdateAckInterval="1s"');
  // One partition per task queue: one server has nothing to spread over them. With the default four, tasks and polls
  // are forwarded between partitions, and under load a workflow task now and then is recorded as started but never
  // reaches the worker, so it runs again only when its 10 s timeout fires: in each of 3 benchmark runs of the engine
  // ceilings with four partitions, in 2 of 7 with one.
  args.push('--dynamic-config-value', 'matching.numTaskqueueReadPartitions=1', '--dynamic-config-value', 'matching.numTaskqueueWritePartitions=1');
  if (options.searchAttributes !== false) {
    for (const key of SEARCH_ATTRIBUTE_KEYS) args.push('--search-attribute', `${key.name}=${searchAttributeTypeName(key)}`);
  }
  if (options.dbFile) {
    fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
    // WAL with synchronous=OFF: plain file persistence is very slow; a crash of the OS (not of the process) may lose
    // the last writes, which is the dev server's trade-off. Production uses a Temporal cluster.
    args.push('--db-filename', options.dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  }
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(address, exited, options.readyTimeoutMs ?? 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- temporal output ---\n${output.join('')}`);
  }
  options.logger.info({ address, pid: child.pid, cli }, 'temporal dev server is up');
  return {
    address,
    uiUrl: options.uiPort === null ? null : `http://127.0.0.1:${options.uiPort}`,
    stop: () => stopChild(child, exited),
  };
}

async function waitUntilServing(address: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`temporal dev server exited with code ${exitCode} (is port ${address} taken?)`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`temporal dev server did not answer on ${address} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
