import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { circuitStateQuery, circuitWorkflowId, probeNowSignal, resumeDeliverySignal } from '../workflows/contracts';
import { deliveryQuery } from './queries';

/** What `resume` did for one integration. */
export interface ResumeReport {
  integrationId: string;
  /** Parked deliveries the circuit breaker holds (null: no breaker is open for this integration). */
  parked: number | null;
  /** Deliveries signalled directly (--force). */
  forced: number;
}

/**
 * Releases parked deliveries. Normally it asks the integration's circuit breaker to probe now: a successful probe
 * resumes every parked delivery. `force` resumes each parked delivery directly, without waiting for a probe.
 */
export async function resumeParked(client: Client, taskQueue: string, integrationId: string, options: { force?: boolean } = {}): Promise<ResumeReport> {
  const breaker = client.workflow.getHandle(circuitWorkflowId(taskQueue, integrationId));
  let parked: number | null = null;
  try {
    parked = (await breaker.query(circuitStateQuery)).parked;
    await breaker.signal(probeNowSignal);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError) && !/not found|completed/i.test((error as Error).message)) throw error;
  }
  let forced = 0;
  if (options.force) {
    const query = `${deliveryQuery({ taskQueue, integration: integrationId, outcome: 'parked' })} AND ExecutionStatus = 'Running'`;
    for await (const execution of client.workflow.list({ query })) {
      await client.workflow.getHandle(execution.workflowId).signal(resumeDeliverySignal);
      forced += 1;
    }
  }
  return { integrationId, parked, forced };
}
