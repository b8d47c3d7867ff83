import { z } from 'zod';

/**
 * One Xtremepush webhooks connection (Settings > Integrations > Marketplace > Webhooks), each with its own endpoint
 * path and credentials. The credentials stay in process memory: never in workflow input, history or logs.
 */
export const webhookConnectionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (it is part of the URL)'),
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string().min(8, 'must be at least 8 characters') }),
    z.strictObject({ type: z.literal('bearer'), token: z.string().min(16, 'must be at least 16 characters') }),
  ]),
  /** Consent categories an unsubscribe event revokes for the user. */
  unsubscribeCategories: z.array(z.string().min(1)).default(['marketing']),
});
export type WebhookConnection = z.output<typeof webhookConnectionSchema>;

export const webhookConnectionsSchema = z
  .array(webhookConnectionSchema)
  .refine((list) => new Set(list.map((c) => c.name)).size === list.length, 'connection names must be unique')
  .default([]);
