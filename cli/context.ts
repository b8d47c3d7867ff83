import type { Client } from '@temporalio/client';
import { loadConfig, type LoadedConfig } from '../config/load';
import { connectClient } from '../temporal/connection';

/** The service's Temporal: the configured one, else the embedded dev server `npm start` runs. */
export function temporalAddressOf(config: LoadedConfig): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.dev.port}`;
}

/** A client if Temporal answers within a few seconds, else null. */
export async function tryConnect(config: LoadedConfig): Promise<Awaited<ReturnType<typeof connectClient>> | null> {
  try {
    const connected = await connectClient(config.temporal, temporalAddressOf(config));
    await connected.client.withDeadline(Date.now() + 3_000, () => connected.client.workflowService.getSystemInfo({}));
    return connected;
  } catch {
    return null;
  }
}

/** Runs an operator command with the service's configuration and a Temporal client, closing it afterwards. */
export async function withTemporal<T>(run: (context: { config: LoadedConfig; client: Client }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const address = temporalAddressOf(config);
  let connected: Awaited<ReturnType<typeof connectClient>>;
  try {
    connected = await connectClient(config.temporal, address);
  } catch (error) {
    throw new Error(`cannot reach Temporal at ${address} (${(error as Error).message}): start the service with \`npm start\`, or set TEMPORAL_ADDRESS`);
  }
  try {
    return await run({ config, client: connected.client });
  } finally {
    await connected.close();
  }
}

/** A one-line progress bar on stderr, so stdout stays clean for results. */
export function progressBar(label: string): (progress: { done: number; total: number }) => void {
  let lastLine = '';
  return ({ done, total }) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    else if (done === total || Math.floor((done / total) * 10) !== Math.floor(((done - 1) / total) * 10)) {
      if (line !== lastLine) process.stderr.write(`${line}\n`);
    }
    lastLine = line;
  };
}

/** Output for people: one line each, empty ones dropped. */
export function printLines(lines: readonly string[]): void {
  process.stdout.write(`${lines.filter((line) => line !== '').join('\n')}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
