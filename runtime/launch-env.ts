import type { Logger } from 'pino';
import { flagName, givenFlags, SEMI_SPACE } from './heap-flags';

/**
 * Settings that take effect only when given to a process at its start, so its launcher gives them: the Docker image
 * (Dockerfile ENV), `npm start` (scripts/launch-env.sh) and the benchmark, which runs the service as those do. The
 * service's processes started without them say so in their log. A value already set wins; an empty one counts as
 * unset, as glibc reads it.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each busy thread a malloc arena of its own, and the Temporal SDK's runtime runs
 *   over a dozen threads; memory freed in one arena serves no other.
 * - `MALLOC_MMAP_THRESHOLD_=131072`: blocks of 128 KiB or more get pages of their own, handed back when freed. Left
 *   to itself glibc raises this threshold to the largest block freed so far (up to 32 MiB), after which such blocks
 *   come from the arenas and their space is seldom returned.
 * - `--max-semi-space-size=4` in NODE_OPTIONS: 4 MiB semi-spaces for every heap's young generation, the main thread's
 *   included, which only node's command line can size (without it, runtime/heap-flags.ts sizes the workflow thread's).
 */
export const LAUNCH_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  NODE_OPTIONS: SEMI_SPACE,
} as const;

const MALLOC_SETTINGS = ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'] as const;

/** The launch settings a process started without; the malloc ones only on Linux, where glibc reads them. */
export function missingLaunchSettings(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[], platform: string): string[] {
  const missing = platform === 'linux' ? MALLOC_SETTINGS.filter((name) => !env[name]).map((name) => `${name}=${LAUNCH_ENV[name]}`) : [];
  if (!givenFlags(execArgv, env.NODE_OPTIONS ?? '').has(flagName(SEMI_SPACE))) missing.push(`NODE_OPTIONS=${SEMI_SPACE}`);
  return missing;
}

/** Logged by the service's entry points at start, so a process run by hand says what it lacks. */
export function logMissingLaunchSettings(logger: Logger): void {
  const missing = missingLaunchSettings(process.env, process.execArgv, process.platform);
  if (missing.length === 0) return;
  logger.info(
    { missing },
    `started without ${missing.join(' ')}, which the Docker image and npm start set: a worker's peak RSS under load was about a third higher without them (README, "Worker tuning")`,
  );
}
