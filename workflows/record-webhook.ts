import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageEvent } from '../webhooks/schema';
import { SA } from './search-attributes';

const { storeMessageEvent, storeChannelWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '1m' },
  summary: 'record webhook',
});

export interface RecordMessageEventInput {
  /** The webhook's dedupe key (also in the workflow id). */
  id: string;
  connection: string;
  /** Consent categories an unsubscribe revokes; not secret, so they travel with the event. */
  unsubscribeCategories: string[];
  event: MessageEvent;
}

/** Records a campaign message event against its user; an unsubscribe also revokes the user's consent. */
export async function recordMessageEvent(input: RecordMessageEventInput): Promise<{ userId: string | null; consentRevoked: string[] }> {
  const { event } = input;
  const outcome = await storeMessageEvent(input);
  if (event.properties.error_message) {
    upsertSearchAttributes([{ key: SA.errorMessage, value: event.properties.error_message.slice(0, 256) }]);
  }
  setCurrentDetails(
    `Recorded **${event.event}**${outcome.userId ? ` for user \`${outcome.userId}\`` : ' (no user_id in the webhook)'}` +
      (outcome.consentRevoked.length ? `; consent revoked: ${outcome.consentRevoked.join(', ')}` : ''),
  );
  return outcome;
}

export async function recordChannelWebhook(input: { id: string; connection: string; receivedAt: string; body: unknown }): Promise<void> {
  await storeChannelWebhook(input);
}
