import type { AcceptedEvent } from '../events/schema';
import type { IdentityStore } from '../identity/store';
import { prepareDelivery, type IntegrationPolicy, type Preparation } from './prepare';

export interface PreviewStep {
  integrationId: string;
  preparation: Preparation;
  /** Where the user's stored data came from. */
  stitching: string;
}

/** Stands in when no identity store can be read: nothing is known about anyone. */
const NOTHING_STORED = {
  loadProfile: async (ids: { userId?: string }) => ({ userId: ids.userId ?? null, traits: {}, consent: [], observed: [], suppressed: false }),
} as unknown as IdentityStore;

/**
 * What the delivery of an event would do with the current configuration, without sending or storing anything (seed
 * 000's Event Debugger): the same stitching, consent and mapping code the workers run, reading `store` if given.
 */
export async function previewSteps(event: AcceptedEvent, integrations: readonly IntegrationPolicy[], store: IdentityStore | null): Promise<PreviewStep[]> {
  const steps: PreviewStep[] = [];
  for (const integration of integrations) {
    const preparation = await prepareDelivery(store ?? NOTHING_STORED, integration, event, { readOnly: true });
    steps.push({ integrationId: integration.id, preparation, stitching: describeStitching(preparation, store !== null) });
  }
  return steps;
}

function describeStitching(preparation: Preparation, storeRead: boolean): string {
  if (preparation.kind === 'unidentified') {
    return `no userId and anonymousId ${preparation.anonymousId} is not linked${storeRead ? '' : ' (no identity store was read)'}: a track, page or screen would be held until an identify`;
  }
  const user = 'userId' in preparation ? `user ${preparation.userId}` : 'the event';
  return storeRead ? `${user}: stored traits and consent read from the identity store` : `${user}: stored traits not read (no identity store available)`;
}
