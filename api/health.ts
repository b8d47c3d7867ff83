import type { FastifyInstance } from 'fastify';

/** Liveness (`/health`: the process serves) and readiness (`/ready`: it can do its work now), for orchestrators. */
export function registerHealthRoutes(app: FastifyInstance, ready: () => Promise<boolean>): void {
  app.get('/health', async () => ({ ok: true }));
  app.get('/ready', async (_request, reply) => {
    const ok = await ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ ready: ok });
  });
}
