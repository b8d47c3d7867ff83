/**
 * Control and inspection routes under /__simulator/ on every region port (for the sandbox,
 * operators and benchmarks). Not recorded in received(). App tokens are redacted in every view.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseJsonBody } from './api-routes';
import { resetContext, type SimulatorContext } from './context';
import { failNextSchema } from './faults';
import { projectSchema } from './projects';
import { redactTokens } from './redact';
import type { Region } from './types';

const regionSchema = z.enum(['eu', 'us']);

const receivedQuery = z.object({ region: regionSchema.optional() });
const hitsQuery = z.object({
  region: regionSchema.optional(),
  project: z.string().optional(),
  user_id: z.string().optional(),
  event: z.string().optional(),
});
const addProjectBody = z.object({ region: regionSchema.optional(), project: projectSchema });
const revokeBody = z.object({ token: z.string().min(1) });
const oauthOnlyBody = z.object({ token: z.string().min(1), oauthOnly: z.boolean() });
const refuseBody = z.object({ userIds: z.array(z.string().min(1)) });

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ ok: false, error: message });
}

/** Parses and validates a control request body (no body at all reads as `{}`). */
function readBody<T>(raw: unknown, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; error: string } {
  const empty = raw === undefined || (Buffer.isBuffer(raw) && raw.length === 0);
  const parsed = empty ? { ok: true as const, value: {} } : parseJsonBody(raw);
  if (!parsed.ok) return { ok: false, error: 'body must be valid JSON' };
  const result = schema.safeParse(parsed.value);
  return result.success ? { ok: true, value: result.data } : { ok: false, error: z.prettifyError(result.error) };
}

export function registerControlRoutes(app: FastifyInstance, ctx: SimulatorContext, region: Region): void {
  app.get('/__simulator/health', async () => ({ ok: true, region }));

  app.get('/__simulator/received', async (request, reply) => {
    const query = receivedQuery.safeParse(request.query);
    if (!query.success) return badRequest(reply, z.prettifyError(query.error));
    return redactTokens(ctx.state.received(query.data.region));
  });

  app.get('/__simulator/hits', async (request, reply) => {
    const query = hitsQuery.safeParse(request.query);
    if (!query.success) return badRequest(reply, z.prettifyError(query.error));
    return ctx.state.hits(query.data);
  });

  app.get('/__simulator/projects', async () => ctx.projects.list().map(({ region: r, project }) => ({ region: r, ...project, token: '***' })));

  app.post('/__simulator/faults', async (request, reply) => {
    const body = readBody(request.body, failNextSchema);
    if (!body.ok) return badRequest(reply, body.error);
    ctx.faults.push(body.value.count, body.value.fault, body.value.region);
    return { ok: true };
  });

  app.post('/__simulator/reset', async () => {
    resetContext(ctx);
    return { ok: true };
  });

  app.post('/__simulator/projects', async (request, reply) => {
    const body = readBody(request.body, addProjectBody);
    if (!body.ok) return badRequest(reply, body.error);
    try {
      ctx.projects.add(body.value.region ?? region, body.value.project);
    } catch (err) {
      return badRequest(reply, (err as Error).message);
    }
    return { ok: true };
  });

  app.post('/__simulator/tokens/revoke', async (request, reply) => {
    const body = readBody(request.body, revokeBody);
    if (!body.ok) return badRequest(reply, body.error);
    ctx.projects.revoke(body.value.token);
    return { ok: true };
  });

  app.post('/__simulator/tokens/oauth-only', async (request, reply) => {
    const body = readBody(request.body, oauthOnlyBody);
    if (!body.ok) return badRequest(reply, body.error);
    try {
      ctx.projects.setOauthOnly(body.value.token, body.value.oauthOnly);
    } catch (err) {
      return badRequest(reply, (err as Error).message);
    }
    return { ok: true };
  });

  app.post('/__simulator/refuse-user-ids', async (request, reply) => {
    const body = readBody(request.body, refuseBody);
    if (!body.ok) return badRequest(reply, body.error);
    ctx.refusedUserIds.clear();
    for (const userId of body.value.userIds) ctx.refusedUserIds.add(userId);
    return { ok: true };
  });

  app.all('/__simulator/*', async (request, reply) =>
    reply.code(404).send({ ok: false, error: `unknown simulator control route ${request.method} ${request.url}` }),
  );
}
