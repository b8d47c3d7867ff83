import { ActivityFailure, ApplicationFailure, setCurrentDetails, sleep } from '@temporalio/workflow';

/**
 * Runs a step that reads or writes the identity store. A value the store refuses fails the same way every time: it
 * ends the workflow through `fail('invalid_event', ...)`. The store being unreachable is retried with backoff, saying so
 * in the workflow's details, until `horizonMs`, then `fail('retries_exhausted', ...)`: no step retries for ever.
 */
export async function withStoreRetries<T>(
  what: string,
  horizonMs: number,
  step: () => Promise<T>,
  fail: (failureClass: 'invalid_event' | 'retries_exhausted', message: string) => Error,
): Promise<T> {
  const since = Date.now();
  for (let round = 0; ; round++) {
    try {
      return await step();
    } catch (error) {
      const cause = error instanceof ActivityFailure ? error.cause : error;
      const message = (cause as Error)?.message ?? String(cause);
      if (cause instanceof ApplicationFailure && cause.type === 'invalid_event') throw fail('invalid_event', message);
      const delay = Math.min(60_000, 1_000 * 2 ** Math.min(round, 6));
      if (Date.now() + delay - since > horizonMs) throw fail('retries_exhausted', `${what} failed until the retry horizon: ${message}`);
      setCurrentDetails(`${what} failed (${message}); retrying in ${Math.round(delay / 1000)} s.`);
      await sleep(delay);
    }
  }
}
