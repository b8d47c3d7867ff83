import { SA } from '../workflows/search-attributes';
import type { AcceptedEvent } from '../events/schema';
import type { StitchedIdentity } from '../mapping/map-event';
import { holdAnonymousEvents } from '../workflows/hold-anonymous-events';
import { holdWorkflowId, registerHeldEventSignal } from '../workflows/signals';
import type { ActivityDeps } from './deps';

export function createIdentityActivities(deps: ActivityDeps) {
  const { identityStore } = deps;
  return {
    /**
     * Remembers what identify and alias say about a user; for any event, returns the user it belongs to (its userId,
     * or the user its anonymousId is linked to) with that user's stored traits, or null when nobody is known yet.
     */
    async stitchIdentity(event: AcceptedEvent): Promise<StitchedIdentity | null> {
      const at = event.timestamp ?? event.originalTimestamp ?? event.receivedAt;
      if (event.type === 'identify' && event.userId) {
        await identityStore.recordIdentify({ userId: event.userId, anonymousId: event.anonymousId, traits: event.traits ?? {}, at });
      }
      if (event.type === 'alias' && event.userId) await identityStore.linkAlias(event.previousId, event.userId);
      const userId = event.userId ?? (event.anonymousId ? await identityStore.resolveUserId(event.anonymousId) : null);
      if (!userId) return null;
      return { userId, storedTraits: await identityStore.getTraits(userId) };
    },

    resolveUserId: (anonymousId: string) => identityStore.resolveUserId(anonymousId),

    /** Registers a waiting delivery with its anonymousId's hold, starting the hold if none runs. */
    async holdForIdentify(input: { integrationId: string; anonymousId: string; workflowId: string; at: string; deadline: number }) {
      const { integrationId, anonymousId, ...held } = input;
      await deps.temporal.workflow.signalWithStart(holdAnonymousEvents, {
        taskQueue: deps.taskQueue,
        workflowId: holdWorkflowId(integrationId, anonymousId),
        args: [{ integrationId, anonymousId }],
        signal: registerHeldEventSignal,
        signalArgs: [held],
        typedSearchAttributes: [{ key: SA.integration, value: integrationId }],
        staticSummary: `Holds anonymous events of integration ${integrationId} until an identify`,
      });
    },
  };
}
