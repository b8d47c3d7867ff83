import { Agent, request } from 'undici';
import { classifyNetworkError, classifyResponse, type Classification } from './classify';
import { parseEnvelope, type Envelope } from './envelope';
import type { EventHit } from './hit';

export interface XtremepushTarget {
  apiBaseUrl: string;
  appToken: string;
}

export interface XtremepushExchange {
  /** What went over the wire, with the token redacted: safe to log, return and store. */
  request: { url: string; body: Record<string, unknown> };
  response: { status: number; body: Envelope | string } | null;
  classification: Classification;
}

export interface CallOptions {
  /** Shorter than the client's own timeout when the caller's deadline is nearer. */
  timeoutMs?: number;
  /** Aborts the request (a cancelled attempt). */
  signal?: AbortSignal;
}

export interface XtremepushClient {
  /** One event (`hit/event`), or several in one request (`hit/events`, at most 1,000). */
  sendEvents(target: XtremepushTarget, hits: readonly EventHit[], options?: CallOptions): Promise<XtremepushExchange>;
  /** Any External API method, e.g. `list/profile-subscription` (used by diagnostics). */
  call(target: XtremepushTarget, method: string, body: Record<string, unknown>, options?: CallOptions): Promise<XtremepushExchange>;
  close(): Promise<void>;
}

export const MAX_EVENTS_PER_REQUEST = 1000;

export const REDACTED = '[redacted]';

/** The one place that talks HTTP to Xtremepush: keep-alive connections, timeouts, envelope parsing, classification. */
export function createXtremepushClient(options: { timeoutMs: number; connectionsPerOrigin?: number }): XtremepushClient {
  // Keep-alive connections per host; a worker sizes this to its activity slots so no attempt waits for a socket.
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 32,
    keepAliveTimeout: 30_000,
    connectTimeout: options.timeoutMs,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  async function call(target: XtremepushTarget, method: string, body: Record<string, unknown>, callOptions: CallOptions = {}): Promise<XtremepushExchange> {
    const url = `${target.apiBaseUrl}/api/external/${method}`;
    const redactedRequest = { url, body: { apptoken: REDACTED, ...body } };
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(options.timeoutMs, callOptions.timeoutMs ?? Infinity)));
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ apptoken: target.appToken, ...body }),
        signal: callOptions.signal ? AbortSignal.any([timeout, callOptions.signal]) : timeout,
      });
      const text = redact(await res.body.text(), target.appToken);
      const envelope = parseEnvelope(text);
      const retryAfter = res.headers['retry-after'];
      return {
        request: redactedRequest,
        response: { status: res.statusCode, body: envelope ?? text.slice(0, 2000) },
        classification: classifyResponse(res.statusCode, envelope, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
      };
    } catch (error) {
      return { request: redactedRequest, response: null, classification: classifyNetworkError(error as Error) };
    }
  }

  return {
    call,
    sendEvents: (target, hits, callOptions) =>
      hits.length === 1 ? call(target, 'hit/event', { ...hits[0] }, callOptions) : call(target, 'hit/events', { events: hits }, callOptions),
    close: () => agent.close(),
  };
}

/** Defence in depth: should any answer ever echo the token, it is cut out before anything else sees it. */
export function redact(text: string, secret: string): string {
  return secret ? text.split(secret).join(REDACTED) : text;
}
