import { z } from 'zod';

/** Ids arrive as strings or numbers; we keep them as strings. */
const id = z.union([z.string(), z.number()]).transform(String);

/**
 * A campaign message event as Xtremepush posts it (seed 001). Unknown event names and extra properties are accepted
 * and kept: Xtremepush adds event types over time.
 */
export const messageEventSchema = z.looseObject({
  event: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).min(1, 'must not be empty'),
  time: z.number({ error: (i) => (i.input === undefined ? 'is required (a UNIX timestamp in seconds)' : 'must be a UNIX timestamp in seconds') }).int().nonnegative(),
  properties: z
    .looseObject({
      message_type: z.string().optional(),
      campaign_id: id.optional(),
      profile_id: id.optional(),
      device_id: id.optional(),
      trigger_id: id.optional(),
      error_message: z.string().optional(),
      user_id: id.optional(),
      email: z.string().optional(),
    })
    .default({}),
});
export type MessageEvent = z.infer<typeof messageEventSchema>;

/** Seed 002's webhook channel: a campaign-defined JSON body, kept exactly as it came. */
export const channelWebhookSchema = z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())], {
  error: 'must be a JSON object or array',
});

export function isUnsubscribe(event: MessageEvent): boolean {
  return /unsubscribe/i.test(event.event);
}
