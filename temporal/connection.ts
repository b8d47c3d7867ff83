import { Client, Connection, type ClientPlugin } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import type { Config } from '../config/schema';

type TemporalConfig = Config['temporal'];

/** The address and the rest of what envconfig read (API key, TLS, metadata): plain, mTLS (self-hosted or Cloud) or API key. */
function connectionOptions(temporal: TemporalConfig, address: string) {
  return { ...temporal.connection, address };
}

/**
 * A client of the service's namespace, with its payload codec. Given a worker's NativeConnection it shares it (which
 * eager workflow start needs), and `close` leaves that connection to its worker.
 */
export async function connectClient(
  temporal: TemporalConfig,
  address: string,
  plugins: ClientPlugin[] = [],
  shared?: NativeConnection,
): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = shared ?? (await Connection.connect(connectionOptions(temporal, address)));
  const dataConverter = dataConverterFor(temporal.payloadEncryptionKeys);
  const client = new Client({ connection, namespace: temporal.namespace, dataConverter, plugins });
  return { client, close: shared ? async () => undefined : () => connection.close() };
}

export function connectWorkerConnection(temporal: TemporalConfig, address: string): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(temporal, address));
}
