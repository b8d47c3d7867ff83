import type { RecordChannelWebhookInput, RecordMessageEventInput } from '../workflows/contracts';
import { isResubscribe, isUnsubscribe, messageFacts } from '../webhooks/schema';
import { asDataError, type ActivityDeps } from './deps';

export function createWebhookActivities(deps: ActivityDeps) {
  const { identityStore, messageLog } = deps;
  return {
    /** Records the event against its user; an unsubscribe revokes the connection's categories, a re-subscribe grants them. */
    async storeMessageEvent(input: RecordMessageEventInput): Promise<{ userId: string | null; consentRevoked: string[]; consentGranted: string[] }> {
      const { event, userId, profileId, campaignId, messageType, errorMessage, at } = messageFacts(input.event);
      try {
        await messageLog.recordMessageEvent({
          id: input.id,
          connection: input.connection,
          userId,
          profileId,
          campaignId,
          messageType,
          event,
          at,
          errorMessage,
          body: input.event,
        });
        const granted = isResubscribe(input.event);
        if (!userId || (!granted && !isUnsubscribe(input.event))) return { userId, consentRevoked: [], consentGranted: [] };
        // Dated by the webhook itself, so an older event's consent cannot override it.
        for (const category of input.unsubscribeCategories) await identityStore.setConsent({ userId, category, granted, at, source: 'webhook' });
        return granted
          ? { userId, consentRevoked: [], consentGranted: input.unsubscribeCategories }
          : { userId, consentRevoked: input.unsubscribeCategories, consentGranted: [] };
      } catch (error) {
        throw asDataError(error);
      }
    },

    async storeChannelWebhook(input: RecordChannelWebhookInput): Promise<void> {
      await messageLog.recordChannelWebhook(input).catch((error: unknown) => {
        throw asDataError(error);
      });
    },
  };
}
