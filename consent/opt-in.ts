import type { AcceptedEvent } from '../events/schema';
import type { ConsentRecord, IdentityStore, Profile } from '../identity/store';
import { readConsent } from './rules';

/**
 * Records what the event's consent manager says about `categories` and turns a fresh grant after a revocation into
 * an opt-in: a decision that changed from denied or absent to granted, in an event later than the revocation.
 * Only changes are written: the standing decision repeated on every event costs no write. Returns the user's stored
 * decisions as they now stand.
 */
export async function recordConsentChanges(
  store: IdentityStore,
  event: AcceptedEvent,
  profile: Profile & { userId: string },
  categories: readonly string[],
): Promise<ConsentRecord[]> {
  const said = readConsent(event);
  const observed = new Map(profile.observed.map((o) => [o.category, o]));
  const records = [...profile.consent];
  const eventAt = Date.parse(event.at);
  for (const category of new Set(categories.map((c) => c.toLowerCase()))) {
    const granted = said.get(category);
    const last = observed.get(category);
    if (granted === undefined || (last && (last.granted === granted || Date.parse(last.at) > eventAt))) continue;
    const { previous, newest } = await store.observeConsent({ userId: profile.userId, category, granted, at: event.at });
    if (!newest || !granted || previous === true) continue;
    const index = records.findIndex((r) => r.category === category);
    const revoked = records[index];
    if (!revoked || revoked.granted || Date.parse(revoked.at) >= eventAt) continue;
    const optIn: ConsentRecord = { category, granted: true, at: event.at, source: 'cmp' };
    await store.setConsent({ userId: profile.userId, ...optIn });
    records[index] = optIn;
  }
  return records;
}
