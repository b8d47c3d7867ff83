import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PreviewStep } from '../mapping/preview';
import type { AcceptedEvent } from '../events/schema';

const { previewDeliveries } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 2 } });

/**
 * `cli preview` while the service runs: the embedded identity store belongs to the service's process, so the decision
 * is made there, reading what is stored and writing nothing.
 */
export async function previewDelivery(event: AcceptedEvent): Promise<PreviewStep[]> {
  return previewDeliveries(event);
}
