import { recordConsentChanges } from '../consent/opt-in';
import { decideConsent, type ConsentPreferenceTarget } from '../consent/rules';
import { isIntegrationEnabled } from '../events/integrations';
import { isKnownEvent, type AcceptedEvent } from '../events/schema';
import { applyIdentityEvent } from '../identity/apply';
import type { IdentityStore } from '../identity/store';
import type { DropReason } from '../workflows/vocabulary';
import type { EventHit } from '../xtremepush/hit';
import { mapEvent, sourceEventName } from './map-event';
import type { Mappings } from './preset';

/** What one integration decides about events: the parts of its configuration that hold no secret. */
export interface IntegrationPolicy {
  id: string;
  consentCategories: string[];
  consentWhenMissing: 'deny' | 'grant';
  consentPreferences?: Record<string, ConsentPreferenceTarget>;
  userIdPattern?: string;
  mappings: Mappings;
}

/** What the delivery of an event to one integration does next. */
export type Preparation =
  | { kind: 'send'; sourceEvent: string; userId: string; hit: EventHit; consentGranted: string[] }
  | { kind: 'stored'; sourceEvent: string; userId: string; detail: string }
  | { kind: 'drop'; sourceEvent: string; reason: DropReason; detail: string }
  /** Nobody is linked to the event's anonymousId yet: it waits for an identify. */
  | { kind: 'unidentified'; sourceEvent: string; anonymousId: string };

export interface PrepareOptions {
  /** A held event released as this user. */
  asUser?: string;
  /** `preview`: read what is stored, write nothing. */
  readOnly?: boolean;
  /** A user's keyed hash (privacy/subject.ts), by which the suppression list is checked. */
  subjectOf?: (userId: string) => string;
}

const SUPPRESSED_DETAIL = 'the person objected to processing (`cli suppress`): nothing of theirs is stored or sent';

/**
 * Stitch identity -> check consent -> map, for one event and one integration: the single place these decisions are
 * made, for the workers and for `preview`. Everything about the user comes from one read of the identity store; the
 * only writes are an identify's own data (idempotent) and consent decisions that changed.
 */
export async function prepareDelivery(
  store: IdentityStore,
  integration: IntegrationPolicy,
  event: AcceptedEvent,
  options: PrepareOptions = {},
): Promise<Preparation> {
  const sourceEvent = sourceEventName(event).slice(0, 200);
  if (!isKnownEvent(event)) {
    return {
      kind: 'drop',
      sourceEvent,
      reason: 'unsupported_type',
      detail: `"${event.type}" calls are not supported yet: the event was accepted and not sent`,
    };
  }
  if (!isIntegrationEnabled(event.integrations, integration.id)) {
    return {
      kind: 'drop',
      sourceEvent,
      reason: 'integrations_disabled',
      detail: `the event's integrations object turns integration ${integration.id} (Xtremepush) off`,
    };
  }
  const userId = options.asUser ?? event.userId;
  const subject = userId && options.subjectOf ? options.subjectOf(userId) : undefined;
  const suppressed = { kind: 'drop', sourceEvent, reason: 'suppressed', detail: SUPPRESSED_DETAIL } as const;
  if (!options.readOnly && (await applyIdentityEvent(store, event, subject)) === 'suppressed') return suppressed;

  const profile = await store.loadProfile(userId ? { userId } : { anonymousId: event.anonymousId }, subject);
  if (profile.userId === null) {
    if (event.type === 'track' || event.type === 'page' || event.type === 'screen')
      return { kind: 'unidentified', sourceEvent, anonymousId: event.anonymousId! };
    return { kind: 'drop', sourceEvent, reason: 'unidentified', detail: `the ${event.type} has no userId: nothing about the user can be stored` };
  }
  const known = { ...profile, userId: profile.userId, subject: subject ?? options.subjectOf?.(profile.userId) };
  // An anonymous event's user is only known from the link just read.
  if (profile.suppressed || (!subject && known.subject && (await store.isSuppressed(known.subject)))) return suppressed;
  const categories = [...integration.consentCategories, ...Object.keys(integration.consentPreferences ?? {})];
  const stored = options.readOnly ? known.consent : await recordConsentChanges(store, event, known, categories);

  const consent = decideConsent(event, policyOf(integration), stored);
  const mapping = mapEvent(
    event,
    { userId: known.userId, storedTraits: known.traits },
    integration.mappings,
    consent.allowed ? consent.preferences : undefined,
  );
  if (mapping.action === 'store') return { kind: 'stored', sourceEvent, userId: known.userId, detail: mapping.detail };
  if (mapping.action === 'drop') return { kind: 'drop', sourceEvent, reason: mapping.reason, detail: mapping.detail };
  // Orphan guard: Xtremepush silently creates a profile for any unknown user_id.
  if (integration.userIdPattern && !userIdPolicy(integration.userIdPattern).test(known.userId)) {
    return {
      kind: 'drop',
      sourceEvent,
      reason: 'user_id_policy',
      detail: `user_id does not match the integration's user_id policy ${integration.userIdPattern}; sending it would create an orphan profile`,
    };
  }
  if (!consent.allowed) return { kind: 'drop', sourceEvent, reason: 'consent', detail: consent.detail };
  return { kind: 'send', sourceEvent, userId: known.userId, hit: mapping.hit, consentGranted: consent.granted };
}

function policyOf(integration: IntegrationPolicy) {
  return { categories: integration.consentCategories, whenMissing: integration.consentWhenMissing, preferences: integration.consentPreferences };
}

/** Policies are compiled once, not per event: this runs for every delivery. */
const userIdPolicies = new Map<string, RegExp>();
function userIdPolicy(pattern: string): RegExp {
  let policy = userIdPolicies.get(pattern);
  if (!policy) userIdPolicies.set(pattern, (policy = new RegExp(pattern)));
  return policy;
}
