import type { AcceptedEvent } from '../events/schema';
import { previewSteps, type PreviewStep } from '../mapping/preview';
import { prepareDelivery, type Preparation } from '../mapping/prepare';
import { subjectHash } from '../privacy/subject';
import { identifiedSignal } from '../workflows/contracts';
import { asDataError, holdWorkflowIdOf, integrationOf, type ActivityDeps } from './deps';

/** What the delivery workflow is told to do next; a held event also learns where its hold lives. */
export type PreparedDelivery = Exclude<Preparation, { kind: 'unidentified' }> | (Extract<Preparation, { kind: 'unidentified' }> & { holdWorkflowId: string });

export function createPrepareActivities(deps: ActivityDeps) {
  const { privacyHashKey } = deps;
  const subjectOf = privacyHashKey ? (userId: string) => subjectHash(privacyHashKey, 'user', userId) : undefined;
  return {
    /** What each integration would do with the event, from what is stored now; nothing is written or sent. */
    previewDeliveries: (event: AcceptedEvent): Promise<PreviewStep[]> => previewSteps(event, [...deps.integrations.values()], deps.identityStore),

    /**
     * Stitch identity -> check consent -> map (mapping/prepare.ts). An identify or alias that links an anonymous id
     * also tells that id's hold, if one runs, to release its events.
     */
    async prepareDelivery(input: { integrationId: string; event: AcceptedEvent; asUser?: string }): Promise<PreparedDelivery> {
      const { event } = input;
      let preparation: Preparation;
      try {
        preparation = await prepareDelivery(deps.identityStore, integrationOf(deps, input.integrationId), event, { asUser: input.asUser, subjectOf });
      } catch (error) {
        throw asDataError(error);
      }
      const linked = event.type === 'identify' ? event.anonymousId : event.type === 'alias' ? (event as { previousId?: string }).previousId : undefined;
      if (linked && event.userId && preparation.kind !== 'drop') await announceLink(deps, input.integrationId, linked, event.userId);
      if (preparation.kind === 'unidentified') return { ...preparation, holdWorkflowId: holdWorkflowIdOf(deps, input.integrationId, preparation.anonymousId) };
      return preparation;
    },
  };
}

/** No hold running means nothing waits; one started later finds the stored link itself. */
async function announceLink(deps: ActivityDeps, integrationId: string, anonymousId: string, userId: string): Promise<void> {
  await deps.temporal.workflow
    .getHandle(holdWorkflowIdOf(deps, integrationId, anonymousId))
    .signal(identifiedSignal, { userId })
    .catch(() => undefined);
}
