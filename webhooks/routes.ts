import type { FastifyInstance, FastifyReply } from 'fastify';
import { TemporalUnavailableError } from '../client/delivery-client';
import type { WebhookClient } from '../client/webhook-client';
import { describeIssues } from '../events/schema';
import { isAuthorised } from './auth';
import type { WebhookConnection } from './config';
import { channelWebhookSchema, messageEventSchema } from './schema';

export interface WebhookRoutesOptions {
  connections: readonly WebhookConnection[];
  webhooks: WebhookClient;
}

export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

/**
 * Receiver routes for Xtremepush's outbound webhooks, one per configured connection. Answers are plain JSON sentences:
 * Xtremepush's notifications log shows them to whoever set the connection up.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const byName = new Map(options.connections.map((c) => [c.name, c]));

  /** The connection of the request, or null once an error answer has been sent. */
  const authorised = (name: string, authorization: string | undefined, reply: FastifyReply): WebhookConnection | null => {
    const connection = byName.get(name);
    if (!connection) {
      void reply.code(404).send({ success: false, error: `no webhooks connection named "${name}" is configured on this receiver` });
      return null;
    }
    if (!isAuthorised(connection, authorization)) {
      // One answer for wrong, missing or malformed credentials: nothing tells which part was wrong.
      void reply
        .code(401)
        .header('www-authenticate', connection.auth.type === 'basic' ? 'Basic realm="xtremepush-webhooks"' : 'Bearer')
        .send({ success: false, error: 'authentication failed: check the credentials of this webhooks connection in Xtremepush' });
      return null;
    }
    return connection;
  };

  const unavailable = (reply: FastifyReply) =>
    reply.code(503).header('retry-after', '5').send({ success: false, error: 'temporarily unable to record webhooks; retry later' });

  app.post<{ Params: { connection: string } }>('/webhooks/xtremepush/:connection', { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, async (request, reply) => {
    const connection = authorised(request.params.connection, request.headers.authorization, reply);
    if (!connection) return reply;
    const parsed = messageEventSchema.safeParse(request.body);
    if (!parsed.success) {
      return reply.code(400).send({ success: false, error: `invalid message event: ${describeIssues(parsed.error).join('; ')}` });
    }
    try {
      const recorded = await options.webhooks.recordMessageEvent(connection, parsed.data);
      return reply.code(200).send({ success: true, ...recorded });
    } catch (error) {
      if (error instanceof TemporalUnavailableError) return unavailable(reply);
      throw error;
    }
  });

  app.post<{ Params: { connection: string } }>('/webhooks/xtremepush/:connection/channel', { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, async (request, reply) => {
    const connection = authorised(request.params.connection, request.headers.authorization, reply);
    if (!connection) return reply;
    const parsed = channelWebhookSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ success: false, error: `invalid webhook body: ${describeIssues(parsed.error).join('; ')}` });
    try {
      return reply.code(200).send({ success: true, ...(await options.webhooks.recordChannelWebhook(connection, request.body)) });
    } catch (error) {
      if (error instanceof TemporalUnavailableError) return unavailable(reply);
      throw error;
    }
  });
}
