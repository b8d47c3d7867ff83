import type { Client } from '@temporalio/client';
import { deliveryQuery, type DeliveryFilter } from './queries';

const DROP_REASONS = ['unmapped_event', 'consent', 'unidentified', 'user_id_policy'] as const;
const FAILURE_CLASSES = ['bad_request', 'payload_too_large', 'retries_exhausted', 'auth', 'configuration'] as const;

export interface DeliveryStats {
  query: string;
  received: number;
  delivered: number;
  dropped: Record<string, number>;
  held: number;
  parked: number;
  failed: Record<string, number>;
  inProgress: number;
}

/** Counts by outcome and reason, each a visibility count over the same base filter. */
export async function deliveryStats(client: Client, filter: Omit<DeliveryFilter, 'outcome' | 'failureClass' | 'dropReason'>): Promise<DeliveryStats> {
  const count = async (extra: DeliveryFilter = {}) => (await client.workflow.count(deliveryQuery({ ...filter, ...extra }))).count;
  const [received, delivered, held, parked, inProgress, dropped, failed] = await Promise.all([
    count(),
    count({ outcome: 'delivered' }),
    count({ outcome: 'held' }),
    count({ outcome: 'parked' }),
    count({ outcome: 'delivering' }),
    Promise.all(DROP_REASONS.map(async (reason) => [reason, await count({ outcome: 'dropped', dropReason: reason })] as const)),
    Promise.all(FAILURE_CLASSES.map(async (failureClass) => [failureClass, await count({ outcome: 'failed', failureClass })] as const)),
  ]);
  return {
    query: deliveryQuery(filter),
    received,
    delivered,
    dropped: Object.fromEntries(dropped),
    held,
    parked,
    failed: Object.fromEntries(failed),
    inProgress,
  };
}
