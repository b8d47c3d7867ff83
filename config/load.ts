import path from 'node:path';
import type { z } from 'zod';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { configSchema, sandboxSchema, type Config } from './schema';
import { REGION_HOSTS } from '../xtremepush/regions';
import { readIntegrationsFile } from './integrations-file';
import { SANDBOX } from './sandbox';
import { ConfigError } from '../errors';
import { describeIssues } from '../errors/issues';

export { SANDBOX };

type Env = Record<string, string | undefined>;

/** Every environment variable the service reads, with the config path it sets (used to name the setting at fault). */
export const ENV_SETTINGS = {
  XTREMEPUSH_APP_TOKEN: 'integrations.0.appToken',
  XTREMEPUSH_API_BASE_URL: 'integrations.0.apiBaseUrl',
  XTREMEPUSH_INTEGRATION_ID: 'integrations.0.id',
  XTREMEPUSH_CONSENT_CATEGORIES: 'integrations.0.consentCategories',
  XTREMEPUSH_CONSENT_WHEN_MISSING: 'integrations.0.consentWhenMissing',
  XTREMEPUSH_CONSENT_PREFERENCES: 'integrations.0.consentPreferences',
  XTREMEPUSH_USER_ID_PATTERN: 'integrations.0.userIdPattern',
  XTREMEPUSH_MAPPINGS_FILE: 'integrations.0.mappings',
  XTREMEPUSH_CONFIG_FILE: 'integrations',
  INGEST_WRITE_KEYS: 'api.writeKeys',
  XTREMEPUSH_WEBHOOKS: 'webhooks',
  API_HOST: 'api.host',
  API_PORT: 'api.port',
  METRICS_HOST: 'metrics.host',
  METRICS_PORT: 'metrics.port',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'tracing.endpoint',
  OTEL_SERVICE_NAME: 'tracing.serviceName',
  // Read by @temporalio/envconfig, as every Temporal SDK and the temporal CLI read them (with the profile file).
  TEMPORAL_ADDRESS: 'temporal.address',
  TEMPORAL_NAMESPACE: 'temporal.namespace',
  TEMPORAL_API_KEY: 'temporal.connection',
  TEMPORAL_TLS: 'temporal.connection',
  TEMPORAL_TLS_CLIENT_CERT_PATH: 'temporal.connection',
  TEMPORAL_TLS_CLIENT_KEY_PATH: 'temporal.connection',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: 'temporal.connection',
  TEMPORAL_TLS_SERVER_NAME: 'temporal.connection',
  TEMPORAL_PROFILE: 'temporal.connection',
  TEMPORAL_CONFIG_FILE: 'temporal.connection',
  TEMPORAL_TASK_QUEUE: 'temporal.taskQueue',
  TEMPORAL_CLI_PATH: 'temporal.dev.cliPath',
  TEMPORAL_DEV_PORT: 'temporal.dev.port',
  TEMPORAL_UI_PORT: 'temporal.dev.uiPort',
  PAYLOAD_ENCRYPTION_KEYS: 'temporal.payloadEncryptionKeys',
  CODEC_SERVER_TOKEN: 'codecServer.token',
  CODEC_CORS_ORIGIN: 'codecServer.corsOrigins',
  DELIVERY_TIMEOUT: 'delivery.timeoutMs',
  DELIVERY_RETRY_INITIAL_INTERVAL: 'delivery.retryInitialIntervalMs',
  DELIVERY_RETRY_MAX_INTERVAL: 'delivery.retryMaxIntervalMs',
  DELIVERY_RETRY_HORIZON: 'delivery.retryHorizonMs',
  ANONYMOUS_HOLD_WINDOW: 'delivery.anonymousHoldWindowMs',
  CIRCUIT_PROBE_INTERVAL: 'delivery.circuitProbeIntervalMs',
  XTREMEPUSH_BATCH_WINDOW: 'delivery.batchWindowMs',
  XTREMEPUSH_BATCH_MAX_WAIT: 'delivery.batchMaxWaitMs',
  XTREMEPUSH_BATCH_BACKLOG_WAIT: 'delivery.batchBacklogWaitMs',
  XTREMEPUSH_MAX_BATCH_EVENTS: 'delivery.maxBatchEvents',
  XTREMEPUSH_MAX_REQUESTS_IN_FLIGHT: 'delivery.maxRequestsInFlight',
  XTREMEPUSH_MAX_REQUESTS_PER_SECOND: 'delivery.maxRequestsPerSecond',
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'worker.maxConcurrentWorkflowTasks',
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: 'worker.maxConcurrentLocalActivities',
  WORKER_MAX_CONCURRENT_ACTIVITIES: 'worker.maxConcurrentActivities',
  WORKER_MAX_CACHED_WORKFLOWS: 'worker.maxCachedWorkflows',
  WORKER_MAX_WORKFLOW_TASK_POLLS: 'worker.maxWorkflowTaskPolls',
  XTREMEPUSH_EU_HOST: 'regionHosts.eu',
  XTREMEPUSH_US_HOST: 'regionHosts.us',
  PRIVACY_HASH_KEY: 'privacy.hashKey',
  DATABASE_URL: 'database.url',
  DATABASE_SCHEMA: 'database.schema',
  DATA_DIR: 'dataDir',
  LOG_LEVEL: 'logLevel',
  LOG_FORMAT: 'logFormat',
  SIMULATOR_EU_PORT: 'simulator.euPort',
  SIMULATOR_US_PORT: 'simulator.usPort',
} as const;

export interface LoadedConfig extends Config {
  /** Set in sandbox mode: the ports the built-in simulator must listen on. */
  simulator?: { euPort: number; usPort: number };
  warnings: string[];
}

/** Reads and validates the configuration from environment variables, naming the variable at fault on error. */
export function loadConfig(rawEnv: Env = process.env, cwd = process.cwd(), options: { forClient?: boolean } = {}): LoadedConfig {
  // An empty variable means unset (`API_PORT=` must not mean port 0).
  const env: Env = Object.fromEntries(Object.entries(rawEnv).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const configFile = env.XTREMEPUSH_CONFIG_FILE ? path.resolve(cwd, env.XTREMEPUSH_CONFIG_FILE) : undefined;
  const sandbox = !env.XTREMEPUSH_APP_TOKEN && !configFile;
  const simulatorPorts = sandboxSchema.safeParse({ euPort: env.SIMULATOR_EU_PORT, usPort: env.SIMULATOR_US_PORT });
  if (!simulatorPorts.success) throw new ConfigError(problemsOf(simulatorPorts.error, 'simulator'));
  const simulator = sandbox ? simulatorPorts.data : undefined;
  const raw = {
    sandbox,
    dataDir: path.resolve(cwd, env.DATA_DIR ?? '.data'),
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    api: {
      host: env.API_HOST,
      port: env.API_PORT,
      // Write keys guard the ingest API; a program that starts deliveries through the client library has none.
      writeKeys: env.INGEST_WRITE_KEYS ?? (sandbox || options.forClient ? SANDBOX.writeKey : ''),
    },
    metrics: { host: env.METRICS_HOST, port: env.METRICS_PORT },
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    // Parsed by its schema, whose errors never quote the credentials in it.
    webhooks: env.XTREMEPUSH_WEBHOOKS,
    integrations: configFile ? integrationsFromFile(configFile, env) : [integrationFromEnv(env, cwd, simulator)],
    regionHosts: {
      eu: env.XTREMEPUSH_EU_HOST ?? (simulator ? `http://127.0.0.1:${simulator.euPort}` : REGION_HOSTS.eu),
      us: env.XTREMEPUSH_US_HOST ?? (simulator ? `http://127.0.0.1:${simulator.usPort}` : REGION_HOSTS.us),
    },
    temporal: {
      ...temporalConnection(env),
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      payloadEncryptionKeys: env.PAYLOAD_ENCRYPTION_KEYS,
      dev: { cliPath: env.TEMPORAL_CLI_PATH, port: env.TEMPORAL_DEV_PORT, uiPort: env.TEMPORAL_UI_PORT },
    },
    delivery: {
      timeoutMs: env.DELIVERY_TIMEOUT,
      retryInitialIntervalMs: env.DELIVERY_RETRY_INITIAL_INTERVAL,
      retryMaxIntervalMs: env.DELIVERY_RETRY_MAX_INTERVAL,
      retryHorizonMs: env.DELIVERY_RETRY_HORIZON,
      anonymousHoldWindowMs: env.ANONYMOUS_HOLD_WINDOW,
      circuitProbeIntervalMs: env.CIRCUIT_PROBE_INTERVAL,
      batchWindowMs: env.XTREMEPUSH_BATCH_WINDOW,
      batchMaxWaitMs: env.XTREMEPUSH_BATCH_MAX_WAIT,
      batchBacklogWaitMs: env.XTREMEPUSH_BATCH_BACKLOG_WAIT,
      maxBatchEvents: env.XTREMEPUSH_MAX_BATCH_EVENTS,
      maxRequestsInFlight: env.XTREMEPUSH_MAX_REQUESTS_IN_FLIGHT,
      maxRequestsPerSecond: env.XTREMEPUSH_MAX_REQUESTS_PER_SECOND,
    },
    worker: {
      maxConcurrentWorkflowTasks: env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxConcurrentLocalActivities: env.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      maxConcurrentActivities: env.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      maxWorkflowTaskPolls: env.WORKER_MAX_WORKFLOW_TASK_POLLS,
    },
    codecServer: {
      token: env.CODEC_SERVER_TOKEN,
      // The dev server's Web UI, as reached by either loopback name.
      corsOrigins: env.CODEC_CORS_ORIGIN ?? ['127.0.0.1', 'localhost'].map((host) => `http://${host}:${env.TEMPORAL_UI_PORT ?? 8233}`).join(','),
    },
    database: { url: env.DATABASE_URL || undefined, schema: env.DATABASE_SCHEMA || undefined },
    privacy: { hashKey: env.PRIVACY_HASH_KEY },
  };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error, undefined, configFile));
  const warnings = parsed.data.integrations
    .filter((i) => i.region === 'local' && !sandbox)
    .map((i) => `integration ${i.id}: the API base URL ${i.apiBaseUrl} is a loopback URL, not an Xtremepush region host: events go to whatever listens there`);
  return { ...parsed.data, simulator, warnings };
}

/** The single integration the XTREMEPUSH_* variables describe (sandbox: the built-in simulator's EU project). */
function integrationFromEnv(env: Env, cwd: string, simulator: { euPort: number } | undefined) {
  return {
    id: env.XTREMEPUSH_INTEGRATION_ID ?? 'xtremepush',
    appToken: simulator ? SANDBOX.euToken : env.XTREMEPUSH_APP_TOKEN,
    apiBaseUrl: env.XTREMEPUSH_API_BASE_URL ?? (simulator ? `http://127.0.0.1:${simulator.euPort}` : REGION_HOSTS.eu),
    consentCategories: env.XTREMEPUSH_CONSENT_CATEGORIES?.split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    consentWhenMissing: env.XTREMEPUSH_CONSENT_WHEN_MISSING,
    consentPreferences: env.XTREMEPUSH_CONSENT_PREFERENCES ? parseJsonSetting('XTREMEPUSH_CONSENT_PREFERENCES', env.XTREMEPUSH_CONSENT_PREFERENCES) : undefined,
    userIdPattern: env.XTREMEPUSH_USER_ID_PATTERN,
    mappings: env.XTREMEPUSH_MAPPINGS_FILE ? path.resolve(cwd, env.XTREMEPUSH_MAPPINGS_FILE) : undefined,
  };
}

function integrationsFromFile(file: string, env: Env) {
  try {
    return readIntegrationsFile(file, env);
  } catch (error) {
    throw new ConfigError([`XTREMEPUSH_CONFIG_FILE (${file}): ${(error as Error).message}`]);
  }
}

function parseJsonSetting(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`${name}: is not valid JSON (${(error as Error).message})`]);
  }
}

/**
 * Address, namespace and connection options the way Temporal's own tools read them (`@temporalio/envconfig`): the
 * TEMPORAL_* variables over the profile (TEMPORAL_PROFILE, default `default`) of the profile file (TEMPORAL_CONFIG_FILE,
 * default ~/.config/temporalio/temporal.toml). No address anywhere: the embedded dev server.
 */
function temporalConnection(env: Env) {
  try {
    const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
    const { address, ...connection } = connectionOptions;
    return { address, namespace, connection };
  } catch (error) {
    throw new ConfigError([`Temporal connection settings (TEMPORAL_* variables or the Temporal profile file): ${(error as Error).message}`]);
  }
}

function problemsOf(error: z.ZodError, prefix?: string, configFile?: string): string[] {
  return describeIssues(error, {
    nameOf: (path) => {
      const issuePath = prefix ? [prefix, ...path] : path;
      // Integrations read from the config file are named by their place in that file, not by a variable.
      if (configFile && issuePath[0] === 'integrations') return `XTREMEPUSH_CONFIG_FILE (${configFile}): ${issuePath.map(String).join('.')}`;
      return settingName(issuePath);
    },
  });
}

function settingName(issuePath: readonly PropertyKey[]): string {
  const key = issuePath.map(String).join('.');
  const match = Object.entries(ENV_SETTINGS).find(([, p]) => key === p || key.startsWith(`${p}.`));
  return match ? match[0] : key;
}
