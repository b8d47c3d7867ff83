import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { describeIssues } from '../errors/issues';
import { AesGcmCodec } from './aes-gcm-codec';
import type { EncryptionKey } from './encryption-keys';
import { PayloadDecryptionError } from '../errors';
import { isSameSecret } from '../secrets/same-secret';

/** Where the codec endpoint is mounted on the API's HTTP server; the Web UI calls `<endpoint>/decode` and `/encode`. */
export const CODEC_PATH = '/codec';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Every request must carry `Authorization: Bearer <token>`. */
  token: string;
  /** Browser origins (the Web UI) allowed to call the endpoint. */
  corsOrigins: readonly string[];
}

/** The endpoint is served only when payloads are encrypted and a token guards it: an open decoder would undo the encryption. */
export function codecServerOptionsOf(config: {
  temporal: { payloadEncryptionKeys?: readonly EncryptionKey[] };
  codecServer: { token?: string; corsOrigins: readonly string[] };
}): CodecServerOptions | null {
  const keys = config.temporal.payloadEncryptionKeys;
  const { token, corsOrigins } = config.codecServer;
  return keys && token ? { codec: new AesGcmCodec(keys), token, corsOrigins } : null;
}

/** The endpoint URL for the Web UI: a wildcard listen address is not one a browser can call. */
export function codecEndpointUrl(api: { host: string; port: number }): string {
  const host = api.host === '0.0.0.0' || api.host === '::' ? '127.0.0.1' : api.host.includes(':') ? `[${api.host}]` : api.host;
  return `http://${host}:${api.port}${CODEC_PATH}`;
}

// Proto3 JSON: every bytes field, each metadata value included, is base64 (standard or URL-safe, padding optional).
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const payloadsBodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() })),
});
type JsonPayload = z.output<typeof payloadsBodySchema>['payloads'][number];

/** The Web UI may send a payload of up to 2 MB, base64-encoded, several per request. */
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-Namespace';

/**
 * The Temporal codec server protocol (`POST /encode`, `POST /decode`, `{payloads: [...]}` in and out) as a fastify
 * plugin, so authorised operators see decrypted payloads in the Web UI and CLI. Register it with `prefix: CODEC_PATH`.
 */
export async function codecServer(app: FastifyInstance, options: CodecServerOptions): Promise<void> {
  const allowedOrigins = new Set(options.corsOrigins);

  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    // Credentials allowed: the Web UI's "Include cross-origin credentials" option sends cookies to a login proxy.
    if (origin && allowedOrigins.has(origin)) reply.headers({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
    // Browsers send preflights without credentials; the request that follows is checked.
    if (request.method === 'OPTIONS') return;
    if (!hasToken(request.headers.authorization, options.token)) {
      return reply.code(401).send({ error: 'missing or wrong bearer token: send Authorization: Bearer <CODEC_SERVER_TOKEN>' });
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof PayloadDecryptionError) return reply.code(422).send({ error: error.message });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    request.log.error({ err: error }, 'codec endpoint failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  const route = (action: 'encode' | 'decode', transform: (payloads: Payload[]) => Promise<Payload[]>) => {
    app.options(`/${action}`, async (request, reply) => {
      if (!reply.hasHeader('access-control-allow-origin')) {
        return reply.code(403).send({ error: `origin ${request.headers.origin ?? '(none)'} is not allowed: add it to CODEC_CORS_ORIGIN` });
      }
      return reply
        .code(204)
        .headers({ 'access-control-allow-methods': 'POST', 'access-control-allow-headers': ALLOWED_HEADERS, 'access-control-max-age': '600' })
        .send();
    });
    app.post(`/${action}`, { bodyLimit: BODY_LIMIT_BYTES }, async (request, reply) => {
      const body = payloadsBodySchema.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: 'invalid payloads body', problems: describeIssues(body.error) });
      const payloads = await transform(body.data.payloads.map(fromJson));
      return { payloads: payloads.map(toJson) };
    });
  };
  route('encode', (payloads) => options.codec.encode(payloads));
  route('decode', (payloads) => options.codec.decode(payloads));
}

function hasToken(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return given !== undefined && isSameSecret(given, token);
}

function fromJson(json: JsonPayload): Payload {
  const metadata = Object.fromEntries(Object.entries(json.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
  return { metadata, data: Buffer.from(json.data ?? '', 'base64') };
}

function toJson(payload: Payload): { metadata: Record<string, string>; data: string } {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]));
  return { metadata, data: Buffer.from(payload.data ?? []).toString('base64') };
}
