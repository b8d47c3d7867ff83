import { z } from 'zod';

// Properties that do not apply may come as null (device_id outside device-centric campaigns); ids as strings or
// numbers. Both are kept as received: messageFacts reads them as strings.
const id = z.union([z.string(), z.number()]).nullish();
const text = z.string().nullish();

/** 9999-12-31T23:59:59Z: a larger `time` is in milliseconds, or no date at all. */
const MAX_UNIX_SECONDS = 253_402_300_799;

/**
 * A campaign message event as Xtremepush posts it. Unknown event names and extra properties are accepted
 * and kept: Xtremepush adds event types over time.
 */
export const messageEventSchema = z.looseObject({
  event: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).min(1, 'must not be empty'),
  time: z
    .number({ error: (i) => (i.input === undefined ? 'is required (a UNIX timestamp in seconds)' : 'must be a UNIX timestamp in seconds') })
    .int('must be a UNIX timestamp in whole seconds')
    .min(0, 'must be a UNIX timestamp in seconds')
    .max(MAX_UNIX_SECONDS, 'must be a UNIX timestamp in seconds, not milliseconds'),
  properties: z
    .looseObject({
      message_type: text,
      campaign_id: id,
      profile_id: id,
      device_id: id,
      trigger_id: id,
      error_message: text,
      user_id: id,
      email: text,
    })
    .default({}),
});
export type MessageEvent = z.infer<typeof messageEventSchema>;

/** What the event says, ids as strings and null when absent or empty: for the store, search attributes and the dedupe key. */
export function messageFacts(event: MessageEvent) {
  const p = event.properties;
  const str = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? null : String(value));
  return {
    event: event.event,
    at: new Date(event.time * 1000).toISOString(),
    userId: str(p.user_id),
    profileId: str(p.profile_id),
    campaignId: str(p.campaign_id),
    triggerId: str(p.trigger_id),
    deviceId: str(p.device_id),
    messageType: str(p.message_type),
    errorMessage: str(p.error_message),
  };
}
export type MessageFacts = ReturnType<typeof messageFacts>;

/** Seed 002's webhook channel: a campaign-defined JSON body, kept exactly as it came. */
export const channelWebhookSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())], {
  error: 'must be a JSON object or array',
});

export function isUnsubscribe(event: MessageEvent): boolean {
  return /unsubscribe/i.test(event.event);
}

/** An explicit opt-in again (`message_subscribe`, `resubscribe`, ...): it lifts an earlier unsubscribe. */
export function isResubscribe(event: MessageEvent): boolean {
  return /(^|_)(re)?subscribe/i.test(event.event) && !isUnsubscribe(event);
}
