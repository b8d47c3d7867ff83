import { ServiceError } from '@temporalio/client';
import { ValueError } from '@temporalio/common';

/** Temporal did not durably accept every delivery: the caller must retry the request. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal did not accept the deliveries: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'TemporalUnavailableError';
  }
}

const INVALID_ARGUMENT = 3;

/**
 * A start Temporal refuses for the event itself (an id or value it will not take, or a payload that cannot be
 * converted) fails the same way on every retry: the event is rejected, by name. Anything else means Temporal could
 * not be reached or did not answer in time, and the request is worth retrying.
 */
export function eventRefusal(error: unknown): string | null {
  if (error instanceof ValueError) return `Temporal cannot store this event: ${error.message}`;
  if (error instanceof ServiceError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    if (code === INVALID_ARGUMENT) return `Temporal refused this event: ${(error.cause as Error).message ?? error.message}`;
  }
  return null;
}
