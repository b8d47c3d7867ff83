import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { InvalidEventError, TemporalUnavailableError, acceptEvents, type DeliveryClient } from '../client';
import { batchBodySchema, describeIssues, type EventType } from '../events/schema';
import { webhookRoutes, type WebhookRoutesOptions } from '../webhooks/routes';
import type { Tracer } from '@opentelemetry/api';
import { inSpan } from '../temporal/tracing';
import { registerHealthRoutes } from './health';
import { isKnownKey, writeKeyOf } from './write-key';

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

/** Segment's limit for one batch request; a single event is far smaller. */
const BODY_LIMIT_BYTES = 500 * 1024;

/** The Segment-compatible HTTP tracking API: answers 200 only once Temporal holds a workflow for every event. */
export function buildIngestApi(options: IngestApiOptions) {
  const app = Fastify({ loggerInstance: options.logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT_BYTES });
  // Beacons and some SDKs send JSON as text/plain to avoid CORS preflights.
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'ignore'));

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'ingest failed');
    return reply.code(status).send({ success: false, error: status === 500 ? 'internal error; the event was not accepted, retry it' : error.message });
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
  const ingest = async (items: Array<{ type?: EventType; body: unknown; path: string }>) => {
    try {
      const events = acceptEvents(items);
      const started = await inSpan(options.tracer, `ingest ${events.length === 1 ? events[0]!.type : 'batch'}`, () => options.deliveries.deliver(events));
      return { code: 200, body: { success: true, deliveries: started.map(({ workflowId, duplicate }) => ({ workflowId, duplicate })) } };
    } catch (error) {
      if (error instanceof InvalidEventError) return { code: 400, body: { success: false, error: error.message, problems: error.problems } };
      if (error instanceof TemporalUnavailableError) {
        options.logger.error({ err: error }, 'temporal unavailable; answered 503');
        return { code: 503, retryAfter: true, body: { success: false, error: 'temporarily unable to accept events; retry later' } };
      }
      throw error;
    }
  };

  for (const type of ['track', 'identify', 'page', 'alias'] as const) {
    app.post(`/v1/${type}`, async (request, reply) => {
      const result = await ingest([{ type, body: request.body, path: '' }]);
      if (result.retryAfter) reply.header('retry-after', String(options.retryAfterSeconds ?? 5));
      return reply.code(result.code).send(result.body);
    });
  }

  app.post('/v1/batch', async (request, reply) => {
    const parsed = batchBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const problems = describeIssues(parsed.error);
      return reply.code(400).send({ success: false, error: `invalid batch: ${problems.join('; ')}`, problems });
    }
    // A batch-level context (as some SDKs send) applies to events that have none of their own.
    const items = parsed.data.batch.map((event, i) => ({
      body: parsed.data.context && isObject(event) && !event.context ? { ...event, context: parsed.data.context } : event,
      path: `batch[${i}]`,
    }));
    const result = await ingest(items);
    if (result.retryAfter) reply.header('retry-after', String(options.retryAfterSeconds ?? 5));
    return reply.code(result.code).send(result.body);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
