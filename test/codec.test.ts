import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { MARKETING_GRANTED, historyStrings, send, startTestStack, type TestStack } from './harness';

const KEY = { id: 'test-key', key: randomBytes(32) };
const TOKEN = `codec-token-${randomUUID()}`;
const UI_ORIGIN = 'http://127.0.0.1:8233';
const USER_ID = `crm-codec-${randomUUID().slice(0, 8)}`;
const EMAIL = `${USER_ID}@example.com`;

let stack: TestStack;
/** The histories of the identify and the track delivery, as Temporal stores them (fetched by the first test). */
let rawHistories: History[];

before(async () => {
  stack = await startTestStack({ env: { PAYLOAD_ENCRYPTION_KEYS: `${KEY.id}:${KEY.key.toString('base64')}`, CODEC_SERVER_TOKEN: TOKEN } });
});
after(async () => {
  await stack?.close();
});

/** Every payload object in a history: anything with bytes `data` and a `metadata` map. */
function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (Array.isArray(value)) value.forEach((v) => payloadsIn(v, out));
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const candidate = value as Payload;
    if (candidate.data instanceof Uint8Array && candidate.metadata && typeof candidate.metadata === 'object') out.push(candidate);
    else Object.values(value).forEach((v) => payloadsIn(v, out));
  }
  return out;
}

const encrypted = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString() === 'binary/encrypted';
const toJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

function codecRequest(action: 'decode' | 'encode', body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${stack.apiUrl}/codec/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}

describe('payload encryption', () => {
  test('the email flows through the workflows to Xtremepush, yet appears nowhere in the stored history', async () => {
    const identifyId = await send(stack, '/v1/identify', { userId: USER_ID, traits: { email: EMAIL, firstName: 'Jane' }, context: MARKETING_GRANTED });
    await stack.service.deliveries.result(identifyId);
    const trackId = await send(stack, '/v1/track', { userId: USER_ID, event: 'Order Completed', properties: { revenue: 5 }, context: MARKETING_GRANTED });
    const result = await stack.service.deliveries.result(trackId);
    assert.equal(result.outcome, 'delivered');
    assert.deepEqual(
      stack.simulator.hits({ user_id: USER_ID }).map((hit) => hit.user_attributes?.email),
      [EMAIL],
    );

    // A client without the codec: what anyone reading Temporal's storage (or the UI without the codec endpoint) sees.
    const plainClient = new Client({ connection: stack.service.client.connection, namespace: 'default' });
    rawHistories = await Promise.all([identifyId, trackId].map((id) => plainClient.workflow.getHandle(id).fetchHistory()));
    const rawText = historyStrings(rawHistories).join('\n');
    assert.ok(!rawText.includes(EMAIL), 'the plaintext email is in the stored history');
    // Search attributes and the local-activity markers' own bookkeeping stay plain (Temporal reads them); inputs and results do not.
    for (const history of rawHistories) {
      const events = history.events ?? [];
      const input = events.find((e) => e.workflowExecutionStartedEventAttributes)!.workflowExecutionStartedEventAttributes!.input!.payloads!;
      const output = events.find((e) => e.workflowExecutionCompletedEventAttributes)!.workflowExecutionCompletedEventAttributes!.result!.payloads!;
      assert.ok([...input, ...output].every(encrypted), 'workflow input and result are encrypted');
    }
    const payloads = payloadsIn(rawHistories);

    const decoded = await new AesGcmCodec([KEY]).decode(payloads);
    assert.ok(historyStrings(decoded).join('\n').includes(EMAIL), 'the history decoded through the codec holds the email');
  });
});

describe('codec endpoint', () => {
  const encryptedPayloads = () => payloadsIn(rawHistories).filter(encrypted).map(toJson);

  test('decodes for a caller with the bearer token, in the Web UI protocol', async () => {
    const payloads = encryptedPayloads();
    const res = await codecRequest('decode', { payloads }, { authorization: `Bearer ${TOKEN}`, origin: UI_ORIGIN });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), UI_ORIGIN);
    const body = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    assert.equal(body.payloads.length, payloads.length);
    const texts = body.payloads.map((p) => Buffer.from(p.data, 'base64').toString('utf8'));
    assert.ok(
      texts.some((t) => t.includes(EMAIL)),
      'the decoded payloads hold the email',
    );
    assert.ok(body.payloads.every((p) => Buffer.from(p.metadata.encoding!, 'base64').toString() !== 'binary/encrypted'));
  });

  test('encode gives payloads that decode back', async () => {
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from(JSON.stringify({ email: EMAIL })).toString('base64'),
    };
    const auth = { authorization: `Bearer ${TOKEN}` };
    const encodedRes = await codecRequest('encode', { payloads: [plain] }, auth);
    assert.equal(encodedRes.status, 200);
    const encoded = (await encodedRes.json()) as { payloads: unknown[] };
    assert.ok(!JSON.stringify(encoded).includes(Buffer.from(EMAIL).toString('base64')));
    const decoded = (await (await codecRequest('decode', encoded, auth)).json()) as { payloads: unknown[] };
    assert.deepEqual(decoded.payloads, [plain]);
  });

  test('a missing or wrong token is answered 401, with CORS headers so the Web UI can show why', async () => {
    const body = { payloads: encryptedPayloads() };
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }];
    for (const headers of attempts) {
      const res = await codecRequest('decode', body, { origin: UI_ORIGIN, ...headers });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('access-control-allow-origin'), UI_ORIGIN);
      assert.ok(!(await res.text()).includes(EMAIL));
    }
  });

  test('the token opens the codec endpoint only, not the ingest API', async () => {
    const res = await fetch(`${stack.apiUrl}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ userId: USER_ID, event: 'Signed Up' }),
    });
    assert.equal(res.status, 401);
  });

  test('CORS preflight from the Web UI origin is answered; another origin is refused', async () => {
    const preflight = (origin: string) =>
      fetch(`${stack.apiUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' },
      });
    for (const origin of [UI_ORIGIN, 'http://localhost:8233']) {
      const res = await preflight(origin);
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), origin);
      assert.equal(res.headers.get('access-control-allow-methods'), 'POST');
      assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization.*Content-Type.*X-Namespace/);
    }
    const other = await preflight('https://evil.example');
    assert.equal(other.status, 403);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
