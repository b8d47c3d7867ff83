import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { doorProblems } from '../events/door';
import type { WebhookClient } from '../client/webhook-client';
import { describeIssues } from '../errors/issues';
import { isAuthorised } from './auth';
import type { WebhookConnection } from './config';
import { channelWebhookSchema, messageEventSchema } from './schema';
import { TemporalUnavailableError } from '../errors';

export interface WebhookRoutesOptions {
  connections: readonly WebhookConnection[];
  webhooks: WebhookClient;
}

export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

interface ConnectionParams {
  connection: string;
}
type ConnectionRequest = FastifyRequest<{ Params: ConnectionParams }>;

/**
 * Receiver routes for Xtremepush's outbound webhooks, one per configured connection. Answers are plain JSON sentences:
 * Xtremepush's notifications log shows them to whoever set the connection up.
 */
export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const byName = new Map(options.connections.map((c) => [c.name, c]));

  /**
   * Runs before the body is read, so an unauthenticated caller gets the same 401 whatever it sends (and costs no
   * parsing). One answer for wrong, missing or malformed credentials: nothing tells which part was wrong.
   */
  const authenticate = async (request: ConnectionRequest, reply: FastifyReply) => {
    const connection = byName.get(request.params.connection);
    if (!connection) {
      return reply.code(404).send({ success: false, error: `no webhooks connection named "${request.params.connection}" is configured on this receiver` });
    }
    if (!isAuthorised(connection, request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', connection.auth.type === 'basic' ? 'Basic realm="xtremepush-webhooks"' : 'Bearer')
        .send({ success: false, error: 'authentication failed: check the credentials of this webhooks connection in Xtremepush' });
    }
  };
  /** The request's connection: `authenticate` has answered every request without one. */
  const connectionOf = (request: ConnectionRequest): WebhookConnection => byName.get(request.params.connection)!;
  const routeOptions = { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES, onRequest: authenticate };

  const unavailable = (reply: FastifyReply) =>
    reply.code(503).header('retry-after', '5').send({ success: false, error: 'temporarily unable to record webhooks; retry later' });

  const invalid = (reply: FastifyReply, what: string, problems: string[]) =>
    reply.code(400).send({ success: false, error: `invalid ${what}: ${problems.join('; ')}` });

  app.post<{ Params: ConnectionParams }>('/webhooks/xtremepush/:connection', routeOptions, async (request, reply) => {
    const door = doorProblems(request.body, '', null);
    if (door.length > 0) return invalid(reply, 'message event', door);
    const parsed = messageEventSchema.safeParse(request.body);
    if (!parsed.success) {
      return invalid(reply, 'message event', describeIssues(parsed.error));
    }
    try {
      const recorded = await options.webhooks.recordMessageEvent(connectionOf(request), parsed.data);
      return reply.code(200).send({ success: true, ...recorded });
    } catch (error) {
      if (error instanceof TemporalUnavailableError) return unavailable(reply);
      throw error;
    }
  });

  app.post<{ Params: ConnectionParams }>('/webhooks/xtremepush/:connection/channel', routeOptions, async (request, reply) => {
    const door = doorProblems(request.body, '', null);
    if (door.length > 0) return invalid(reply, 'webhook body', door);
    const parsed = channelWebhookSchema.safeParse(request.body);
    if (!parsed.success) return invalid(reply, 'webhook body', describeIssues(parsed.error));
    try {
      return reply.code(200).send({ success: true, ...(await options.webhooks.recordChannelWebhook(connectionOf(request), request.body)) });
    } catch (error) {
      if (error instanceof TemporalUnavailableError) return unavailable(reply);
      throw error;
    }
  });
}
