import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../ports';
import { endWithThisProcess } from './orphans';

/**
 * A PostgreSQL cluster of our own, in a temp dir on a free port, for the scenario that restarts it: the machine's
 * server on 5432 is shared with other tests and must never be restarted. initdb refuses to run as root, so as root
 * both initdb and pg_ctl run as the `postgres` OS user, in a dir that user owns.
 */
export interface PrivatePostgres {
  url: string;
  /** Stops it with `-m immediate` (every connection cut at once, as a crash would) and starts it again after `downMs`. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The newest PostgreSQL installed the Debian way, or null. */
function binDir(): string | null {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? path.join(root, newest, 'bin') : null;
}

/** Starts the cluster, or says in one sentence why it cannot (the scenario is then skipped). */
export async function startPrivatePostgres(dir: string): Promise<PrivatePostgres | string> {
  const bin = binDir();
  if (!bin) return 'no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql';
  const asRoot = process.getuid?.() === 0;
  const tool = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]) : run(path.join(bin, name), args);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const pgCtl = (...args: string[]) => tool('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', ...args]);
  // pg_ctl leaves the server running on its own; should this process end first, SIGQUIT shuts it down at once.
  const guard = () => endWithThisProcess(Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT');
  let forget: () => void;
  try {
    if (asRoot) await run('chown', ['postgres', dir]);
    await tool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await pgCtl('-o', options, 'start');
    forget = guard();
  } catch (error) {
    return `a private PostgreSQL cluster could not be started (${(error as Error).message.split('\n')[0]})`;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart(downMs) {
      forget();
      await pgCtl('-m', 'immediate', 'stop');
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await pgCtl('-o', options, 'start');
      forget = guard();
    },
    async stop() {
      forget();
      await pgCtl('-m', 'fast', 'stop').catch(() => undefined);
    },
  };
}
