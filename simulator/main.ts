/**
 * Standalone simulator: `npx tsx simulator/main.ts`.
 * Env: SIMULATOR_EU_PORT (4010), SIMULATOR_US_PORT (4011), SIMULATOR_EU_TOKENS / SIMULATOR_US_TOKENS
 * (comma-separated, defaults sandbox-eu-token / sandbox-us-token), SIMULATOR_HOST (127.0.0.1),
 * SIMULATOR_ERROR_STYLE (http | envelope), LOG_LEVEL (info; debug logs every request).
 */
import pino from 'pino';
import { z } from 'zod';
import { startSimulator } from './index';
import type { Region, SimulatorProject } from './types';
import { ConfigError } from '../errors';
import { describeIssues } from '../errors/issues';
import { runProcess, type RunningProcess } from '../runtime/run-process';

/** Unset or empty env values take the default. */
const blankAsUnset = (value: unknown): unknown => (value === '' ? undefined : value);

const port = (fallback: number) => z.preprocess(blankAsUnset, z.coerce.number().int().min(0).max(65535).default(fallback));

const tokenList = (fallback: string) =>
  z
    .preprocess(blankAsUnset, z.string().default(fallback))
    .transform((raw) =>
      raw
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    )
    .pipe(z.array(z.string()).min(1, { error: 'must list at least one token' }));

export const envSchema = z
  .object({
    SIMULATOR_HOST: z.preprocess(blankAsUnset, z.string().min(1).default('127.0.0.1')),
    SIMULATOR_EU_PORT: port(4010),
    SIMULATOR_US_PORT: port(4011),
    SIMULATOR_EU_TOKENS: tokenList('sandbox-eu-token'),
    SIMULATOR_US_TOKENS: tokenList('sandbox-us-token'),
    SIMULATOR_ERROR_STYLE: z.enum(['http', 'envelope']).default('http'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((env) => !env.SIMULATOR_EU_TOKENS.some((t) => env.SIMULATOR_US_TOKENS.includes(t)), {
    error: 'a token cannot belong to both regions',
  });

export function projectsFor(region: Region, tokens: string[]): SimulatorProject[] {
  return tokens.map((token, i) => ({ name: `sandbox-${region}-${i + 1}`, token }));
}

async function main(): Promise<RunningProcess> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const env = parsed.data;
  const logger = pino({ name: 'xtremepush-simulator', level: env.LOG_LEVEL });
  const simulator = await startSimulator({
    host: env.SIMULATOR_HOST,
    eu: { port: env.SIMULATOR_EU_PORT, projects: projectsFor('eu', env.SIMULATOR_EU_TOKENS) },
    us: { port: env.SIMULATOR_US_PORT, projects: projectsFor('us', env.SIMULATOR_US_TOKENS) },
    errorStyle: env.SIMULATOR_ERROR_STYLE,
    logger,
  });
  logger.info(
    {
      urls: simulator.urls,
      projects: { eu: env.SIMULATOR_EU_TOKENS.length, us: env.SIMULATOR_US_TOKENS.length },
      errorStyle: env.SIMULATOR_ERROR_STYLE,
    },
    'xtremepush simulator listening',
  );
  return { logger, stop: () => simulator.close() };
}

if (require.main === module) runProcess(main);
