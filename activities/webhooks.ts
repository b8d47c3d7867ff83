import { isUnsubscribe } from '../webhooks/schema';
import type { RecordMessageEventInput } from '../workflows/record-webhook';
import type { ActivityDeps } from './deps';

export function createWebhookActivities(deps: ActivityDeps) {
  const { identityStore } = deps;
  return {
    async storeMessageEvent(input: RecordMessageEventInput): Promise<{ userId: string | null; consentRevoked: string[] }> {
      const { properties } = input.event;
      const at = new Date(input.event.time * 1000).toISOString();
      const userId = properties.user_id ?? null;
      await identityStore.recordMessageEvent({
        id: input.id,
        connection: input.connection,
        userId,
        profileId: properties.profile_id ?? null,
        campaignId: properties.campaign_id ?? null,
        messageType: properties.message_type ?? null,
        event: input.event.event,
        at,
        errorMessage: properties.error_message ?? null,
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
