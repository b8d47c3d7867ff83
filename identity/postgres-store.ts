import { Pool, type PoolClient } from 'pg';
import { runMigrations } from './migrate';
import { quoteIdent, type SqlClient, type SqlRunner } from './sql-client';
import { createSqlIdentityStore } from './sql-store';
import type { MessageLog } from './message-log';
import type { IdentityStore } from './store';

function runner(db: Pool | PoolClient): SqlRunner {
  return {
    async query<R>(sql: string, params: unknown[] = []) {
      return (await db.query(sql, params)).rows as R[];
    },
    async exec(sql: string) {
      await db.query(sql); // no params: simple protocol, several statements allowed
    },
  };
}

/**
 * PostgreSQL store over a `pg` Pool. With `schema`, every pooled connection gets
 * `search_path=<schema>` (via the `options` startup parameter), so all tables live
 * in that schema; it is created by the first migration run if missing.
 * `schema` must already match SCHEMA_NAME_PATTERN.
 */
export async function openPostgresIdentityStore(connectionString: string, schema?: string): Promise<IdentityStore & MessageLog> {
  const pool = new Pool({
    connectionString,
    application_name: 'signal-xtremepush-identity',
    ...(schema !== undefined ? { options: `-c search_path=${quoteIdent(schema)}` } : {}),
  });
  // An idle pooled connection can fail (server restart, network): pg then emits
  // 'error' on the pool, which would crash the process if nobody listened. The
  // broken client is discarded and the next query opens a new one.
  pool.on('error', (err) => {
    process.emitWarning(`identity store: idle PostgreSQL connection failed: ${err.message}`);
  });

  const client: SqlClient = {
    ...runner(pool),
    async transaction(fn) {
      const conn = await pool.connect();
      let broken: Error | undefined;
      try {
        await conn.query('BEGIN');
        const result = await fn(runner(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch((rollbackErr: Error) => {
          broken = rollbackErr; // don't return a connection in an unknown state
        });
        throw err;
      } finally {
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  };

  try {
    await runMigrations(client, { schema });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return createSqlIdentityStore(client);
}
