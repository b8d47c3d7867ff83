import { isUnsubscribe, messageFacts } from '../webhooks/schema';
import type { RecordMessageEventInput } from '../workflows/record-webhook';
import type { ActivityDeps } from './deps';

export function createWebhookActivities(deps: ActivityDeps) {
  const { identityStore } = deps;
  return {
    async storeMessageEvent(input: RecordMessageEventInput): Promise<{ userId: string | null; consentRevoked: string[] }> {
      const { event, userId, profileId, campaignId, messageType, errorMessage, at } = messageFacts(input.event);
      await identityStore.recordMessageEvent({
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
      if (!userId || !isUnsubscribe(input.event)) return { userId, consentRevoked: [] };
      // Dated by the unsubscribe itself, so an older event's consent cannot override it, and a newer opt-in can.
      for (const category of input.unsubscribeCategories) await identityStore.setConsent({ userId, category, granted: false, at });
      return { userId, consentRevoked: input.unsubscribeCategories };
    },

    storeChannelWebhook: (input: { id: string; connection: string; receivedAt: string; body: unknown }) => identityStore.recordChannelWebhook(input),
  };
}
