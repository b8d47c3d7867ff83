import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '../errors';

const isStore = (dir: string) => existsSync(join(dir, 'PG_VERSION'));

/**
 * Creates a new embedded data directory in a short-lived child process. Creating one (Postgres's initdb) leaves about
 * 500 MB resident in the process that did it, which PGlite never hands back. The child builds it beside `dir` and it is
 * renamed into place only once complete, so a start interrupted half-way leaves no half-made store behind.
 */
export async function createDataDirIfMissing(dir: string): Promise<void> {
  if (isStore(dir)) return;
  if ((await readdir(dir)).length > 0) {
    throw new ConfigError([`${dir}: holds files but no identity store (no PG_VERSION); give the store an empty or new directory`]);
  }
  const staging = `${dir}.creating`;
  await rm(staging, { recursive: true, force: true });
  try {
    await createIn(staging);
    // Another process starting at the same time may have put its own in place first.
    if (!isStore(dir)) await rename(staging, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' || code === 'EXDEV') {
      throw new ConfigError([
        `${dir}: a new identity store cannot be moved into place (${code}); mount the volume on its parent directory, not on ${dir} itself`,
      ]);
    }
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function createIn(staging: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    // A debugger port is the parent's; the child would wait on it or fail to take it.
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--inspect'));
    const child = fork(__filename, [staging], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`creating the identity store in ${staging} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

if (require.main === module) {
  // The parent gone (killed during its start), the half-made directory is of no use to anyone.
  process.once('disconnect', () => process.exit(1));
  PGlite.create(process.argv[2])
    .then((db) => db.close())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
