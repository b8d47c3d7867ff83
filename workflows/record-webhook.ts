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
    upsertSearchAttributes([{ key: SA.errorMessage, value: searchableErrorMessage(event.properties.error_message, event.properties) }]);
  }
  setCurrentDetails(
    `Recorded **${event.event}**${outcome.userId ? ` for user \`${outcome.userId}\`` : ' (no user_id in the webhook)'}` +
      (outcome.consentRevoked.length ? `; consent revoked: ${outcome.consentRevoked.join(', ')}` : ''),
  );
  return outcome;
}

const EMAIL = /[^\s<>()[\]"',;:@]+@[^\s<>()[\]"',;:@]+\.[a-z]{2,}/gi;
const INTERNATIONAL_PHONE = /\+\d[\d\s().-]{6,}\d/g;

/**
 * Search attributes are indexed, never encrypted: bounce messages often quote the address, so the event's own email
 * and ids (4+ characters: shorter ones would mask unrelated digits), any email address and any +international phone
 * number are masked. Cut to 256 characters.
 */
function searchableErrorMessage(message: string, properties: MessageEvent['properties']): string {
  const own = [properties.email, properties.user_id, properties.profile_id, properties.device_id]
    .map((value) => (value === null || value === undefined ? '' : String(value)))
    .filter((value) => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  const masked = own.reduce((text, value) => text.split(value).join('[redacted]'), message);
  return masked.replace(EMAIL, '[email]').replace(INTERNATIONAL_PHONE, '[phone]').slice(0, 256);
}

export async function recordChannelWebhook(input: { id: string; connection: string; receivedAt: string; body: unknown }): Promise<void> {
  await storeChannelWebhook(input);
}
