import { flagName } from './heap-flags';

/**
 * Settings that take effect only when given to a process at its start, so its launcher gives them: the Docker image
 * (Dockerfile ENV), `npm start` (scripts/launch-env.sh) and the benchmark, which runs the service as those do. A
 * process started without them says so in its log.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each busy thread a malloc arena of its own, and the Temporal SDK's runtime runs
 *   over a dozen threads; memory freed in one arena serves no other.
 * - `MALLOC_MMAP_THRESHOLD_=131072`: blocks of 128 KiB or more get pages of their own, handed back when freed. Left
 *   to itself glibc raises this threshold to the largest block freed so far (up to 32 MiB), after which such blocks
 *   come from the arenas and their space is seldom returned.
 * - `--max-semi-space-size=4` in NODE_OPTIONS: 4 MiB semi-spaces for the main thread's young generation, which only
 *   node's command line can size (runtime/heap-flags.ts sizes the workflow thread's).
 * A value already set wins.
 */
export const LAUNCH_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  NODE_OPTIONS: '--max-semi-space-size=4',
} as const;

const NODE_FLAG = flagName(LAUNCH_ENV.NODE_OPTIONS);

/** The launch settings this process started without; the malloc ones only on Linux, where glibc reads them. */
export function missingLaunchSettings(env: Readonly<Record<string, string | undefined>>, execArgv: readonly string[], platform: string): string[] {
  const missing: string[] = [];
  if (platform === 'linux') {
    for (const name of ['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'] as const) if (env[name] === undefined) missing.push(`${name}=${LAUNCH_ENV[name]}`);
  }
  if (!hasNodeFlag(env.NODE_OPTIONS ?? '') && !hasNodeFlag(execArgv.join(' '))) missing.push(`NODE_OPTIONS=${LAUNCH_ENV.NODE_OPTIONS}`);
  return missing;
}

function hasNodeFlag(args: string): boolean {
  return args.split(/\s+/).some((arg) => flagName(arg) === NODE_FLAG);
}
