import fs from 'node:fs';
import { Client, Connection, type ClientPlugin } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import type { Config } from '../config/schema';

type TemporalConfig = Config['temporal'];

/** Connection options in Temporal's own conventions: plain, mTLS (self-hosted or Cloud) or API key (Cloud). */
function connectionOptions(temporal: TemporalConfig, address: string) {
  const tls = temporal.tls;
  const read = (file?: string) => (file ? fs.readFileSync(file) : undefined);
  const tlsOptions =
    tls || temporal.apiKey
      ? {
          serverNameOverride: tls?.serverName,
          serverRootCACertificate: read(tls?.serverCaCertPath),
          clientCertPair:
            tls?.clientCertPath && tls.clientKeyPath ? { crt: read(tls.clientCertPath)!, key: read(tls.clientKeyPath)! } : undefined,
        }
      : undefined;
  return { address, tls: tlsOptions, apiKey: temporal.apiKey };
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
