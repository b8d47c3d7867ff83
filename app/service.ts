import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { Runtime, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Logger } from 'pino';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import { registerHealthRoutes } from '../api/health';
import { buildIngestApi } from '../api/ingest';
import { CODEC_PATH, codecServer, codecServerOptionsOf } from '../codec/codec-server';
import { dataConverterFor } from '../codec/data-converter';
import { createWebhookClient, type DeliveryClient } from '../client';
import { deliveryClientOf } from '../client/delivery-client';
import type { LoadedConfig } from '../config/load';
import { openIdentityStore } from '../identity';
import type { IdentityStore } from '../identity/store';
import { connectClient, connectWorkerConnection } from '../temporal/connection';
import { setUpTracing } from '../temporal/tracing';
import { prebuiltBundle } from '../worker/bundles';
import { createDeliveryWorker } from '../worker/create-worker';
import { DeliveryChannel } from '../xtremepush/channel';
import { createXtremepushClient, type XtremepushClient } from '../xtremepush/client';
import { regionOfHost } from '../xtremepush/regions';
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
  const plugins = tracing ? [tracing.plugin] : [];
  const closers: Array<() => Promise<void>> = [async () => tracing?.shutdown()];
  const close = async () => {
    for (const closer of closers) await closer();
  };
  try {
    // The API stores identify/alias/group calls before it answers, so it needs the store the workers read: the
    // embedded one belongs to this process alone, so a separate API process needs DATABASE_URL for it.
    const identityStore =
      options.run.worker || config.database.url
        ? await openIdentityStore(
            config.database.url
              ? { kind: 'postgres', connectionString: config.database.url, schema: config.database.schema }
              : { kind: 'embedded', dataDir: path.join(config.dataDir, 'identity') },
          )
        : null;
    if (identityStore) closers.push(() => identityStore.close());
    else logger.warn('no DATABASE_URL: this API process cannot store identifies before answering, so a track right after its identify may miss its traits');

    const workerConnection = options.run.worker ? await connectWorkerConnection(config.temporal, temporalAddress) : null;
    // Sharing the worker's connection lets each delivery's first workflow task go straight to this process (eager start).
    const { client, close: closeClient } = await connectClient(config.temporal, temporalAddress, plugins, workerConnection ?? undefined);
    closers.push(closeClient);
    const deliveries = deliveryClientOf(config, client, {
      meter: Runtime.instance().metricMeter,
      identityStore: identityStore ?? undefined,
      eagerStart: workerConnection !== null,
      logger: logger.child({ component: 'ingest' }),
    });

    let worker: Worker | null = null;
    let workerRun: Promise<void> | null = null;
    if (workerConnection && identityStore) {
      // The channels cap requests in flight per integration; one connection more serves the token checks.
      const xtremepush = createXtremepushClient({ timeoutMs: config.delivery.timeoutMs, connectionsPerOrigin: config.delivery.maxRequestsInFlight + 1 });
      const channels = createChannels(config, xtremepush, logger);
      // Before the first delivery: a token of the other region or a wrong one is found now, and nothing is sent with it.
      await Promise.all([...channels.values()].map((channel) => channel.verifyNow()));
      worker = await createDeliveryWorker({
        connection: workerConnection,
        namespace: config.temporal.namespace,
        taskQueue: config.temporal.taskQueue,
        workflowBundle: options.workflowBundle ?? prebuiltBundle(tracing !== null),
        dataConverter: dataConverterFor(config.temporal.payloadEncryptionKeys),
        plugins,
        tuning: config.worker,
        deps: {
          integrations: new Map(config.integrations.map((i) => [i.id, i])),
          channels,
          identityStore,
          messageLog: identityStore,
          temporal: client,
          taskQueue: config.temporal.taskQueue,
          circuitProbeIntervalMs: config.delivery.circuitProbeIntervalMs,
          privacyHashKey: config.privacy.hashKey,
          logger: logger.child({ component: 'activities' }),
        },
      });
      workerRun = worker.run();
      const running = worker;
      // Stopped first: in-flight deliveries finish (the grace time) before their channels, store and connection close.
      closers.unshift(async () => {
        running.shutdown();
        await workerRun;
        for (const channel of channels.values()) channel.close();
        await xtremepush.close();
      });
      closers.push(() => workerConnection.close());
    }
    const workerRunning = () => worker === null || worker.getState() === 'RUNNING';
    const temporalAnswers = () => client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({})).then(() => true);
    const ready = async () => workerRunning() && (await temporalAnswers());
    let apiUrl: string | null = null;
    if (options.run.api) {
      const api = buildIngestApi({
        ready,
        tracer: tracing?.tracer,
        deliveries,
        writeKeys: config.api.writeKeys,
        logger: logger.child({ component: 'ingest' }),
        webhooks: {
          connections: config.webhooks,
          webhooks: createWebhookClient({ client, taskQueue: config.temporal.taskQueue, privacyHashKey: config.privacy.hashKey }),
        },
      });
      const codecServerOptions = codecServerOptionsOf(config);
      if (codecServerOptions) await api.register(codecServer, { prefix: CODEC_PATH, ...codecServerOptions });
      else if (config.temporal.payloadEncryptionKeys)
        logger.warn('CODEC_SERVER_TOKEN is not set: the codec endpoint is off, so the Web UI shows payloads encrypted');
      // Stopped before anything else: no event is accepted that the worker might not take.
      closers.unshift(() => api.close());
      apiUrl = await api.listen({ host: config.api.host, port: config.api.port });
    } else if (worker) {
      // A worker-only process serves its health on the API port, which it does not otherwise use.
      const health = Fastify({
        loggerInstance: logger.child({ component: 'health' }) as FastifyBaseLogger,
        logController: new LogController({ disableRequestLogging: true }),
      });
      registerHealthRoutes(health, ready);
      closers.unshift(() => health.close());
      apiUrl = await health.listen({ host: config.api.host, port: config.api.port });
    }
    return { client, deliveries, apiUrl, worker, workerDone: workerRun ?? Promise.resolve(), identityStore, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** One channel per integration, shared by every attempt in this worker: batching, caps and the circuit live there. */
function createChannels(config: LoadedConfig, xtremepush: XtremepushClient, logger: Logger): Map<string, DeliveryChannel> {
  const { delivery } = config;
  const responses = Runtime.instance().metricMeter.createCounter(
    'sxp_xtremepush_responses',
    undefined,
    'Requests to Xtremepush by integration and HTTP status',
  );
  const batchSizes = Runtime.instance().metricMeter.createHistogram(
    'sxp_xtremepush_batch_size',
    'int',
    'events',
    'Events carried by one request to Xtremepush',
  );
  return new Map(
    config.integrations.map((integration) => {
      const region = regionOfHost(integration.apiBaseUrl, config.regionHosts) ?? integration.region;
      const channel = new DeliveryChannel(
        { id: integration.id, apiBaseUrl: integration.apiBaseUrl, appToken: integration.appToken, region },
        xtremepush,
        config.regionHosts,
        {
          maxBatchEvents: delivery.maxBatchEvents,
          batchWindowMs: delivery.batchWindowMs,
          batchMaxWaitMs: delivery.batchMaxWaitMs,
          batchBacklogWaitMs: delivery.batchBacklogWaitMs,
          // A first attempt waits for its request inside its workflow task: a third of the slots stay free for the others.
          backlogBatchEvents: Math.max(1, Math.floor((config.worker.maxConcurrentWorkflowTasks * 2) / 3)),
          maxInFlight: delivery.maxRequestsInFlight,
          maxRequestsPerSecond: delivery.maxRequestsPerSecond,
          timeoutMs: delivery.timeoutMs,
          trustMs: delivery.circuitProbeIntervalMs,
          openForMs: delivery.circuitProbeIntervalMs,
          retryAfter: RETRY_AFTER_BOUNDS,
        },
        {
          request: ({ status, events }) => {
            responses.add(1, { integration: integration.id, status: status === null ? 'none' : String(status) });
            batchSizes.record(events, { integration: integration.id });
          },
          refused: (message) => logger.error({ integration: integration.id }, `Xtremepush refuses this integration: ${message}`),
        },
      );
      return [integration.id, channel];
    }),
  );
}

/** A Retry-After of 0 must not remove all backoff, and one of a day must not stall deliveries for it. */
const RETRY_AFTER_BOUNDS = { floorMs: 1_000, ceilingMs: 15 * 60_000 };
