import v8 from 'node:v8';

/**
 * Left to itself, V8 lets each heap grow up to several times its live data before collecting, towards a limit set from
 * the machine's memory (4 GB on 24 GB). At saturation that made a worker 520-540 MB resident while its two heaps held
 * under 100 MB of live data. Both settings are soft: they only make collection come sooner, never stop a heap that
 * needs more.
 * - The next full collection is due when a heap has grown 20% past what the last one kept. V8 reads this at every
 *   collection, so it applies to heaps already running.
 * - 4 MB semi-spaces (the young generation; 16 MB here by default). V8 reads this when it creates a heap, so it applies
 *   to the Temporal SDK's workflow thread, started after this.
 */
const SOFT_HEAP_FLAGS = ['--heap-growing-percent=20', '--max-semi-space-size=4'];

const flagName = (arg: string) => arg.split('=')[0]!.replaceAll('_', '-');

/**
 * Called once at a process's start, before the Temporal worker starts its workflow thread. A flag given on node's
 * command line or in NODE_OPTIONS wins over ours.
 */
export function applySoftHeapFlags(): void {
  const given = new Set([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(flagName));
  for (const flag of SOFT_HEAP_FLAGS) if (!given.has(flagName(flag))) v8.setFlagsFromString(flag);
}
