import { decideConsent, type ConsentDecision } from '../consent/rules';
import type { AcceptedEvent } from '../events/schema';
import { mapEvent as mapWithMappings, sourceEventName, type MappingResult, type StitchedIdentity } from '../mapping/map-event';
import { createDeliverHit } from './deliver-hit';
import { integrationOf, type ActivityDeps } from './deps';
import { createIdentityActivities } from './identity';

export type { ActivityDeps } from './deps';

/** Activities are plain functions over injected dependencies, so tests and entry points wire them the same way. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIdentityActivities(deps),

    /** The event's own consent, overridden by newer stored decisions of the user (e.g. an unsubscribe). */
    async checkConsent(input: { integrationId: string; event: AcceptedEvent; userId: string }): Promise<ConsentDecision> {
      const integration = integrationOf(deps, input.integrationId);
      const stored = await deps.identityStore.getConsentRecords(input.userId);
      return decideConsent(
        input.event,
        { categories: integration.consentCategories, whenMissing: integration.consentWhenMissing, preferences: integration.consentPreferences },
        stored,
      );
    },

    async mapEvent(input: { integrationId: string; event: AcceptedEvent; identity: StitchedIdentity; consent: ConsentDecision }): Promise<MappingResult> {
      const integration = integrationOf(deps, input.integrationId);
      // Orphan guard: Xtremepush silently creates a profile for any unknown user_id.
      if (integration.userIdPattern && !new RegExp(integration.userIdPattern).test(input.identity.userId)) {
        return {
          action: 'drop',
          sourceEvent: sourceEventName(input.event),
          reason: 'user_id_policy',
          detail: `user_id does not match the integration's user_id policy ${integration.userIdPattern}; sending it would create an orphan profile`,
        };
      }
      const preferences = input.consent.allowed ? input.consent.preferences : undefined;
      return mapWithMappings(input.event, input.identity, integration.mappings, preferences);
    },

    deliverHit: createDeliverHit(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
