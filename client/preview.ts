import type { Integration } from '../config/schema';
import type { ConsentDecision } from '../consent/rules';
import type { IdentityStore } from '../identity/store';
import type { MappingResult, StitchedIdentity } from '../mapping/map-event';
import { checkConsentFor, mapForIntegration } from '../mapping/plan';
import { acceptEvents } from './events';

export interface PreviewStep {
  integrationId: string;
  stitching: { identity: StitchedIdentity | null; note: string };
  consent: ConsentDecision | null;
  mapping: MappingResult | null;
}

/**
 * What the delivery of an event would do with the current configuration, without sending it (seed 000's Event
 * Debugger): the same validation, consent and mapping code the workers run. Stored identity is read from the store
 * when one is given; nothing is written.
 */
export async function previewEvent(body: unknown, integrations: readonly Integration[], store: IdentityStore | null): Promise<PreviewStep[]> {
  const [event] = acceptEvents([{ body, path: '' }]);
  const known = event!.userId ?? (event!.anonymousId && store ? await store.resolveUserId(event!.anonymousId) : null);
  const storedTraits = known && store ? await store.getTraits(known) : {};
  const storedConsent = known && store ? await store.getConsentRecords(known) : [];
  const traits = event!.type === 'identify' ? { ...storedTraits, ...event!.traits } : storedTraits;
  const identity = known ? { userId: known, storedTraits: traits } : null;
  const note = !known
    ? `no userId and anonymousId ${event!.anonymousId} is not linked${store ? '' : ' (no identity store was read)'}: a track or page would be held until an identify`
    : store
      ? `user ${known}: ${Object.keys(storedTraits).length} stored traits`
      : `user ${known}: stored traits not read (no identity store available)`;
  return integrations.map((integration) => {
    if (!identity) return { integrationId: integration.id, stitching: { identity, note }, consent: null, mapping: null };
    const consent = checkConsentFor(integration, event!, storedConsent);
    const mapping = consent.allowed ? mapForIntegration(integration, event!, identity, consent) : null;
    return { integrationId: integration.id, stitching: { identity, note }, consent, mapping };
  });
}
