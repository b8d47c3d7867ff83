/**
 * Processes to end if this one ends before it stops them (a test runner's timeout, Ctrl-C): a worker left behind
 * would poll a dead dev server for ever. SIGKILL of this process cannot be caught; everything else can.
 */
const live = new Map<number, NodeJS.Signals>();

function endAll(): void {
  for (const [pid, signal] of live) {
    try {
      process.kill(pid, signal);
    } catch {
      // it has ended already
    }
  }
  live.clear();
}

let installed = false;

/** Ends `pid` with `signal` if this process ends first; the returned function forgets it (it was stopped). */
export function endWithThisProcess(pid: number, signal: NodeJS.Signals = 'SIGKILL'): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', endAll);
    for (const caught of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(caught, () => {
        endAll();
        // Let the signal do what it would have done: end this process.
        process.kill(process.pid, caught);
      });
    }
  }
  live.set(pid, signal);
  return () => live.delete(pid);
}
