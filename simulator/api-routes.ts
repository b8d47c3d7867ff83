/**
 * The External API side of a region server: every request that is not a control route is
 * faulted or processed, recorded in received(), logged once, and answered.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimulatorContext } from './context';
import { answers, applyErrorStyle, fail, type Answer } from './envelope';
import { isAnsweringFault } from './faults';
import { API_PREFIX } from './methods';
import { processApiRequest, type ParsedBody } from './process';
import type { Fault, Region } from './types';

export const CONTROL_PREFIX = '/__simulator/';

interface RequestMeta {
  seq: number;
  receivedAt: number;
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function isControlPath(url: string): boolean {
  return pathOf(url).startsWith(CONTROL_PREFIX);
}

/** Bodies reach handlers as raw Buffers (see server.ts) so that any body can be recorded. */
export function parseJsonBody(raw: unknown): ParsedBody {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function faultAnswer(fault: Fault): Answer {
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
  const body = fault.body !== undefined ? fault.body : fail(fault.status, 'simulated fault').body;
  return { status: fault.status, body, headers };
}

export function registerApiRoutes(app: FastifyInstance, ctx: SimulatorContext, region: Region): void {
  const metas = new WeakMap<FastifyRequest, RequestMeta>();

  app.addHook('onRequest', async (request) => {
    if (!isControlPath(request.url)) metas.set(request, { seq: ctx.state.nextSeq(), receivedAt: Date.now() });
  });

  /** Adds the request to the simulator's log with its answer (status 0: the connection was closed unanswered). */
  function record(request: FastifyRequest, body: ParsedBody, answer: { status: number; response: unknown; project: string | null }) {
    const meta = metas.get(request) ?? { seq: ctx.state.nextSeq(), receivedAt: Date.now() };
    const { status, response, project } = answer;
    const entry = { seq: meta.seq, region, method: request.method, path: pathOf(request.url), receivedAt: meta.receivedAt, status, response, project };
    ctx.state.record({ ...entry, body: body.ok ? body.value : null });
    return meta;
  }

  function respond(request: FastifyRequest, reply: FastifyReply, body: ParsedBody, answer: Answer, project: string | null): FastifyReply {
    const path = pathOf(request.url);
    const meta = record(request, body, { status: answer.status, response: answer.body, project });
    ctx.logger.debug(
      { region, seq: meta.seq, method: request.method, path, status: answer.status, project, ms: Date.now() - meta.receivedAt },
      'xtremepush simulator request',
    );
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    return reply.code(answer.status).type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
  }

  app.all('/*', async (request, reply) => {
    const body = parseJsonBody(request.body);
    const path = pathOf(request.url);
    const fault = path.startsWith(API_PREFIX) ? ctx.faults.take(region) : undefined;

    if (fault?.reset) {
      await ctx.delays.wait(fault.delayMs);
      record(request, body, { status: 0, response: null, project: null });
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (fault && isAnsweringFault(fault)) {
      await ctx.delays.wait(fault.delayMs);
      return respond(request, reply, body, faultAnswer(fault), null);
    }

    // A slow-but-normal fault lands the request first and delays only the answer, like a real
    // service whose response is late: a client that times out and retries creates a duplicate.
    const processed = processApiRequest(ctx, region, request.method, path, body);
    const meta = metas.get(request);
    if (processed.project !== null && processed.landed.length > 0 && meta) {
      ctx.state.land(region, processed.project, meta.seq, meta.receivedAt, processed.landed);
    }
    if (fault) await ctx.delays.wait(fault.delayMs);
    return respond(request, reply, body, applyErrorStyle(processed.answer, ctx.errorStyle), processed.project);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isControlPath(request.url)) {
      return reply.code(error.statusCode ?? 500).send({ ok: false, error: error.message });
    }
    const status = error.statusCode ?? 500;
    const answer = status === 413 ? answers.bodyTooLarge() : status >= 400 && status < 500 ? answers.malformedBody() : answers.internal();
    if (answer.status === 500) ctx.logger.error({ region, err: error.message }, 'xtremepush simulator internal error');
    return respond(request, reply, { ok: false }, applyErrorStyle(answer, ctx.errorStyle), null);
  });
}
