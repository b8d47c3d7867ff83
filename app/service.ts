import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { Runtime, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import path from 'node:path';
import { IntegrationGate } from '../activities/integration-gate';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { registerHealthRoutes } from '../api/health';
import { buildIngestApi } from '../api/ingest';
import { CODEC_PATH, codecServer, codecServerOptionsOf } from '../codec/codec-server';
import { dataConverterFor } from '../codec/data-converter';
import { createDeliveryClient, createWebhookClient, type DeliveryClient } from '../client';
import type { LoadedConfig } from '../config/load';
import { openIdentityStore, type IdentityStore } from '../identity/store';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { ensureSearchAttributes } from '../temporal/search-attributes';
import { setUpTracing } from '../temporal/tracing';
import { createDeliveryWorker } from '../worker/create-worker';
import { createXtremepushClient } from '../xtremepush/client';
import { installTemporalRuntime } from './logger';

export interface ServiceOptions {
  config: LoadedConfig;
  logger: Logger;
  /** Address of the Temporal frontend: the configured cluster or the embedded dev server. */
  temporalAddress: string;
  run: { api: boolean; worker: boolean };
  workflowBundle?: WorkflowBundleOption;
  /** Where spans go when tracing is wanted without an OTLP endpoint (tests). */
  spanProcessor?: SpanProcessor;
}

export interface RunningService {
  client: Client;
  deliveries: DeliveryClient;
  /** The ingest API, or a worker-only process's health endpoints. */
  apiUrl: string | null;
  worker: Worker | null;
  /** Settles when the worker stops; rejects if it fails, which should end the process. */
  workerDone: Promise<void>;
  identityStore: IdentityStore | null;
  close(): Promise<void>;
}

/** Wires configuration into the worker and/or the ingest API. Entry points and tests all start the service through here. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config, logger, temporalAddress } = options;
  installTemporalRuntime(logger, config.metrics.port === undefined ? undefined : `${config.metrics.host}:${config.metrics.port}`);
  const tracing = setUpTracing({ ...config.tracing, spanProcessor: options.spanProcessor });
  const { client, connection } = await connectClient(config.temporal, temporalAddress, tracing ? [tracing.plugin] : []);
  await ensureSearchAttributes(connection, config.temporal.namespace, logger);
  const deliveries = createDeliveryClient({
    client,
    taskQueue: config.temporal.taskQueue,
    integrations: config.integrations,
    retry: {
      initialIntervalMs: config.delivery.retryInitialIntervalMs,
      maximumIntervalMs: config.delivery.retryMaxIntervalMs,
      horizonMs: config.delivery.retryHorizonMs,
      attemptTimeoutMs: config.delivery.timeoutMs,
    },
    holdWindowMs: config.delivery.anonymousHoldWindowMs,
    meter: Runtime.instance().metricMeter,
  });
  const closers: Array<() => Promise<void>> = [() => connection.close(), async () => tracing?.shutdown()];

  let worker: Worker | null = null;
  let identityStore: IdentityStore | null = null;
  let workerRun: Promise<void> | null = null;
  if (options.run.worker) {
    identityStore = await openIdentityStore(
      config.database.url
        ? { kind: 'postgres', connectionString: config.database.url, schema: config.database.schema }
        : { kind: 'embedded', dataDir: path.join(config.dataDir, 'identity') },
    );
    const xtremepush = createXtremepushClient({ timeoutMs: config.delivery.timeoutMs });
    const workerConnection = await connectWorkerConnection(config.temporal, temporalAddress);
    worker = await createDeliveryWorker({
      connection: workerConnection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: options.workflowBundle,
      dataConverter: dataConverterFor(config.temporal.payloadEncryptionKeys),
      plugins: tracing ? [tracing.plugin] : [],
      deps: {
        integrations: new Map(config.integrations.map((i) => [i.id, i])),
        identityStore,
        xtremepush,
        temporal: client,
        taskQueue: config.temporal.taskQueue,
        gate: new IntegrationGate({ trustMs: config.delivery.circuitProbeIntervalMs, openForMs: config.delivery.circuitProbeIntervalMs }),
        circuitProbeIntervalMs: config.delivery.circuitProbeIntervalMs,
        logger: logger.child({ component: 'activities' }),
      },
    });
    workerRun = worker.run();
    const store = identityStore;
    const running = worker;
    closers.unshift(async () => {
      running.shutdown();
      await workerRun;
      await workerConnection.close();
      await xtremepush.close();
      await store.close();
    });
  }

  const workerRunning = () => worker === null || worker.getState() === 'RUNNING';
  const temporalAnswers = () =>
    connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.getSystemInfo({})).then(() => true);
  let apiUrl: string | null = null;
  if (options.run.api) {
    const api = buildIngestApi({
      ready: async () => workerRunning() && (await temporalAnswers()),
      tracer: tracing?.tracer,
      deliveries,
      writeKeys: config.api.writeKeys,
      logger: logger.child({ component: 'ingest' }),
      webhooks: { connections: config.webhooks, webhooks: createWebhookClient({ client, taskQueue: config.temporal.taskQueue }) },
    });
    const codecServerOptions = codecServerOptionsOf(config);
    if (codecServerOptions) await api.register(codecServer, { prefix: CODEC_PATH, ...codecServerOptions });
    else if (config.temporal.payloadEncryptionKeys) logger.warn('CODEC_SERVER_TOKEN is not set: the codec endpoint is off, so the Web UI shows payloads encrypted');
    apiUrl = await api.listen({ host: config.api.host, port: config.api.port });
    closers.unshift(() => api.close());
  } else if (worker) {
    // A worker-only process serves its health on the API port, which it does not otherwise use.
    const health = Fastify({ loggerInstance: logger.child({ component: 'health' }) as FastifyBaseLogger });
    registerHealthRoutes(health, async () => workerRunning());
    apiUrl = await health.listen({ host: config.api.host, port: config.api.port });
    closers.unshift(() => health.close());
  }

  return {
    client,
    deliveries,
    apiUrl,
    worker,
    workerDone: workerRun ?? Promise.resolve(),
    identityStore,
    async close() {
      for (const close of closers) await close();
    },
  };
}
