import { migrations as defaultMigrations, type Migration } from './migrations';
import { quoteIdent, type SqlClient } from './sql-client';

/** First half of the two-key advisory lock; the second half is a hash of the schema. */
const MIGRATION_LOCK_CLASS = 0x1d_e7_17; // "identity"

function checkOrder(migrations: readonly Migration[]): void {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version <= migrations[i - 1].version) {
      throw new Error(`identity migrations must have strictly increasing versions (${migrations[i - 1].version} then ${migrations[i].version})`);
    }
  }
}

/**
 * Applies pending migrations in one transaction. `pg_advisory_xact_lock` serialises
 * concurrent callers (several workers starting at once): the second one waits, then
 * sees everything already applied. The lock is per schema, and taken before
 * CREATE SCHEMA / CREATE TABLE IF NOT EXISTS, which are themselves not race-free.
 * Returns the versions applied by this call.
 */
export async function runMigrations(client: SqlClient, options: { schema?: string; migrations?: readonly Migration[] } = {}): Promise<number[]> {
  const migrations = options.migrations ?? defaultMigrations;
  checkOrder(migrations);
  return client.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1::int4, hashtext(coalesce($2::text, current_setting('search_path'))))`, [
      MIGRATION_LOCK_CLASS,
      options.schema ?? null,
    ]);
    if (options.schema !== undefined) {
      await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
    }
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )
    `);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1::int4, $2::text)', [m.version, m.name]);
      done.push(m.version);
    }
    return done;
  });
}
