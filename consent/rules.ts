import type { AcceptedEvent } from '../events/schema';

export interface ConsentPolicy {
  /** Every one of these must be granted for the event to be delivered. */
  categories: string[];
  whenMissing: 'deny' | 'grant';
}

export type ConsentDecision =
  | { allowed: true; granted: string[] }
  | { allowed: false; denied: string[]; missing: string[]; detail: string };

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

export function decideConsent(event: AcceptedEvent, policy: ConsentPolicy): ConsentDecision {
  const consent = readConsent(event);
  const categories = policy.categories.map((c) => c.toLowerCase());
  const denied = categories.filter((c) => consent.get(c) === false);
  const missing = categories.filter((c) => !consent.has(c));
  const missingBlocks = policy.whenMissing === 'deny' && missing.length > 0;
  if (denied.length === 0 && !missingBlocks) return { allowed: true, granted: categories };
  const parts = [
    denied.length ? `denied: ${denied.join(', ')}` : '',
    missingBlocks ? `no consent given for: ${missing.join(', ')}` : '',
  ].filter(Boolean);
  return { allowed: false, denied, missing, detail: `consent required for ${categories.join(', ')}; ${parts.join('; ')}` };
}
