import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { classifyNetworkError, classifyResponse, isRetryable, parseRetryAfter, type Classification } from './classify';

type Failed = Extract<Classification, { outcome: 'failed' }>;

function failed(c: Classification): Failed {
  assert.equal(c.outcome, 'failed', `expected a failure, got ${JSON.stringify(c)}`);
  return c as Failed;
}

const OK = { success: true, code: 200 };

describe('classifyResponse', () => {
  test('200 with an envelope is accepted', () => {
    assert.deepEqual(classifyResponse(200, OK), { outcome: 'accepted', code: 200 });
  });

  test('200 without a JSON envelope is transient and retryable', () => {
    const c = failed(classifyResponse(200, null));
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.retryable, true);
    assert.equal(c.code, 200);
    assert.match(c.message, /without a JSON envelope/);
  });

  test('HTTP 400 is bad_request and not retryable; the Xtremepush message is quoted', () => {
    const c = failed(classifyResponse(400, { success: false, code: 400, message: 'user_id is required' }));
    assert.equal(c.failureClass, 'bad_request');
    assert.equal(c.retryable, false);
    assert.equal(c.code, 400);
    assert.match(c.message, /Xtremepush said: user_id is required/);
  });

  test('HTTP 200 with {success:false, code:400} is bad_request, code 400, not retryable', () => {
    const c = failed(classifyResponse(200, { success: false, code: 400 }));
    assert.equal(c.failureClass, 'bad_request');
    assert.equal(c.retryable, false);
    assert.equal(c.code, 400);
  });

  test('HTTP 200 with {success:false, code:401} is auth', () => {
    const c = failed(classifyResponse(200, { success: false, code: 401 }));
    assert.equal(c.failureClass, 'auth');
    assert.equal(c.code, 401);
  });

  test('422 is bad_request', () => {
    assert.equal(failed(classifyResponse(422, null)).failureClass, 'bad_request');
  });

  for (const status of [401, 403]) {
    test(`${status} is auth, not retryable, and the message mentions the region and OAuth`, () => {
      const c = failed(classifyResponse(status, { success: false, code: status }));
      assert.equal(c.failureClass, 'auth');
      assert.equal(c.retryable, false);
      assert.equal(c.code, status);
      assert.match(c.message, /region/i);
      assert.match(c.message, /OAuth/);
      assert.match(c.message, /npm run cli -- doctor/);
    });
  }

  for (const status of [404, 405, 410]) {
    test(`${status} is configuration and not retryable`, () => {
      const c = failed(classifyResponse(status, null));
      assert.equal(c.failureClass, 'configuration');
      assert.equal(c.retryable, false);
      assert.equal(c.code, status);
      assert.match(c.message, /XTREMEPUSH_API_BASE_URL/);
    });
  }

  test('413 is payload_too_large and not retryable', () => {
    const c = failed(classifyResponse(413, null));
    assert.equal(c.failureClass, 'payload_too_large');
    assert.equal(c.retryable, false);
  });

  for (const status of [429, 408]) {
    test(`${status} is throttled, retryable, with retryAfterMs from "Retry-After: 7"`, () => {
      const c = failed(classifyResponse(status, null, '7'));
      assert.equal(c.failureClass, 'throttled');
      assert.equal(c.retryable, true);
      assert.equal(c.code, status);
      assert.equal(c.retryAfterMs, 7000);
    });
  }

  test('429 without Retry-After has no retryAfterMs', () => {
    const c = failed(classifyResponse(429, null));
    assert.equal(c.failureClass, 'throttled');
    assert.equal(c.retryAfterMs, undefined);
  });

  test('429 with Retry-After as an HTTP date in the future gives a positive delay up to that date', () => {
    const header = new Date(Date.now() + 3_600_000).toUTCString();
    const c = failed(classifyResponse(429, null, header));
    assert.ok(c.retryAfterMs !== undefined && c.retryAfterMs > 3_500_000 && c.retryAfterMs <= 3_600_000, String(c.retryAfterMs));
  });

  test('429 with Retry-After as an HTTP date in the past gives 0', () => {
    const c = failed(classifyResponse(429, null, 'Wed, 21 Oct 2015 07:28:00 GMT'));
    assert.equal(c.retryAfterMs, 0);
  });

  for (const status of [500, 502, 503]) {
    test(`${status} is transient and retryable`, () => {
      const c = failed(classifyResponse(status, null));
      assert.equal(c.failureClass, 'transient');
      assert.equal(c.retryable, true);
      assert.equal(c.code, status);
      assert.match(c.message, /HTTP \d{3}/);
    });
  }

  test('an HTTP error status wins over a successful-looking envelope', () => {
    const c = failed(classifyResponse(503, OK));
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.code, 503);
  });

  test('another 4xx is bad_request (not retried)', () => {
    const c = failed(classifyResponse(409, null));
    assert.equal(c.failureClass, 'bad_request');
    assert.equal(c.retryable, false);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-06-06T11:36:00Z');

  test('delta-seconds', () => {
    assert.equal(parseRetryAfter('7', now), 7000);
    assert.equal(parseRetryAfter(' 120 ', now), 120_000);
    assert.equal(parseRetryAfter('0', now), 0);
  });

  test('an HTTP date, relative to now', () => {
    assert.equal(parseRetryAfter('Sat, 06 Jun 2026 11:36:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Sat, 06 Jun 2026 11:00:00 GMT', now), 0);
  });

  test('absent or unparseable gives undefined', () => {
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
    assert.equal(parseRetryAfter('soon', now), undefined);
  });
});

describe('classifyNetworkError', () => {
  test('a refused connection is transient, retryable, without a code, naming the error code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const c = failed(classifyNetworkError(error));
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.retryable, true);
    assert.equal(c.code, null);
    assert.match(c.message, /ECONNREFUSED/);
  });

  test('an error without a code is named by its name', () => {
    const error = new Error('socket closed');
    error.name = 'SocketError';
    assert.match(failed(classifyNetworkError(error)).message, /SocketError/);
  });

  test('a timeout says "timed out", not its DOMException code', () => {
    const error = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError', code: 23 });
    const c = failed(classifyNetworkError(error));
    assert.equal(c.failureClass, 'transient');
    assert.match(c.message, /timed out/);
    assert.doesNotMatch(c.message, /23/);
  });
});

describe('isRetryable', () => {
  test('only throttled and transient are retried', () => {
    assert.equal(isRetryable('throttled'), true);
    assert.equal(isRetryable('transient'), true);
    for (const cls of ['bad_request', 'auth', 'configuration', 'payload_too_large'] as const) assert.equal(isRetryable(cls), false, cls);
  });
});
