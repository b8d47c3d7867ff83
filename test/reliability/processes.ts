import type { ChildProcess } from 'node:child_process';
import { eventually, spawnEntry } from '../harness';
import { endWithThisProcess } from './orphans';

/** Progress lines (stderr in the long form; silent in the test). */
export type Log = (line: string) => void;

const ENTRIES = { api: 'api/main.ts', worker: 'worker/main.ts' } as const;
export type Role = keyof typeof ENTRIES;

/** One entry point run as users run it (`node --import tsx api/main.ts`), on a fixed port so a restart keeps its URL. */
export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  /** The fault: SIGKILL, expected, so it is not counted as a crash. */
  kill(): Promise<void>;
  /** The end of a run: SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** GET /ready answers 200 (Temporal answers and, for a worker, the worker runs). */
  isReady(): Promise<boolean>;
}

/** A port free a moment ago was taken before the process bound it (other tests run beside us). */
export class PortTakenError extends Error {}

/**
 * Every service process of one scenario. A process that exits without being told to (kill or stop) is a crash,
 * recorded with the end of its output.
 */
export class ProcessGroup {
  readonly crashes: string[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly running = new Set<ServiceProcess>();

  constructor(private readonly log: Log) {}

  async start(name: string, role: Role, env: Record<string, string>, port: number): Promise<ServiceProcess> {
    const { child, exited, output } = spawnEntry(ENTRIES[role], { ...env, API_PORT: String(port) }, this.children);
    void exited.then(endWithThisProcess(child.pid!));
    let expected = false;
    let ready = false;
    const tail = () => output().slice(-2000);
    const portTaken = () => !ready && output().includes('EADDRINUSE');
    void exited.then((code) => {
      if (!expected && !portTaken()) this.crashes.push(`${name} (pid ${child.pid}) exited by itself with code ${code}:\n${tail()}`);
    });
    const url = `http://127.0.0.1:${port}`;
    const isReady = async () => (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3_000) }).catch(() => null))?.status === 200;
    const end = async (signal: NodeJS.Signals) => {
      expected = true;
      this.running.delete(service);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      if (timer) clearTimeout(timer);
    };
    const service: ServiceProcess = { name, url, pid: child.pid!, kill: () => end('SIGKILL'), stop: () => end('SIGTERM'), isReady };
    this.running.add(service);
    await eventually(
      async () => {
        if (child.exitCode === null) return isReady();
        this.running.delete(service);
        throw portTaken() ? new PortTakenError(`${name}: port ${port} is taken`) : new Error(`${name} exited before it was ready:\n${tail()}`);
      },
      `${name} to be ready`,
      120_000,
    );
    ready = true;
    this.log(`${name} ready: ${ENTRIES[role]} pid ${child.pid} on ${url}`);
    return service;
  }

  /** Every process still running. */
  all(): ServiceProcess[] {
    return [...this.running];
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all().map((p) => p.stop()));
  }
}
