/**
 * Workflows for the engine ceiling: what the Temporal dev server and one worker manage with no work of ours, so the
 * delivery figures can be read against them. Bundled on their own (bundleWorkflowCode), never with the service's.
 */
import { proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { SA } from '../../workflows/contracts';

export interface EngineActivities {
  noop(): Promise<void>;
}

const local = proxyLocalActivities<EngineActivities>({ startToCloseTimeout: '10s' });
const remote = proxyActivities<EngineActivities>({ startToCloseTimeout: '10s' });

/** Start -> complete: one workflow task, the floor of any workflow. */
export async function emptyWorkflow(): Promise<void> {}

/** One local activity: a marker in the same workflow task, as deliverEvent's prepare-and-first-attempt step. */
export async function oneLocalActivityWorkflow(): Promise<void> {
  await local.noop();
}

/** One search-attribute upsert, as deliverEvent's ending. */
export async function upsertWorkflow(): Promise<void> {
  upsertDelivered();
}

/** One activity: a second workflow task and an activity task, as each of deliverEvent's remote steps. */
export async function oneActivityWorkflow(): Promise<void> {
  await remote.noop();
}

/**
 * deliverEvent's shape with none of its work: started with the same search attributes (see ceilings.ts), one local
 * activity in the first workflow task, one upsert, complete. What the engine itself charges for a delivery.
 */
export async function deliveryShapeWorkflow(): Promise<void> {
  await local.noop();
  upsertDelivered();
}

function upsertDelivered(): void {
  upsertSearchAttributes([
    { key: SA.outcome, value: 'delivered' },
    { key: SA.xtremepushEvent, value: 'purchase' },
    { key: SA.failureClass, value: null },
  ]);
}
