import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { LoadedConfig } from '../config/load';
import { openIdentityStore } from '../identity';
import type { IdentityStore } from '../identity/store';
import { tryConnect } from './context';

/** How an operator command reaches the identity store, and a sentence saying so. */
export type StoreAccess =
  | { via: 'store'; store: IdentityStore; temporal: Client | null; source: string }
  /** The running service owns the embedded store: ask its worker. */
  | { via: 'service'; temporal: Client; source: string }
  | { via: 'none'; temporal: null; source: string };

/**
 * The shared PostgreSQL store (DATABASE_URL); else the running service, whose process owns the embedded store; else,
 * the service stopped, the embedded store itself. `temporal`: connect to Temporal even when the store is reached
 * directly.
 */
export async function withStoreAccess<T>(config: LoadedConfig, options: { temporal: boolean }, run: (access: StoreAccess) => Promise<T>): Promise<T> {
  const connected = options.temporal || !config.database.url ? await tryConnect(config) : null;
  let store: IdentityStore | null = null;
  try {
    if (config.database.url) {
      store = await openIdentityStore({ kind: 'postgres', connectionString: config.database.url, schema: config.database.schema });
      return await run({ via: 'store', store, temporal: connected?.client ?? null, source: 'the identity store in PostgreSQL (DATABASE_URL)' });
    }
    if (connected) return await run({ via: 'service', temporal: connected.client, source: 'the identity store of the running service' });
    const dir = path.join(config.dataDir, 'identity');
    if (!fs.existsSync(dir))
      return await run({ via: 'none', temporal: null, source: `no identity store: nothing is stored yet (no ${dir}) and the service is not running` });
    // The service is stopped (its Temporal does not answer), so nothing else has the embedded store open.
    store = await openIdentityStore({ kind: 'embedded', dataDir: dir });
    return await run({ via: 'store', store, temporal: null, source: `the identity store in ${dir} (the service is not running)` });
  } finally {
    await store?.close();
    await connected?.close();
  }
}
