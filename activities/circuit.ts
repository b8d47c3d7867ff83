import { circuitWorkflowId, parkDeliverySignal, SA, WORKFLOW_TYPES, type CircuitInput } from '../workflows/contracts';
import { channelOf, type ActivityDeps } from './deps';

export function createCircuitActivities(deps: ActivityDeps) {
  return {
    /** Registers a parked delivery with its integration's circuit breaker, starting the breaker if none runs. */
    async parkDelivery(input: { integrationId: string; workflowId: string; failureClass: string; message: string }): Promise<void> {
      const { integrationId, ...parked } = input;
      const breaker: CircuitInput = { integrationId, probeIntervalMs: deps.circuitProbeIntervalMs };
      await deps.temporal.workflow.signalWithStart(WORKFLOW_TYPES.circuitBreaker, {
        taskQueue: deps.taskQueue,
        workflowId: circuitWorkflowId(deps.taskQueue, integrationId),
        args: [breaker],
        signal: parkDeliverySignal,
        signalArgs: [parked],
        typedSearchAttributes: [{ key: SA.integration, value: integrationId }],
        staticSummary: `Circuit breaker of integration ${integrationId}: deliveries parked on ${input.failureClass} failures`,
      });
    },

    /** The token checked against the configured host with a read-only call, as `doctor` does: is the integration usable again? */
    probeIntegration: (integrationId: string): Promise<{ healthy: boolean; message: string }> => channelOf(deps, integrationId).probe(),
  };
}
