import { z } from 'zod';
import type { MessageLog } from './message-log';
import type { IdentityStore } from './store';

export type IdentityStoreConfig = { kind: 'embedded'; dataDir?: string } | { kind: 'postgres'; connectionString: string; schema?: string };

/** A schema name that means the same quoted or not (Postgres folds unquoted names to lower case); also safe inside the `options` connection parameter. */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

// strictObject: a misspelt key (e.g. `datadir`) must fail loudly instead of
// silently falling back to an in-memory database.
export const identityStoreConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('embedded'),
    dataDir: z.string().min(1, 'dataDir must not be empty (omit it for an in-memory store)').optional(),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    connectionString: z.string().min(1, 'connectionString is required'),
    schema: z
      .string()
      .regex(SCHEMA_NAME_PATTERN, 'schema must be a plain identifier: lower-case letters, digits and _, not starting with a digit, at most 63 chars')
      .optional(),
  }),
]);

export function parseIdentityStoreConfig(config: unknown): IdentityStoreConfig {
  const parsed = identityStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new Error(`Invalid identity store config:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Opens the store, runs pending migrations and returns it; the message log shares its connection and closes with it. */
export async function openIdentityStore(config: IdentityStoreConfig): Promise<IdentityStore & MessageLog> {
  const valid = parseIdentityStoreConfig(config);
  // Lazy imports: a postgres deployment never loads PGlite's WASM and vice versa.
  if (valid.kind === 'embedded') {
    const { openEmbeddedIdentityStore } = await import('./embedded-store');
    return openEmbeddedIdentityStore(valid.dataDir);
  }
  const { openPostgresIdentityStore } = await import('./postgres-store');
  return openPostgresIdentityStore(valid.connectionString, valid.schema);
}
