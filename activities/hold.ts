import { subjectHash } from '../privacy/subject';
import { registerHeldEventSignal, SA, WORKFLOW_TYPES, type HeldEvent, type HoldInput } from '../workflows/contracts';
import { holdWorkflowIdOf, type ActivityDeps } from './deps';

export function createHoldActivities(deps: ActivityDeps) {
  return {
    resolveUserId: (anonymousId: string) => deps.identityStore.resolveUserId(anonymousId),

    /** Registers a waiting delivery with its anonymousId's hold, starting the hold if none runs. */
    async holdForIdentify(input: { integrationId: string; anonymousId: string } & HeldEvent): Promise<void> {
      const { integrationId, anonymousId, ...held } = input;
      const hold: HoldInput = { integrationId, anonymousId };
      await deps.temporal.workflow.signalWithStart(WORKFLOW_TYPES.holdAnonymousEvents, {
        taskQueue: deps.taskQueue,
        workflowId: holdWorkflowIdOf(deps, integrationId, anonymousId),
        args: [hold],
        signal: registerHeldEventSignal,
        signalArgs: [held],
        typedSearchAttributes: [
          { key: SA.integration, value: integrationId },
          // The hold's input names the anonymousId: `cli erase` finds it by the hash.
          ...(deps.privacyHashKey ? [{ key: SA.userHash, value: [subjectHash(deps.privacyHashKey, 'anonymous', anonymousId)] }] : []),
        ],
        staticSummary: `Holds anonymous events of integration ${integrationId} until an identify`,
      });
    },
  };
}
