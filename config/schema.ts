import { z } from 'zod';
import { loadMappingsFile, resolveMappings } from '../mapping/mappings-file';
import { DEFAULT_PRESET, type Mappings } from '../mapping/preset';
import { webhookConnectionsSchema } from '../webhooks/config';
import { SANDBOX } from './sandbox';
import { encryptionKeysSchema } from '../codec/encryption-keys';
import { regionOfBaseUrl, type IntegrationRegion } from '../xtremepush/regions';
import { MappingsError } from '../errors';
import { SCHEMA_NAME_PATTERN } from '../identity';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration such as 500ms, 30s, 5m, 24h')
  .transform(parseDurationMs);

export function parseDurationMs(text: string): number {
  const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'ms'];
  return Number(amount) * factor;
}

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);

function isValidRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const port = z.coerce.number().int().min(0).max(65535);

/** One Xtremepush project we deliver to. The token stays in worker memory: it never enters a workflow. */
export const integrationSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
    appToken: z.string().min(1, 'is required'),
    apiBaseUrl: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
    consentCategories: z.array(z.string().min(1)).default(['marketing']),
    /** What to do when an event carries no consent information at all. */
    consentWhenMissing: z.enum(['deny', 'grant']).default('deny'),
    /** Consent category -> Xtremepush channel and group, sent as `consent_preferences`. */
    consentPreferences: z.record(z.string().min(1), z.strictObject({ channel: z.string().min(1), group: z.string().min(1) })).optional(),
    /** Orphan guard: a user_id that does not match is never sent (Xtremepush would create a new profile for it). */
    userIdPattern: z.string().min(1).refine(isValidRegExp, 'must be a valid regular expression, e.g. ^crm-\\d+$').optional(),
    /** A mappings file path (YAML or JSON, absolute) or an inline mappings document; absent: the Default preset. */
    mappings: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  })
  .transform((integration, ctx) => {
    let mappings: Mappings;
    try {
      mappings =
        typeof integration.mappings === 'string'
          ? loadMappingsFile(integration.mappings)
          : integration.mappings
            ? resolveMappings(integration.mappings, 'inline mappings')
            : DEFAULT_PRESET;
    } catch (error) {
      if (!(error instanceof MappingsError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['mappings'], message: error.message });
      return z.NEVER;
    }
    const region = regionOfBaseUrl(integration.apiBaseUrl);
    if (!region) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiBaseUrl'],
        message: `must be https://api.eu.xtremepush.com (EU) or https://api.us.xtremepush.com (US), or a loopback URL for the simulator; got ${integration.apiBaseUrl}`,
      });
      return z.NEVER;
    }
    return { ...integration, mappings, region: region as IntegrationRegion };
  });
export type Integration = z.output<typeof integrationSchema>;

/**
 * How to reach Temporal besides the address, as `@temporalio/envconfig` reads it from the standard TEMPORAL_*
 * variables and profile file: API key, TLS (certificates already read), gRPC metadata. Never logged.
 */
export interface TemporalConnectionSettings {
  apiKey?: string;
  tls?: boolean | { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  metadata?: Record<string, string>;
}

export const temporalSchema = z.object({
  /** Unset: an embedded dev server is started. */
  address: z.string().min(1).optional(),
  namespace: z.string().min(1).default('default'),
  taskQueue: z.string().min(1).default('xtremepush-delivery'),
  connection: z.custom<TemporalConnectionSettings>((value) => typeof value === 'object' && value !== null),
  /** AES-256-GCM keys for payloads in history (first encrypts, all decrypt); unset: payloads are stored as plain JSON. */
  payloadEncryptionKeys: encryptionKeysSchema.optional(),
  dev: z.object({
    cliPath: z.string().optional(),
    port: port.default(7233),
    uiPort: port.default(8233),
  }),
});

export const deliverySchema = z.object({
  timeoutMs: duration.default(10_000),
  retryInitialIntervalMs: duration.default(1_000),
  retryMaxIntervalMs: duration.default(300_000),
  retryHorizonMs: duration.default(86_400_000),
  /** How long an anonymous event waits for an identify of its anonymousId before it is dropped as unidentified. */
  anonymousHoldWindowMs: duration.default(1_800_000),
  /** How often a parked integration is probed to see whether its credentials or configuration work again. */
  circuitProbeIntervalMs: duration.default(30_000),
  /** A `hit/events` request leaves once no attempt has joined it for this long, or its first has waited batchMaxWaitMs. */
  batchWindowMs: duration.default(20),
  // Both waits fit in CHANNEL_WAIT_MS (5 s), an attempt's whole time for its turn, caps and a 429's pause included.
  batchMaxWaitMs: duration.refine((ms) => ms <= 2000, 'must be at most 2s').default(200),
  /** How long a request of first attempts all a second or more behind their ingest waits to fill; 0: never. */
  batchBacklogWaitMs: duration.refine((ms) => ms <= 3000, 'must be at most 3s').default(3000),
  maxBatchEvents: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Protects Xtremepush: requests in flight at once, and per second, per integration and worker. */
  maxRequestsInFlight: z.coerce.number().int().min(1).max(1000).default(8),
  maxRequestsPerSecond: z.coerce.number().int().min(1).max(10_000).default(50),
});
export type DeliverySettings = z.output<typeof deliverySchema>;

const slots = z.coerce.number().int().min(2).max(10_000);

/**
 * How much one worker process takes on. A first attempt waits for its batch inside its delivery's workflow task, so
 * workflow-task slots bound how many events can share one request to Xtremepush.
 */
export const workerSchema = z.object({
  maxConcurrentWorkflowTasks: slots.default(300),
  maxConcurrentLocalActivities: slots.default(400),
  maxConcurrentActivities: slots.default(100),
  /** Workflows kept in memory between tasks; most deliveries end in their first task and leave the cache. */
  maxCachedWorkflows: z.coerce.number().int().min(0).max(100_000).default(1000),
  /** Pollers of workflow tasks; most deliveries have one task only, on the non-sticky queue, so they poll that. */
  maxWorkflowTaskPolls: z.coerce.number().int().min(2).max(1000).default(20),
});
export type WorkerSettings = z.output<typeof workerSchema>;

/** The codec endpoint through which the Web UI and CLI decode encrypted payloads for authorised operators. */
export const codecServerSchema = z.object({
  token: z.string().min(16, 'must be at least 16 characters').optional(),
  corsOrigins: csv.pipe(
    z
      .array(z.url({ protocol: /^https?$/, error: 'must be origins such as http://127.0.0.1:8233' }).transform((u) => new URL(u).origin))
      .min(1, 'at least one origin is required'),
  ),
});

/** The hosts a token is tried against to tell its region; stand-ins (the simulator's) in sandbox mode and tests. */
export const regionHostsSchema = z.object({
  eu: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
  us: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')),
});

/** Ports of the simulator that stands in for Xtremepush in sandbox mode. */
export const sandboxSchema = z.object({ euPort: port.default(SANDBOX.euPort), usPort: port.default(SANDBOX.usPort) });

export const configSchema = z.object({
  /** True when no app token was given: deliveries go to the built-in simulator. */
  sandbox: z.boolean(),
  dataDir: z.string().min(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: one readable line each at a terminal, JSON lines otherwise. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  api: z.object({
    host: z.string().default('127.0.0.1'),
    port: port.default(8080),
    writeKeys: csv.pipe(z.array(z.string().min(8, 'write keys must be at least 8 characters')).min(1, 'at least one write key is required')),
  }),
  /** OpenTelemetry tracing from ingest to delivery, exported over OTLP/HTTP; off without an endpoint. */
  tracing: z.object({ endpoint: z.url().optional(), serviceName: z.string().min(1).default('signal-xtremepush') }),
  /** Prometheus /metrics of the Temporal runtime and ours; unset: no metrics endpoint. */
  metrics: z.object({ host: z.string().default('127.0.0.1'), port: port.optional() }),
  integrations: z.array(integrationSchema).min(1),
  regionHosts: regionHostsSchema,
  webhooks: webhookConnectionsSchema,
  temporal: temporalSchema,
  delivery: deliverySchema,
  worker: workerSchema,
  codecServer: codecServerSchema,
  /** The secret of the keyed hash that names a person in search attributes and the suppression list; unset: none. */
  privacy: z.object({ hashKey: z.string().min(16, 'must be at least 16 characters').optional() }),
  /** PostgreSQL for the identity store; unset: an embedded database in dataDir. */
  database: z.object({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string')
      .optional(),
    schema: z.string().regex(SCHEMA_NAME_PATTERN, 'must be a lower-case SQL identifier').optional(),
  }),
});
export type Config = z.output<typeof configSchema>;
