import { isUtf8 } from 'node:buffer';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type DeliveryClient } from '../client';
import type { IncomingEvent } from '../events/accept';
import { batchBodySchema, type EventType } from '../events/schema';
import { describeIssues } from '../errors/issues';
import { inSpan } from '../temporal/tracing';
import { webhookRoutes, type WebhookRoutesOptions } from '../webhooks/routes';
import { registerHealthRoutes } from './health';
import { isKnownKey, writeKeyOf } from './write-key';
import { TemporalUnavailableError } from '../errors';

export interface IngestApiOptions {
  deliveries: DeliveryClient;
  writeKeys: readonly string[];
  logger: Logger;
  /** Seconds a client should wait before retrying when Temporal is unavailable. */
  retryAfterSeconds?: number;
  /** Receiver routes for Xtremepush's outbound webhooks. */
  webhooks?: WebhookRoutesOptions;
  /** Readiness: can events be accepted right now (Temporal answers)? */
  ready: () => Promise<boolean>;
  /** With tracing on, each request is a span that the deliveries' traces descend from. */
  tracer?: Tracer;
}

/** Segment's limit for one request; one event is limited to 32 KB (events/door.ts). */
const BODY_LIMIT_BYTES = 500 * 1024;

/** The Segment call types and the one-letter paths analytics.js posts them to. */
const SINGLE_EVENT_ROUTES: ReadonlyArray<[EventType, string]> = [
  ['track', 't'],
  ['identify', 'i'],
  ['page', 'p'],
  ['screen', 's'],
  ['group', 'g'],
  ['alias', 'a'],
];

/** The Segment-compatible HTTP tracking API: answers 200 only once Temporal holds a workflow for every accepted event. */
export function buildIngestApi(options: IngestApiOptions) {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Two lines for every request (health checks included) drown what matters: rejected events, failures and
    // 503s are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Beacons and some SDKs send JSON as text/plain to avoid CORS preflights.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, parseJsonBody);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'ingest failed');
    const message =
      status === 413
        ? `the body is over ${BODY_LIMIT_BYTES / 1024} KB, the limit of one request (one event may be up to 32 KB): send smaller batches`
        : status === 500
          ? 'internal error; the events were not accepted, retry the request'
          : error.message;
    return reply.code(status).send({ success: false, error: message });
  });

  // Write keys guard the tracking routes only: webhooks and the codec endpoint check their own credentials.
  app.register(async (tracking) => {
    tracking.addHook('preHandler', async (request, reply) => {
      if (!isKnownKey(writeKeyOf(request.headers.authorization, request.body), options.writeKeys)) {
        return reply.code(401).send({ success: false, error: 'missing or unknown write key: send it as the HTTP Basic username' });
      }
    });
    registerTrackingRoutes(tracking, options);
  });
  if (options.webhooks) app.register(webhookRoutes, options.webhooks);
  registerHealthRoutes(app, options.ready);
  return app;
}

function registerTrackingRoutes(app: FastifyInstance, options: IngestApiOptions) {
  const retryAfter = String(options.retryAfterSeconds ?? 5);

  /**
   * Accepts what is valid. When Temporal could not be reached it answers 503 itself and returns null: the client's
   * retry starts nothing twice (same messageIds, same workflow ids).
   */
  async function ingest(request: FastifyRequest, reply: FastifyReply, items: IncomingEvent[], sentAt?: string) {
    try {
      const name = items.length === 1 ? (items[0]!.type ?? 'event') : 'batch';
      const { deliveries, rejected } = await inSpan(options.tracer, `ingest ${name}`, () => options.deliveries.ingest(items, { sentAt }));
      for (const { index, problems } of rejected) request.log.warn({ index, problems }, 'event rejected');
      return { deliveries: deliveries.map(({ workflowId, duplicate }) => ({ workflowId, duplicate })), rejected };
    } catch (error) {
      if (!(error instanceof TemporalUnavailableError)) throw error;
      request.log.error({ err: error }, 'temporal unavailable; answered 503');
      await reply
        .code(503)
        .header('retry-after', retryAfter)
        .send({ success: false, error: 'temporarily unable to accept events (Temporal is unavailable); retry the request, nothing will be delivered twice' });
      return null;
    }
  }

  for (const [type, letter] of SINGLE_EVENT_ROUTES) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await ingest(request, reply, [{ type, body: request.body, path: '' }]);
      if (!result) return reply;
      const [rejected] = result.rejected;
      if (rejected) {
        const tooLarge = rejected.problems.some((p) => p.includes('per event'));
        return reply.code(tooLarge ? 413 : 400).send({ success: false, error: `invalid event: ${rejected.problems.join('; ')}`, problems: rejected.problems });
      }
      return reply.code(200).send({ success: true, deliveries: result.deliveries });
    };
    app.post(`/v1/${type}`, handler);
    app.post(`/v1/${letter}`, handler);
  }

  /** Segment's batch rules: 200 for a valid body; each invalid event is named in `rejected` and the others accepted. */
  const batch = async (request: FastifyRequest, reply: FastifyReply) => {
    const parsed = batchBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error);
      return reply.code(400).send({ success: false, error: `invalid batch: ${problems.join('; ')}`, problems });
    }
    // A batch-level context (as some SDKs send) applies to events that have none of their own.
    const items = parsed.data.batch.map((event, i) => ({
      body: parsed.data.context && isObject(event) && !Object.hasOwn(event, 'context') ? { ...event, context: parsed.data.context } : event,
      path: `batch[${i}]`,
    }));
    const result = await ingest(request, reply, items, parsed.data.sentAt);
    if (!result) return reply;
    return reply.code(200).send({ success: true, deliveries: result.deliveries, rejected: result.rejected });
  };
  app.post('/v1/batch', batch);
  app.post('/v1/b', batch);
}

/**
 * JSON must be UTF-8: bytes that are not would be decoded with replacement characters and delivered changed, so the
 * request is refused instead. JSON.parse keeps a `__proto__` key as a plain property (events/door.ts rejects it).
 */
function parseJsonBody(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  const refuse = (message: string) => done(Object.assign(new Error(message), { statusCode: 400 }));
  if (body.length === 0) return refuse('the body is empty: send a JSON object');
  if (!isUtf8(body)) return refuse('the body is not valid UTF-8: JSON must be sent as UTF-8');
  try {
    done(null, JSON.parse(body.toString('utf8')) as unknown);
  } catch (error) {
    refuse(`the body is not valid JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
