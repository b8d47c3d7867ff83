/**
 * The tiny adapter both implementations provide, so that the store logic and
 * every SQL statement (./queries.ts, ./migrations) are written once.
 * PGlite and `pg` both speak Postgres SQL with $1 placeholders.
 */
export interface SqlRunner {
  /** One statement with $n parameters; resolves to the result rows. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** One or more statements without parameters (used by migrations). */
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlRunner {
  /** Runs `fn` in BEGIN/COMMIT on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Double-quotes a Postgres identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
