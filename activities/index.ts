import type { ConsentDecision } from '../consent/rules';
import type { AcceptedEvent } from '../events/schema';
import type { MappingResult, StitchedIdentity } from '../mapping/map-event';
import { checkConsentFor, mapForIntegration } from '../mapping/plan';
import { createCircuitActivities } from './circuit';
import { createDeliveryActivities } from './deliver-hit';
import { integrationOf, type ActivityDeps } from './deps';
import { createIdentityActivities } from './identity';
import { createWebhookActivities } from './webhooks';

export type { ActivityDeps } from './deps';

/** Activities are plain functions over injected dependencies, so tests and entry points wire them the same way. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIdentityActivities(deps),

    /** The event's own consent, overridden by newer stored decisions of the user (e.g. an unsubscribe). */
    async checkConsent(input: { integrationId: string; event: AcceptedEvent; userId: string }): Promise<ConsentDecision> {
      const stored = await deps.identityStore.getConsentRecords(input.userId);
      return checkConsentFor(integrationOf(deps, input.integrationId), input.event, stored);
    },

    async mapEvent(input: { integrationId: string; event: AcceptedEvent; identity: StitchedIdentity; consent: ConsentDecision }): Promise<MappingResult> {
      return mapForIntegration(integrationOf(deps, input.integrationId), input.event, input.identity, input.consent);
    },

    ...createDeliveryActivities(deps),
    ...createCircuitActivities(deps),
    ...createWebhookActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
