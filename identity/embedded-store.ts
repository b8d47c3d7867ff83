import { mkdir, realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { createDataDirIfMissing } from './embedded-create';
import { runMigrations } from './migrate';
import type { SqlClient, SqlRunner } from './sql-client';
import { createSqlIdentityStore } from './sql-store';
import type { MessageLog } from './message-log';
import type { IdentityStore } from './store';

function runner(db: PGlite | Transaction): SqlRunner {
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await db.query<R>(sql, params)).rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
}

/**
 * Postgres's default 128 MB of shared buffers would all become resident in this process; the data files are also
 * cached by the operating system, so a small pool costs little.
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Embedded store: PGlite, in memory when `dataDir` is omitted, otherwise persisted
 * in that directory. One process at a time may open a given directory.
 */
export async function openEmbeddedIdentityStore(dataDir?: string): Promise<IdentityStore & MessageLog> {
  let db: PGlite;
  if (dataDir === undefined) {
    db = await PGlite.create({ startParams: START_PARAMS });
  } else {
    const given = resolve(dataDir);
    await mkdir(given, { recursive: true });
    // PGlite's file system does not follow a symbolic link to the directory.
    const dir = await realpath(given);
    await createDataDirIfMissing(dir);
    db = await PGlite.create(dir, { startParams: START_PARAMS });
  }
  const client: SqlClient = {
    ...runner(db),
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    close: () => db.close(),
  };
  try {
    await runMigrations(client);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return createSqlIdentityStore(client);
}
