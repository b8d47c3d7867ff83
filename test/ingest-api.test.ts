import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { buildIngestApi } from '../api/ingest';
import { createDeliveryClient } from '../client';
import { MARKETING_GRANTED, WRITE_KEY, startTestStack, type TestStack } from './harness';

const auth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.close();
});

test('an unknown or missing write key is answered 401', async () => {
  const event = { userId: 'u', event: 'Signed Up' };
  assert.equal((await stack.post('/v1/track', event, 'wrong-write-key')).status, 401);
  const res = await fetch(`${stack.apiUrl}/v1/track`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  assert.equal(res.status, 401);
});

test('the write key may also come in the body, as some SDKs send it', async () => {
  const res = await fetch(`${stack.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ writeKey: WRITE_KEY, userId: 'body-key', event: 'Signed Up', context: MARKETING_GRANTED }),
  });
  assert.equal(res.status, 200);
});

test('malformed JSON is answered 400, and text/plain JSON (beacons) is accepted', async () => {
  const bad = await fetch(`${stack.apiUrl}/v1/track`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth(WRITE_KEY) },
    body: '{"userId": ',
  });
  assert.equal(bad.status, 400);
  const plain = await fetch(`${stack.apiUrl}/v1/page`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', authorization: auth(WRITE_KEY) },
    body: JSON.stringify({ userId: 'beacon', name: 'Home' }),
  });
  assert.equal(plain.status, 200);
});

test('a body over the 500 KB limit is answered 413', async () => {
  const res = await stack.post('/v1/track', { userId: 'big', event: 'Signed Up', properties: { blob: 'x'.repeat(600 * 1024) } });
  assert.equal(res.status, 413);
});

test('when Temporal is unreachable the API answers 503 with Retry-After and accepts nothing', async () => {
  // A real client on a port where no Temporal listens: starting the workflow cannot succeed.
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
  const client = new Client({ connection });
  const deliveries = createDeliveryClient({
    client,
    taskQueue: 'unreachable',
    integrations: [{ id: 'xtremepush', region: 'eu' }],
    retry: { initialIntervalMs: 100, maximumIntervalMs: 1000, horizonMs: 60_000, attemptTimeoutMs: 1000 },
    holdWindowMs: 60_000,
    startTimeoutMs: 2000,
  });
  const api = buildIngestApi({ deliveries, writeKeys: [WRITE_KEY], logger: pino({ level: 'silent' }), ready: async () => false });
  try {
    const res = await api.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { 'content-type': 'application/json', authorization: auth(WRITE_KEY) },
      payload: { userId: 'u', event: 'Signed Up' },
    });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.json().success, false);
  } finally {
    await api.close();
    await connection.close().catch(() => undefined);
  }
});
