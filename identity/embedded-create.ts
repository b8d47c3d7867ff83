import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * Creates a new embedded data directory in a short-lived child process. Creating one (Postgres's initdb) leaves about
 * 500 MB resident in the process that did it, which PGlite never hands back. The child builds it beside `dir` and it is
 * renamed into place only once complete, so a start interrupted half-way leaves no half-made store behind.
 */
export async function createDataDirIfMissing(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const staging = `${dir}.creating`;
  await rm(staging, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    const child = fork(__filename, [staging], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`creating the identity store in ${dir} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
  // rename(2) replaces an empty directory and refuses a non-empty one, which is never overwritten.
  await rename(staging, dir);
}

if (require.main === module) {
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
