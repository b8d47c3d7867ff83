import { decideConsent } from '../consent/rules';
import type { AcceptedEvent } from '../events/schema';
import { mapEvent as mapWithMappings, type StitchedIdentity } from '../mapping/map-event';
import { createDeliverHit } from './deliver-hit';
import { integrationOf, type ActivityDeps } from './deps';

export type { ActivityDeps } from './deps';

/** Activities are plain functions over injected dependencies, so tests and entry points wire them the same way. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Remembers an identify's traits; for any event, returns the user it belongs to and that user's stored traits. */
    async stitchIdentity(event: AcceptedEvent): Promise<StitchedIdentity | null> {
      if (event.type === 'identify' && event.userId) {
        await deps.identityStore.recordIdentify({
          userId: event.userId,
          anonymousId: event.anonymousId,
          traits: event.traits ?? {},
          at: event.timestamp ?? event.originalTimestamp ?? event.receivedAt,
        });
      }
      const userId = event.userId ?? (event.anonymousId ? await deps.identityStore.resolveUserId(event.anonymousId) : null);
      if (!userId) return null;
      return { userId, storedTraits: await deps.identityStore.getTraits(userId) };
    },

    async checkConsent(input: { integrationId: string; event: AcceptedEvent }) {
      const integration = integrationOf(deps, input.integrationId);
      return decideConsent(input.event, { categories: integration.consentCategories, whenMissing: integration.consentWhenMissing });
    },

    async mapEvent(input: { integrationId: string; event: AcceptedEvent; identity: StitchedIdentity }) {
      return mapWithMappings(input.event, input.identity, integrationOf(deps, input.integrationId).mappings);
    },

    deliverHit: createDeliverHit(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
