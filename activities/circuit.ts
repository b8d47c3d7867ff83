import { circuitBreaker } from '../workflows/circuit-breaker';
import { SA } from '../workflows/search-attributes';
import { circuitWorkflowId, parkDeliverySignal } from '../workflows/signals';
import type { ActivityDeps } from './deps';

export function createCircuitActivities(deps: ActivityDeps) {
  return {
    /** Registers a parked delivery with its integration's circuit breaker, starting the breaker if none runs. */
    async parkDelivery(input: { integrationId: string; workflowId: string; failureClass: string; message: string }): Promise<void> {
      const { integrationId, ...parked } = input;
      await deps.temporal.workflow.signalWithStart(circuitBreaker, {
        taskQueue: deps.taskQueue,
        workflowId: circuitWorkflowId(integrationId),
        args: [{ integrationId, probeIntervalMs: deps.circuitProbeIntervalMs }],
        signal: parkDeliverySignal,
        signalArgs: [parked],
        typedSearchAttributes: [{ key: SA.integration, value: integrationId }],
        staticSummary: `Circuit breaker of integration ${integrationId}: deliveries parked on ${input.failureClass} failures`,
      });
    },
  };
}
