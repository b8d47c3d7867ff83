import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { circuitStateQuery, parkDeliverySignal, probeNowSignal, resumeDeliverySignal, type CircuitInput } from './contracts';

const { probeIntegration } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 },
  summary: 'probe Xtremepush credentials',
});

/**
 * One per integration while Xtremepush refuses its credentials or configuration. Parked deliveries register here;
 * a single probe every interval (or at once on `probeNow`) checks whether the problem is gone, and then every parked
 * delivery is resumed. Deliveries that park while it closes start a new run, so none is left behind.
 */
export async function circuitBreaker(input: CircuitInput): Promise<{ resumed: number }> {
  const parked = new Set<string>(input.parked);
  let probeNow = false;
  let lastProbe: string | null = null;
  setHandler(parkDeliverySignal, ({ workflowId }) => void parked.add(workflowId));
  setHandler(probeNowSignal, () => void (probeNow = true));
  setHandler(circuitStateQuery, () => ({ parked: parked.size, lastProbe }));

  for (;;) {
    setCurrentDetails(`Open: ${parked.size} deliveries parked. ${lastProbe ?? 'No probe yet.'}`);
    await condition(() => probeNow, input.probeIntervalMs);
    probeNow = false;
    const probe = await probeIntegration(input.integrationId).catch((error: Error) => ({ healthy: false, message: error.message }));
    lastProbe = `Last probe (${new Date().toISOString()}): ${probe.message}.`;
    if (probe.healthy) break;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof circuitBreaker>({ ...input, parked: [...parked] });
  }

  let resumed = 0;
  while (parked.size > 0) {
    for (const workflowId of [...parked]) {
      parked.delete(workflowId);
      // A delivery terminated by an operator meanwhile is simply gone.
      await getExternalWorkflowHandle(workflowId)
        .signal(resumeDeliverySignal)
        .then(
          () => resumed++,
          () => undefined,
        );
    }
  }
  return { resumed };
}
