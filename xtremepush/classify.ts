import type { Envelope } from './envelope';

/** Every way a call to Xtremepush can end, each with its own retry policy (see README, "Failure classes"). */
export type FailureClass = 'bad_request' | 'auth' | 'configuration' | 'payload_too_large' | 'throttled' | 'transient';

export type Classification =
  | { outcome: 'accepted'; code: number }
  | { outcome: 'failed'; failureClass: FailureClass; retryable: boolean; code: number | null; retryAfterMs?: number; message: string };

const HINTS: Record<FailureClass, string> = {
  bad_request: 'Xtremepush rejected the event as malformed: check that user_id and event are present and the body is valid.',
  auth: 'Xtremepush refused the App Token: it is wrong, belongs to the other region (EU/US), or the project is OAuth-only (created after June 2026). Run `npm run cli -- doctor` to find out which; re-copy the token from Settings > Integrations or fix the API base URL.',
  configuration:
    'The API base URL or method path is wrong, or the endpoint is turned off for this project: check XTREMEPUSH_API_BASE_URL (`npm run cli -- doctor` checks it).',
  payload_too_large: 'The event is too large for Xtremepush: reduce its properties or traits.',
  throttled: 'Xtremepush is rate-limiting this project; the delivery is retried after the delay it asked for.',
  transient: 'Xtremepush or the network failed temporarily; the delivery is retried with backoff.',
};

/** Classifies one HTTP exchange with Xtremepush. `code` in the envelope wins over the HTTP status when it reports a failure. */
export function classifyResponse(httpStatus: number, envelope: Envelope | null, retryAfterHeader?: string | null): Classification {
  const envelopeFailure = envelope?.success === false && envelope.code && envelope.code >= 400 ? envelope.code : null;
  const code = httpStatus >= 400 ? httpStatus : (envelopeFailure ?? httpStatus);
  if (code >= 200 && code < 300) {
    if (envelope === null) return failed('transient', code, 'Xtremepush answered without a JSON envelope');
    return { outcome: 'accepted', code };
  }
  const detail = envelope?.message ? `Xtremepush said: ${envelope.message}` : `HTTP ${code}`;
  switch (code) {
    case 400:
    case 422:
      return failed('bad_request', code, detail);
    case 401:
    case 403:
      return failed('auth', code, detail);
    case 404:
    case 405:
    case 410:
      return failed('configuration', code, detail);
    case 413:
      return failed('payload_too_large', code, detail);
    case 408:
    case 429:
      return { ...failed('throttled', code, detail), retryAfterMs: parseRetryAfter(retryAfterHeader) };
    default:
      return failed(code >= 500 ? 'transient' : 'bad_request', code, detail);
  }
}

/** Timeouts, refused connections and resets never reached a decision at Xtremepush: they are always retried. */
export function classifyNetworkError(error: Error): Classification {
  // An AbortSignal timeout carries DOMException code 23: its name says more.
  const reason = error.name === 'TimeoutError' ? 'timed out' : ((error as { code?: string }).code ?? error.name);
  return failed('transient', null, `no answer from Xtremepush (${reason})`);
}

export function isRetryable(failureClass: FailureClass): boolean {
  return failureClass === 'throttled' || failureClass === 'transient';
}

function failed(failureClass: FailureClass, code: number | null, detail: string): Extract<Classification, { outcome: 'failed' }> {
  return { outcome: 'failed', failureClass, retryable: isRetryable(failureClass), code, message: `${detail}. ${HINTS[failureClass]}` };
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
