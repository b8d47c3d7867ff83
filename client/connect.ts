import { loadConfig } from '../config/load';
import { openIdentityStore } from '../identity';
import { connectClient } from '../temporal/connection';
import { deliveryClientOf, type DeliveryClient } from './delivery-client';
import {
  erasePerson,
  privacyStoreOfService,
  setSuppression,
  type ErasureProgress,
  type ErasureReport,
  type ErasureRequest,
  type PrivacyStore,
} from './privacy';

export interface ConnectedDeliveryClient extends DeliveryClient {
  /** Erase and suppress one person (needs PRIVACY_HASH_KEY, the service's): what `cli erase`, `suppress` and `privacy log` do. */
  privacy: {
    erase(request: ErasureRequest, onProgress?: (progress: ErasureProgress) => void): Promise<ErasureReport>;
    suppress(userId: string, ticket?: string): Promise<{ subject: string; changed: boolean }>;
    unsuppress(userId: string, ticket?: string): Promise<{ subject: string; changed: boolean }>;
    log: PrivacyStore['listPrivacyLog'];
  };
  /** Closes the connection to Temporal (and to the identity store). */
  close(): Promise<void>;
}

/**
 * Connects to the service's Temporal with the settings the service reads (the same environment variables, or `env`),
 * for a program that sends events without the HTTP API: `track`, `identify`, `page`, `screen`, `group`, `alias` and
 * `batch` start the deliveries and answer with their workflow ids; `result(workflowId)` waits for one to end.
 * With DATABASE_URL, identify, alias and group calls are stored before they are answered, as the API does.
 */
export async function connectDeliveryClient(options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<ConnectedDeliveryClient> {
  const config = loadConfig(options.env ?? process.env, options.cwd, { forClient: true });
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.dev.port}`;
  const { client, close: closeClient } = await connectClient(config.temporal, address);
  const identityStore = config.database.url
    ? await openIdentityStore({ kind: 'postgres', connectionString: config.database.url, schema: config.database.schema })
    : undefined;
  const deliveries = deliveryClientOf(config, client, { identityStore });
  // Without DATABASE_URL the store is the service's embedded one, reached through its worker.
  const store: PrivacyStore = identityStore ?? privacyStoreOfService(client, config.temporal.taskQueue);
  const hashKey = config.privacy.hashKey;
  return {
    ...deliveries,
    privacy: {
      erase: (request, onProgress) => erasePerson({ client, store, hashKey }, request, onProgress),
      suppress: (userId, ticket) => setSuppression({ store, hashKey }, { userId, ticket }),
      unsuppress: (userId, ticket) => setSuppression({ store, hashKey }, { userId, ticket, lift: true }),
      log: (limit) => store.listPrivacyLog(limit),
    },
    async close() {
      await identityStore?.close();
      await closeClient();
    },
  };
}
