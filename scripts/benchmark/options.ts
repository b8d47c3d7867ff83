import { z } from 'zod';

/**
 * Every knob of one benchmark run. The CLI (main.ts) and the smoke test both build these through `resolveOptions`,
 * so defaults and the `short` preset live in one place.
 */
export const benchmarkOptionsSchema = z.object({
  /** Small counts and a few seconds per phase: the whole run in well under a minute (smoke test). */
  short: z.boolean().default(false),
  /** `split`: the API and the worker as two processes (identity store in PostgreSQL) instead of one, as `npm start` runs. */
  split: z.boolean().default(false),
  /** Run the service processes with the launch settings of the Docker image and `npm start` (runtime/launch-env.ts). */
  launchEnv: z.boolean().default(true),
  /**
   * Settings given to the service processes on top of the benchmark's own (e.g. worker slots, NODE_OPTIONS); one of
   * the launch settings' names replaces it, as `docker run -e` replaces the image's.
   */
  serviceEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/, 'each must be NAME=VALUE, e.g. WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=100')).default([]),
  /** Events sent in the closed-loop (saturation) phase. */
  events: z.number().int().min(1).optional(),
  /** Events per ingest request: 1 posts `/v1/track`, more posts `/v1/batch`. */
  batch: z.number().int().min(1).max(500).default(20),
  /**
   * Events per request in the open loop. Absent: two open loops, one event per request (as browsers and mobile SDKs
   * send) and then the saturation phase's `batch` (as server libraries and Signal send).
   */
  openBatch: z.number().int().min(1).max(500).optional(),
  /** Concurrent connections of the closed loop. */
  connections: z.number().int().min(1).max(1000).default(50),
  /** Duration of the open-loop (half-saturation) phase, seconds. */
  openSeconds: z.number().min(1).optional(),
  /** Workflows per engine-ceiling variant, and how many of them are in flight at once. */
  engineWorkflows: z.number().int().min(1).optional(),
  engineInFlight: z.number().int().min(1).optional(),
  /** Wire ceiling: seconds of posting straight to the simulator, and concurrent requests. */
  wireSeconds: z.number().min(0.5).optional(),
  wireConcurrency: z.number().int().min(1).max(1000).default(64),
  /** Delivered deliverEvent histories read for the cost figures. */
  costSample: z.number().int().min(1).optional(),
  /** Seconds to wait, after the last request of a phase, for every accepted event to reach the simulator. */
  drainTimeoutSeconds: z.number().min(1).optional(),
  /** PostgreSQL for `split` (two processes cannot share the embedded identity store). */
  databaseUrl: z
    .string()
    .min(1)
    .default(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'),
});

export type BenchmarkOptionsInput = z.input<typeof benchmarkOptionsSchema>;

/** Options with every count decided. */
export interface BenchmarkOptions {
  short: boolean;
  split: boolean;
  launchEnv: boolean;
  serviceEnv: string[];
  events: number;
  batch: number;
  /** The open loops' events per request, in the order they run. */
  openBatches: number[];
  connections: number;
  openSeconds: number;
  engineWorkflows: number;
  engineInFlight: number;
  wireSeconds: number;
  wireConcurrency: number;
  costSample: number;
  drainTimeoutSeconds: number;
  databaseUrl: string;
}

const FULL = { events: 2000, openSeconds: 20, engineWorkflows: 1000, engineInFlight: 200, wireSeconds: 5, costSample: 100, drainTimeoutSeconds: 180 };
const SHORT = { events: 200, openSeconds: 5, engineWorkflows: 200, engineInFlight: 50, wireSeconds: 2, costSample: 20, drainTimeoutSeconds: 45 };

export function resolveOptions(input: BenchmarkOptionsInput = {}): BenchmarkOptions {
  const parsed = benchmarkOptionsSchema.parse(input);
  const preset = parsed.short ? SHORT : FULL;
  return {
    short: parsed.short,
    split: parsed.split,
    launchEnv: parsed.launchEnv,
    serviceEnv: parsed.serviceEnv,
    events: parsed.events ?? preset.events,
    batch: parsed.batch,
    openBatches: parsed.openBatch ? [parsed.openBatch] : [...new Set([1, parsed.batch])],
    connections: parsed.connections,
    openSeconds: parsed.openSeconds ?? preset.openSeconds,
    engineWorkflows: parsed.engineWorkflows ?? preset.engineWorkflows,
    engineInFlight: parsed.engineInFlight ?? preset.engineInFlight,
    wireSeconds: parsed.wireSeconds ?? preset.wireSeconds,
    wireConcurrency: parsed.wireConcurrency,
    costSample: parsed.costSample ?? preset.costSample,
    drainTimeoutSeconds: parsed.drainTimeoutSeconds ?? preset.drainTimeoutSeconds,
    databaseUrl: parsed.databaseUrl,
  };
}
