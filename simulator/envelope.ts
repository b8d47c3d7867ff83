/** The External API response envelope and the simulator's answers, in one place. */

export interface Envelope {
  code: number;
  success: boolean;
  message?: string;
  errors?: string[];
  data?: unknown;
  model?: string;
}

/** The outcome of one External API request, before the error style is applied. */
export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function ok(data?: unknown): Answer {
  const body: Envelope = { code: 200, success: true };
  if (data !== undefined) body.data = data;
  return { status: 200, body };
}

export function fail(code: number, message: string, errors?: string[], headers?: Record<string, string>): Answer {
  const body: Envelope = { code, success: false, message };
  if (errors && errors.length > 0) body.errors = errors;
  return headers ? { status: code, body, headers } : { status: code, body };
}

export const answers = {
  noAuthentication: () => fail(400, 'No authentication given: apptoken is required in the request body', ['apptoken is required']),
  authenticationFailed: () => fail(401, 'Authentication failed: the app token is not valid'),
  oauthOnly: () => fail(403, 'API access by app token is not authorised for this project: the project uses OAuth 2.0 only'),
  badUri: (path: string) => fail(404, `Bad URI: ${path} is not an External API method`),
  methodNotAllowed: (method: string) => fail(405, `Method not allowed: ${method}; External API methods only accept POST`, undefined, { Allow: 'POST' }),
  malformedBody: () => fail(400, 'Malformed request: the body must be valid JSON', ['body is not valid JSON']),
  bodyNotObject: () => fail(400, 'Malformed request: the body must be a JSON object', ['body must be a JSON object']),
  bodyTooLarge: () => fail(413, `Request body too large: the limit is ${MAX_BODY_BYTES} bytes`),
  rateLimited: () =>
    fail(429, 'Rate limit exhausted: too many requests for this project, retry after 1 second', undefined, {
      'Retry-After': '1',
    }),
  invalid: (errors: string[]) => fail(400, `Invalid request: ${errors.join('; ')}`, errors),
  internal: () => fail(500, 'Internal simulator error'),
};

/** Statuses that the 'envelope' error style answers with HTTP 200 (code kept in the body). */
const ENVELOPED_STATUSES = new Set([400, 401, 403]);

export function applyErrorStyle(answer: Answer, style: 'http' | 'envelope'): Answer {
  if (style === 'envelope' && ENVELOPED_STATUSES.has(answer.status)) return { ...answer, status: 200 };
  return answer;
}
