import { ApplicationFailure, proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MessageEvent } from '../webhooks/schema';
import { SA, type RecordChannelWebhookInput, type RecordMessageEventInput } from './contracts';
import { withStoreRetries } from './store-retries';

const { storeMessageEvent, storeChannelWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { maximumInterval: '5s', maximumAttempts: 5, nonRetryableErrorTypes: ['invalid_event'] },
  summary: 'record webhook',
});

/** Xtremepush documents no redelivery: a webhook is kept trying for a day while the store is down, then ends failed. */
const RECORD_HORIZON_MS = 24 * 3_600_000;
const failRecording = (failureClass: string, message: string) => ApplicationFailure.create({ type: failureClass, message, nonRetryable: true });

/** Records a campaign message event against its user; an unsubscribe also revokes the user's consent. */
export async function recordMessageEvent(
  input: RecordMessageEventInput,
): Promise<{ userId: string | null; consentRevoked: string[]; consentGranted: string[] }> {
  const { event } = input;
  const outcome = await withStoreRetries('Recording the webhook', RECORD_HORIZON_MS, () => storeMessageEvent(input), failRecording);
  if (event.properties.error_message) {
    upsertSearchAttributes([{ key: SA.errorMessage, value: searchableErrorMessage(event.properties.error_message, event.properties) }]);
  }
  setCurrentDetails(
    `Recorded **${event.event}**${outcome.userId ? ` for user \`${outcome.userId}\`` : ' (no user_id in the webhook)'}` +
      (outcome.consentRevoked.length ? `; consent revoked: ${outcome.consentRevoked.join(', ')}` : '') +
      (outcome.consentGranted.length ? `; consent granted again: ${outcome.consentGranted.join(', ')}` : ''),
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

export async function recordChannelWebhook(input: RecordChannelWebhookInput): Promise<void> {
  await withStoreRetries('Recording the webhook', RECORD_HORIZON_MS, () => storeChannelWebhook(input), failRecording);
}
