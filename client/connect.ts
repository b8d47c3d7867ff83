import { loadConfig } from '../config/load';
import { openIdentityStore } from '../identity/store';
import { connectClient } from '../temporal/connection';
import { createDeliveryClient, retryPolicyOf, type DeliveryClient } from './delivery-client';

export interface ConnectedDeliveryClient extends DeliveryClient {
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
  const deliveries = createDeliveryClient({
    client,
    taskQueue: config.temporal.taskQueue,
    integrations: config.integrations,
    retry: retryPolicyOf(config.delivery),
    holdWindowMs: config.delivery.anonymousHoldWindowMs,
    identityStore,
  });
  return {
    ...deliveries,
    async close() {
      await identityStore?.close();
      await closeClient();
    },
  };
}
