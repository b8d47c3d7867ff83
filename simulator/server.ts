/** One fastify HTTP server per region (loopback has no hostnames, so regions differ by port). */
import fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { registerApiRoutes } from './api-routes';
import type { SimulatorContext } from './context';
import { registerControlRoutes } from './control-routes';
import { MAX_BODY_BYTES } from './envelope';
import type { Region } from './types';

export interface RegionServer {
  region: Region;
  url: string;
  app: FastifyInstance;
}

export function buildRegionApp(ctx: SimulatorContext, region: Region): FastifyInstance {
  const app = fastify({ logger: false, bodyLimit: MAX_BODY_BYTES });
  // Bodies are kept raw whatever their content type: the handlers parse them, so a malformed
  // body is still recorded and answered with the External API's 400 envelope.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  registerControlRoutes(app, ctx, region);
  registerApiRoutes(app, ctx, region);
  return app;
}

function urlOf(app: FastifyInstance, host: string): string {
  const address = app.server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${address.port}`;
}

export async function startRegionServer(ctx: SimulatorContext, region: Region, host: string, port: number): Promise<RegionServer> {
  const app = buildRegionApp(ctx, region);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return { region, url: urlOf(app, host), app };
}
