import type { Integration } from '../config/schema';
import { decideConsent, type ConsentDecision, type ConsentPolicy } from '../consent/rules';
import type { AcceptedEvent } from '../events/schema';
import type { ConsentRecord } from '../identity/store';
import { mapEvent, sourceEventName, type MappingResult, type StitchedIdentity } from './map-event';

/** The decisions an integration makes about a stitched event, shared by the activities and `cli preview`. */
export function consentPolicyOf(integration: Integration): ConsentPolicy {
  return { categories: integration.consentCategories, whenMissing: integration.consentWhenMissing, preferences: integration.consentPreferences };
}

export function checkConsentFor(integration: Integration, event: AcceptedEvent, stored: readonly ConsentRecord[]): ConsentDecision {
  return decideConsent(event, consentPolicyOf(integration), stored);
}

/** Policies are compiled once, not per event: this runs for every delivery. */
const userIdPolicies = new Map<string, RegExp>();
function userIdPolicy(pattern: string): RegExp {
  let policy = userIdPolicies.get(pattern);
  if (!policy) userIdPolicies.set(pattern, (policy = new RegExp(pattern)));
  return policy;
}

export function mapForIntegration(integration: Integration, event: AcceptedEvent, identity: StitchedIdentity, consent: ConsentDecision): MappingResult {
  // Orphan guard: Xtremepush silently creates a profile for any unknown user_id.
  if (integration.userIdPattern && !userIdPolicy(integration.userIdPattern).test(identity.userId)) {
    return {
      action: 'drop',
      sourceEvent: sourceEventName(event),
      reason: 'user_id_policy',
      detail: `user_id does not match the integration's user_id policy ${integration.userIdPattern}; sending it would create an orphan profile`,
    };
  }
  return mapEvent(event, identity, integration.mappings, consent.allowed ? consent.preferences : undefined);
}
