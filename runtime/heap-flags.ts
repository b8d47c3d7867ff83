import v8 from 'node:v8';

/**
 * Left to itself, V8 lets each heap grow up to several times its live data before collecting, towards a limit set from
 * the machine's memory (4 GB on 24 GB). At saturation that made a worker 520-540 MB resident while its two heaps held
 * under 100 MB of live data. Both settings are soft: they only make collection come sooner, never stop a heap that
 * needs more.
 * - The next full collection is due when a heap has grown about 20% past what the last one kept. V8 reads this at
 *   every collection, so it applies to heaps already running.
 * - 4 MB semi-spaces (the young generation). V8 reads this when it creates a heap, so it applies to the Temporal SDK's
 *   workflow thread, started after this. V8's own are 16 MB where a heap may reach 2 GB or more; on a host so small
 *   that the limit is under 1 GB, V8's own may be 4 MB or less, and this flag is left out.
 */
const GROWING = '--heap-growing-percent=20';
export const SEMI_SPACE = '--max-semi-space-size=4';
const SEMI_SPACE_FROM_HEAP_LIMIT_MB = 1024;

/** A node flag's name as node compares them: `--max_semi_space_size=4` is `--max-semi-space-size`. */
export const flagName = (arg: string) => arg.split('=')[0]!.replaceAll('_', '-');

/** The names of the flags node was given, on its command line or in NODE_OPTIONS. */
export function givenFlags(execArgv: readonly string[], nodeOptions: string): Set<string> {
  return new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(flagName));
}

/** The flags to set, leaving out any that node was given on its command line or in NODE_OPTIONS. */
export function softHeapFlags(execArgv: readonly string[], nodeOptions: string, heapLimitMb: number): string[] {
  const given = givenFlags(execArgv, nodeOptions);
  const flags = heapLimitMb >= SEMI_SPACE_FROM_HEAP_LIMIT_MB ? [GROWING, SEMI_SPACE] : [GROWING];
  return flags.filter((flag) => !given.has(flagName(flag)));
}

/** Called once at a process's start, before the Temporal worker starts its workflow thread. */
export function applySoftHeapFlags(): void {
  const heapLimitMb = v8.getHeapStatistics().heap_size_limit / 1048576;
  for (const flag of softHeapFlags(process.execArgv, process.env.NODE_OPTIONS ?? '', heapLimitMb)) v8.setFlagsFromString(flag);
}
