/** Queue of injected faults (failNext), consumed by External API requests in arrival order. */
import { z } from 'zod';
import type { Fault, Region } from './types';

export const faultSchema = z.object({
  status: z.number().int().min(100).max(599),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  body: z.unknown().optional(),
  delayMs: z.number().nonnegative().optional(),
  reset: z.boolean().optional(),
});

export const failNextSchema = z.object({
  count: z.number().int().nonnegative(),
  fault: faultSchema,
  region: z.enum(['eu', 'us']).optional(),
});

/** True when the fault replaces the answer; false when it only delays a normal answer. */
export function isAnsweringFault(fault: Fault): boolean {
  return fault.status >= 400 || fault.body !== undefined || fault.reset === true;
}

interface QueuedFault {
  remaining: number;
  fault: Fault;
  region?: Region;
}

export class FaultQueue {
  private queue: QueuedFault[] = [];

  push(count: number, fault: Fault, region?: Region): void {
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success) throw new Error(`invalid simulator fault: ${z.prettifyError(parsed.error)}`);
    if (!Number.isInteger(count) || count < 0) throw new Error('failNext: count must be a non-negative integer');
    if (count === 0) return;
    this.queue.push({ remaining: count, fault: { ...fault }, region });
  }

  /** The fault for the next request of `region`, if any is pending (first queued first). */
  take(region: Region): Fault | undefined {
    const index = this.queue.findIndex((q) => q.region === undefined || q.region === region);
    if (index < 0) return undefined;
    const entry = this.queue[index];
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queue.splice(index, 1);
    return entry.fault;
  }

  clear(): void {
    this.queue = [];
  }
}
