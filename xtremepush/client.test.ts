import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../test/ports';
import { startSimulator, type Simulator } from '../simulator';
import { createXtremepushClient, redact, REDACTED, type XtremepushClient, type XtremepushExchange } from './client';
import type { EventHit } from './hit';

const TOKEN = 'tok-eu';
const HIT: EventHit = {
  user_id: 'crm-12345',
  event: 'purchase',
  timestamp: '2026-06-06 11:36:00 +00:00',
  user_attributes: { email: 'jane.doe@example.com' },
  value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
};

function failure(exchange: XtremepushExchange) {
  const c = exchange.classification;
  assert.equal(c.outcome, 'failed', `expected a failure, got ${JSON.stringify(exchange)}`);
  return c as Extract<typeof c, { outcome: 'failed' }>;
}

describe('createXtremepushClient against the simulator', () => {
  let sim: Simulator;
  let client: XtremepushClient;
  let target: { apiBaseUrl: string; appToken: string };

  before(async () => {
    sim = await startSimulator({ eu: { projects: [{ name: 'p', token: TOKEN }] } });
    client = createXtremepushClient({ timeoutMs: 300 });
    target = { apiBaseUrl: sim.urls.eu, appToken: TOKEN };
  });

  after(async () => {
    await client.close();
    await sim.close();
  });

  beforeEach(() => sim.reset());

  test('sendEvent delivers the hit with apptoken in the body', async () => {
    const exchange = await client.sendEvents(target, [HIT]);
    assert.deepEqual(exchange.classification, { outcome: 'accepted', code: 200 });
    const received = sim.received();
    assert.equal(received.length, 1);
    assert.equal(received[0]!.path, '/api/external/hit/event');
    assert.equal(received[0]!.method, 'POST');
    assert.deepEqual(received[0]!.body, { apptoken: TOKEN, ...HIT });
    const hits = sim.hits({ project: 'p' });
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.event, 'purchase');
    assert.equal(hits[0]!.user_id, 'crm-12345');
  });

  test('the exchange shows the request with the token redacted and never contains the token', async () => {
    const exchange = await client.sendEvents(target, [HIT]);
    assert.equal(exchange.request.url, `${sim.urls.eu}/api/external/hit/event`);
    assert.deepEqual(exchange.request.body, { apptoken: REDACTED, ...HIT });
    assert.equal(exchange.response?.status, 200);
    assert.equal(typeof exchange.response?.body, 'object');
    assert.equal(JSON.stringify(exchange).includes(TOKEN), false);
  });

  test('a 503 fault is transient and retryable', async () => {
    sim.failNext(1, { status: 503 });
    const c = failure(await client.sendEvents(target, [HIT]));
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.retryable, true);
    assert.equal(c.code, 503);
    assert.equal(sim.hits().length, 0);
  });

  test('a 429 fault with retryAfterSeconds is throttled with retryAfterMs', async () => {
    sim.failNext(1, { status: 429, retryAfterSeconds: 3 });
    const c = failure(await client.sendEvents(target, [HIT]));
    assert.equal(c.failureClass, 'throttled');
    assert.equal(c.retryable, true);
    assert.equal(c.code, 429);
    assert.equal(c.retryAfterMs, 3000);
  });

  test('an unknown token is auth, and the unknown token is not in the exchange', async () => {
    const exchange = await client.sendEvents({ apiBaseUrl: sim.urls.eu, appToken: 'not-a-token' }, [HIT]);
    const c = failure(exchange);
    assert.equal(c.failureClass, 'auth');
    assert.equal(c.retryable, false);
    assert.equal(c.code, 401);
    assert.equal(JSON.stringify(exchange).includes('not-a-token'), false);
  });

  test('an EU token sent to the US host is not accepted there by a read-only method (auth)', async () => {
    const exchange = await client.call({ apiBaseUrl: sim.urls.us, appToken: TOKEN }, 'list/profile-subscription', {
      condition: [['user_id', '=', 'x']],
    });
    assert.equal(failure(exchange).failureClass, 'auth');
  });

  test('a bad method path is configuration', async () => {
    const c = failure(await client.call(target, 'hit/evnet', {}));
    assert.equal(c.failureClass, 'configuration');
    assert.equal(c.code, 404);
  });

  test('a hit the simulator rejects as invalid is bad_request', async () => {
    const c = failure(await client.sendEvents(target, [{ ...HIT, user_id: '' }]));
    assert.equal(c.failureClass, 'bad_request');
    assert.equal(c.retryable, false);
  });

  test('an answer slower than timeoutMs is transient with no response', async () => {
    sim.failNext(1, { status: 200, delayMs: 2000 });
    const exchange = await client.sendEvents(target, [HIT]);
    assert.equal(exchange.response, null);
    const c = failure(exchange);
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.retryable, true);
    assert.equal(c.code, null);
  });

  test('a refused connection is transient with no response', async () => {
    const port = await freePort();
    const exchange = await client.sendEvents({ apiBaseUrl: `http://127.0.0.1:${port}`, appToken: TOKEN }, [HIT]);
    assert.equal(exchange.response, null);
    const c = failure(exchange);
    assert.equal(c.failureClass, 'transient');
    assert.equal(c.code, null);
    assert.equal(JSON.stringify(exchange).includes(TOKEN), false);
  });

  test('call() reaches a read-only method: list/profile-subscription', async () => {
    await client.sendEvents(target, [{ ...HIT, user_id: 'x' }]);
    const exchange = await client.call(target, 'list/profile-subscription', { condition: [['user_id', '=', 'x']] });
    assert.deepEqual(exchange.classification, { outcome: 'accepted', code: 200 });
    assert.equal(exchange.request.url, `${sim.urls.eu}/api/external/list/profile-subscription`);
    assert.deepEqual(exchange.request.body, { apptoken: REDACTED, condition: [['user_id', '=', 'x']] });
    const last = sim.received().at(-1)!;
    assert.equal(last.path, '/api/external/list/profile-subscription');
    assert.deepEqual(last.body, { apptoken: TOKEN, condition: [['user_id', '=', 'x']] });
    const body = exchange.response?.body;
    assert.ok(body && typeof body === 'object');
    const data = body.data as Array<{ user_id: string; user_attributes: Record<string, unknown> }>;
    assert.equal(data.length, 1);
    assert.equal(data[0]!.user_id, 'x');
    assert.deepEqual(data[0]!.user_attributes, { email: 'jane.doe@example.com' });
  });

  test('a response echoing the token is redacted', async () => {
    sim.failNext(1, { status: 500, body: { success: false, code: 500, message: `bad token ${TOKEN}` } });
    const exchange = await client.sendEvents(target, [HIT]);
    assert.equal(failure(exchange).failureClass, 'transient');
    assert.equal(JSON.stringify(exchange).includes(TOKEN), false);
    assert.match(JSON.stringify(exchange.response), /\[redacted\]/);
  });
});

describe('createXtremepushClient against a simulator answering errors in the envelope', () => {
  test('HTTP 200 with {success:false, code:401} for an unknown token is auth', async () => {
    const sim = await startSimulator({ errorStyle: 'envelope', eu: { projects: [{ name: 'p', token: TOKEN }] } });
    const client = createXtremepushClient({ timeoutMs: 2000 });
    try {
      const exchange = await client.sendEvents({ apiBaseUrl: sim.urls.eu, appToken: 'wrong' }, [HIT]);
      assert.equal(exchange.response?.status, 200);
      const c = failure(exchange);
      assert.equal(c.failureClass, 'auth');
      assert.equal(c.code, 401);
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe('redact', () => {
  test('cuts every occurrence of the secret', () => {
    assert.equal(redact('a tok b tok', 'tok'), `a ${REDACTED} b ${REDACTED}`);
  });

  test('an empty secret leaves the text alone', () => {
    assert.equal(redact('abc', ''), 'abc');
  });
});
