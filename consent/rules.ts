import type { AcceptedEvent } from '../events/schema';
import type { ConsentRecord } from '../identity/store';

/** Where a consent category lands in Xtremepush's per-channel consent, e.g. `{"email": {"Group Marketing": 1}}`. */
export interface ConsentPreferenceTarget {
  channel: string;
  group: string;
}

export interface ConsentPolicy {
  /** Every one of these must be granted for the event to be delivered. */
  categories: string[];
  whenMissing: 'deny' | 'grant';
  /** Category -> Xtremepush channel and group, to send the user's consent as `consent_preferences`. */
  preferences?: Record<string, ConsentPreferenceTarget>;
}

export type ConsentPreferences = Record<string, Record<string, 0 | 1>>;

export type ConsentDecision =
  { allowed: true; granted: string[]; preferences?: ConsentPreferences } | { allowed: false; denied: string[]; missing: string[]; detail: string };

/**
 * Reads consent from the two shapes in common use, case-insensitively: Segment's
 * `context.consent.categoryPreferences` ({"Marketing": true}) and RudderStack's
 * `context.consentManagement` (allowedConsentIds / deniedConsentIds).
 */
export function readConsent(event: AcceptedEvent): Map<string, boolean> {
  const consent = new Map<string, boolean>();
  // A refusal in either shape wins over a grant in the other: never deliver on contradictory consent.
  const record = (category: string, granted: boolean) => {
    const key = category.toLowerCase();
    consent.set(key, consent.get(key) !== false && granted);
  };
  for (const [category, granted] of Object.entries(event.context?.consent?.categoryPreferences ?? {})) record(category, granted);
  const management = event.context?.consentManagement;
  for (const id of management?.allowedConsentIds ?? []) record(id, true);
  for (const id of management?.deniedConsentIds ?? []) record(id, false);
  return consent;
}

/**
 * The consent that applies to an event, per category:
 * - the event's own refusal always holds (it is the user's choice as of this event);
 * - a stored revocation (an unsubscribe from Xtremepush) holds until the user opts in again, which is stored as a
 *   newer grant: a grant the event repeats (the standing decision its consent manager sends every time) is not one;
 * - otherwise the event's grant, else a stored grant (a re-subscribe), else nothing is known.
 */
export function effectiveConsent(event: AcceptedEvent, stored: readonly ConsentRecord[]): Map<string, boolean> {
  const consent = readConsent(event);
  for (const record of stored) {
    const category = record.category.toLowerCase();
    if (consent.get(category) === false) continue;
    if (!record.granted || !consent.has(category)) consent.set(category, record.granted);
  }
  return consent;
}

export function decideConsent(event: AcceptedEvent, policy: ConsentPolicy, stored: readonly ConsentRecord[] = []): ConsentDecision {
  const consent = effectiveConsent(event, stored);
  const categories = policy.categories.map((c) => c.toLowerCase());
  const denied = categories.filter((c) => consent.get(c) === false);
  const missing = categories.filter((c) => !consent.has(c));
  const missingBlocks = policy.whenMissing === 'deny' && missing.length > 0;
  if (denied.length === 0 && !missingBlocks) {
    const preferences = consentPreferences(consent, policy.preferences);
    return { allowed: true, granted: categories, ...(preferences ? { preferences } : {}) };
  }
  const parts = [denied.length ? `denied: ${denied.join(', ')}` : '', missingBlocks ? `no consent given for: ${missing.join(', ')}` : ''].filter(Boolean);
  return { allowed: false, denied, missing, detail: `consent required for ${categories.join(', ')}; ${parts.join('; ')}` };
}

/** 1 or 0 for every mapped category the user has decided on; categories with no decision are left out, not guessed. */
function consentPreferences(consent: Map<string, boolean>, targets: ConsentPolicy['preferences']): ConsentPreferences | undefined {
  const preferences: ConsentPreferences = {};
  for (const [category, { channel, group }] of Object.entries(targets ?? {})) {
    const granted = consent.get(category.toLowerCase());
    if (granted === undefined) continue;
    preferences[channel] = { ...preferences[channel], [group]: granted ? 1 : 0 };
  }
  return Object.keys(preferences).length > 0 ? preferences : undefined;
}
