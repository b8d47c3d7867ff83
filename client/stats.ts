import type { Client } from '@temporalio/client';
import { DROP_REASONS, FINAL_FAILURES } from '../workflows/vocabulary';
import { deliveryQuery, ENDED_STATUSES, type DeliveryFilter } from './queries';

export interface DeliveryStats {
  query: string;
  received: number;
  delivered: number;
  stored: number;
  dropped: Record<string, number>;
  failed: Record<string, number>;
  /** Ended by Temporal or an operator rather than by the delivery itself (terminated, timed out, cancelled). */
  ended: number;
  held: number;
  parked: number;
  retrying: number;
  /** Running and not waiting for anything: being delivered right now. */
  inProgress: number;
}

/** Counts by outcome and reason, each a visibility count over the same base filter. */
export async function deliveryStats(client: Client, filter: Omit<DeliveryFilter, 'outcome' | 'failureClass' | 'dropReason'>): Promise<DeliveryStats> {
  const count = async (extra: DeliveryFilter = {}) => (await client.workflow.count(deliveryQuery({ ...filter, ...extra }))).count;
  const [received, delivered, stored, held, parked, retrying, inProgress, ended, dropped, failed] = await Promise.all([
    count(),
    count({ outcome: 'delivered' }),
    count({ outcome: 'stored' }),
    count({ outcome: 'held' }),
    count({ outcome: 'parked' }),
    count({ outcome: 'retrying' }),
    count({ status: 'Running', outcome: null }),
    count({ status: ENDED_STATUSES }),
    Promise.all(DROP_REASONS.map(async (reason) => [reason, await count({ outcome: 'dropped', dropReason: reason })] as const)),
    Promise.all(FINAL_FAILURES.map(async (failureClass) => [failureClass, await count({ outcome: 'failed', failureClass })] as const)),
  ]);
  return {
    query: deliveryQuery(filter),
    received,
    delivered,
    stored,
    dropped: Object.fromEntries(dropped),
    failed: Object.fromEntries(failed),
    ended,
    held,
    parked,
    retrying,
    inProgress,
  };
}
