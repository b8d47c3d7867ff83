import { z } from 'zod';
import { describeIssues } from '../errors/issues';

/**
 * One Xtremepush webhooks connection (Settings > Integrations > Marketplace > Webhooks), each with its own endpoint
 * path and credentials. The credentials stay in process memory: never in workflow input, history or logs.
 */
export const webhookConnectionSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes (it is part of the URL)'),
  auth: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('basic'),
      // RFC 7617: the first colon separates username from password.
      username: z
        .string()
        .min(1)
        .regex(/^[^:]*$/, 'must not contain ":"'),
      password: z.string().min(8, 'must be at least 8 characters'),
    }),
    z.strictObject({ type: z.literal('bearer'), token: z.string().min(16, 'must be at least 16 characters') }),
  ]),
  /** Consent categories an unsubscribe event revokes for the user. */
  unsubscribeCategories: z.array(z.string().min(1)).default(['marketing']),
});
export type WebhookConnection = z.output<typeof webhookConnectionSchema>;

// Each name is a URL path: two connections of one name could not both be reached.
const connectionListSchema = z.array(webhookConnectionSchema).superRefine((list, ctx) => {
  list.forEach((connection, i) => {
    if (list.findIndex((c) => c.name === connection.name) < i)
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'is used by an earlier connection; names must be unique' });
  });
});

const EXAMPLE = '[{"name":"main","auth":{"type":"bearer","token":"..."}}]';

/**
 * XTREMEPUSH_WEBHOOKS, the JSON text of the connection list (unset: none). It holds credentials, so no problem quotes
 * it: a JSON error gives the position only (V8's message would quote the text around it), others name the field.
 */
export const webhookConnectionsSchema = z
  .string()
  .optional()
  .transform((text, ctx): WebhookConnection[] => {
    if (text === undefined) return [];
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const position = /at position (\d+)/.exec((error as Error).message)?.[1];
      ctx.addIssue({
        code: 'custom',
        message: `is not valid JSON${position ? ` (at character ${position})` : ''}; expected an array such as ${EXAMPLE}`,
      });
      return z.NEVER;
    }
    if (!Array.isArray(json)) {
      ctx.addIssue({ code: 'custom', message: `must be a JSON array of connections such as ${EXAMPLE}` });
      return z.NEVER;
    }
    const parsed = connectionListSchema.safeParse(json);
    if (!parsed.success) {
      for (const problem of describeIssues(parsed.error)) ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return parsed.data;
  });
