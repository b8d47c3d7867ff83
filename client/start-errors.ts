import { ServiceError } from '@temporalio/client';
import { ValueError } from '@temporalio/common';

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
