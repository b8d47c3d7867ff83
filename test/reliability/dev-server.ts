import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { startDevServer, type DevServer } from '../../temporal/dev-server';
import { freePort } from '../ports';
import { endWithThisProcess } from './orphans';

/** A headless dev server whose state lives in a file, so it can be killed outright and started again on it. */
export interface PersistentDevServer {
  address: string;
  /** SIGKILL: no shutdown of any kind, as a crash or an OOM kill would leave it. */
  kill(): void;
  /** Starts it again on the same state file and port: clients and workers find it where it was. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPersistentDevServer(dir: string): Promise<PersistentDevServer> {
  const dbFile = path.join(dir, 'temporal.db');
  const start = (port: number) =>
    startDevServer({ port, uiPort: null, namespace: 'default', dbFile, logger: pino({ level: 'warn' }), readyTimeoutMs: 120_000 });
  // A port free a moment ago may be taken by the time the server binds it (other tests run beside us): try another.
  let port = await freePort();
  let server: DevServer = await withRetries(
    () => start(port),
    async () => void (port = await freePort()),
  );
  // startDevServer does not expose its child; the one we started is the child of this process holding our state file.
  let forget = endWithThisProcess(childHolding(dbFile));
  return {
    address: server.address,
    kill() {
      process.kill(childHolding(dbFile), 'SIGKILL');
      forget();
    },
    async restart() {
      // Same port, or nothing finds it again; it may take a moment for the killed server's sockets to be released.
      server = await withRetries(
        () => start(port),
        () => new Promise((resolve) => setTimeout(resolve, 1_000)),
      );
      forget = endWithThisProcess(childHolding(dbFile));
    },
    async stop() {
      await server.stop();
      forget();
    },
  };
}

/**
 * A port taken under the server: ours (`address already in use`), or, we take it, one of the ports it picks for its
 * internal services. Seen once in a suite run with other dev servers starting: Temporal Server 1.32 exited at start
 * with a panic in its worker service's `grpc.(*Server).Serve`, given no listener.
 */
const PORT_TAKEN = /address already in use|panic: runtime error: invalid memory address[\s\S]*grpc\.\(\*Server\)\.Serve/;

/** Up to 5 tries when a port is taken; any other failure is thrown at once. */
async function withRetries<T>(attempt: () => Promise<T>, beforeRetry: () => Promise<void>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries === 5 || !PORT_TAKEN.test((error as Error).message)) throw error;
      await beforeRetry();
    }
  }
}

function childHolding(argument: string): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name before it may hold spaces, hence the last ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && args.includes(argument)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  throw new Error(`no child process of ours runs with ${argument}`);
}
