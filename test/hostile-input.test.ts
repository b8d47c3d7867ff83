import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { buildIngestApi } from '../api/ingest';
import { createDeliveryClient } from '../client';
import { MARKETING_GRANTED, WRITE_KEY, historyStrings, startTestStack, type TestStack } from './harness';
import { startTcpProxy } from './tcp-proxy';

/**
 * Input that used to poison a delivery later (a workflow retried for ever, a 503 clients retry for ever) is refused
 * at the door with a 4xx naming the field, and never costs the valid events beside it.
 */

const HOOKS = { name: 'main', auth: { type: 'bearer', token: 'hostile-hooks-token-8c1f0' } } as const;

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { XTREMEPUSH_WEBHOOKS: JSON.stringify([HOOKS]) } });
});
after(async () => {
  await stack?.close();
});

const raw = (path: string, body: string, authorization = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`) =>
  fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });

describe('the ingest API', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a NUL byte in userId', JSON.stringify({ userId: 'crm-\u0000', event: 'Signed Up' }), /^userId: contains a NUL character/],
    ['a NUL byte in traits', JSON.stringify({ userId: 'crm-1', traits: { name: 'a\u0000b' } }), /^traits\.name: contains a NUL character/],
    ['a lone surrogate in traits', '{"userId":"crm-1","traits":{"name":"\\ud800"}}', /^traits\.name: is not valid Unicode/],
    ['a lone surrogate in messageId', '{"userId":"crm-1","event":"Signed Up","messageId":"m-\\udc00"}', /^messageId: is not valid Unicode/],
    [
      'a __proto__ property',
      '{"userId":"crm-1","event":"Signed Up","properties":{"__proto__":{"x":1}}}',
      /^properties\.__proto__: the property name __proto__ is not allowed/,
    ],
    [
      'JSON nested 20,000 deep',
      `{"userId":"crm-1","event":"x","properties":{"deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
      /nested deeper than 32 levels|not valid JSON/,
    ],
  ];
  for (const [name, body, problem] of cases) {
    test(`${name}: 4xx naming it`, async () => {
      const path = name.includes('traits') ? '/v1/identify' : '/v1/track';
      const res = await raw(path, body);
      assert.ok(res.status >= 400 && res.status < 500, `answered ${res.status}`);
      const answer = (await res.json()) as { problems?: string[]; error: string };
      assert.match(answer.problems?.[0] ?? answer.error, problem);
    });
  }

  test('the same inputs in a batch: each is rejected by index, the valid events beside them are delivered', async () => {
    const userId = `hostile-batch-${Date.now()}`;
    const body = `{"batch":[
      {"type":"track","userId":"${userId}","event":"Signed Up","context":${JSON.stringify(MARKETING_GRANTED)}},
      {"type":"track","userId":"crm-\\u0000","event":"Signed Up"},
      {"type":"identify","userId":"crm-1","traits":{"name":"\\ud800"}},
      {"type":"track","userId":"crm-1","event":"Signed Up","properties":{"__proto__":{"polluted":true}}},
      {"type":"page","userId":"${userId}","name":"Home","context":${JSON.stringify(MARKETING_GRANTED)}}
    ]}`;
    const res = await raw('/v1/batch', body);
    assert.equal(res.status, 200);
    const answer = (await res.json()) as { deliveries: Array<{ workflowId: string }>; rejected: Array<{ index: number }> };
    assert.deepEqual(
      answer.rejected.map((r) => r.index),
      [1, 2, 3],
    );
    await Promise.all(answer.deliveries.map((d) => stack.service.deliveries.result(d.workflowId)));
    assert.deepEqual(
      stack.simulator
        .hits({ user_id: userId })
        .map((h) => h.event)
        .sort(),
      ['page_view', 'sign_up'],
    );
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('a writeKey sent in the body never reaches workflow history', async () => {
    const res = await raw('/v1/track', JSON.stringify({ writeKey: WRITE_KEY, userId: `wk-${Date.now()}`, event: 'Signed Up', context: MARKETING_GRANTED }), '');
    assert.equal(res.status, 200);
    const { deliveries } = (await res.json()) as { deliveries: Array<{ workflowId: string }> };
    await stack.service.deliveries.result(deliveries[0]!.workflowId);
    const history = await stack.service.client.workflow.getHandle(deliveries[0]!.workflowId).fetchHistory();
    const strings = historyStrings(history).join('\n');
    assert.match(strings, /Signed Up/);
    assert.ok(!strings.includes(WRITE_KEY), 'the write key is in the history');
  });
});

describe('the webhook receiver', () => {
  const post = (path: string, body: string) => raw(path, body, `Bearer ${HOOKS.auth.token}`);

  test("a NUL in a message event's error_message: 400 naming it, nothing recorded", async () => {
    const res = await post(
      '/webhooks/xtremepush/main',
      JSON.stringify({ event: 'message_failure', time: 1767225600, properties: { error_message: 'bounce\u0000' } }),
    );
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /properties\.error_message: contains a NUL character/);
  });

  test('a lone surrogate in a channel webhook body: 400 naming it', async () => {
    const res = await post('/webhooks/xtremepush/main/channel', '{"campaign":"x","note":"\\udfff"}');
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /note: is not valid Unicode/);
  });
});

describe('a request retried after Temporal failed part-way through it', () => {
  test('starts nothing twice, also for events sent without a messageId', async () => {
    // The API's own connection to Temporal goes through a proxy that is cut in the middle of a batch's starts.
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(stack.env.TEMPORAL_ADDRESS!.split(':')[1]) }, { bytesPerSecond: 40_000 });
    const connection = await Connection.connect({ address: proxy.address });
    const deliveries = createDeliveryClient({
      client: new Client({ connection }),
      taskQueue: stack.env.TEMPORAL_TASK_QUEUE!,
      integrations: [{ id: 'xtremepush', region: 'eu' }],
      retry: { initialIntervalMs: 100, maximumIntervalMs: 1000, horizonMs: 60_000, attemptTimeoutMs: 2000 },
      holdWindowMs: 60_000,
      startTimeoutMs: 20_000,
      identityStore: stack.service.identityStore!,
    });
    const api = buildIngestApi({ deliveries, writeKeys: [WRITE_KEY], logger: pino({ level: 'silent' }), ready: async () => true });
    try {
      const users = Array.from({ length: 40 }, (_, i) => `partial-${Date.now()}-${i}`);
      const payload = { batch: users.map((userId) => ({ type: 'track', userId, event: 'Signed Up', context: MARKETING_GRANTED })) };
      const send = () =>
        api.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` }, payload });
      proxy.cutAfter(40_000);
      const first = await send();
      assert.equal(first.statusCode, 503, first.body);
      proxy.heal();
      let retried = await send();
      for (let i = 0; retried.statusCode === 503 && i < 20; i++) retried = await send();
      assert.equal(retried.statusCode, 200, retried.body);
      const answer = retried.json() as { deliveries: Array<{ workflowId: string; duplicate: boolean }> };
      await Promise.all(answer.deliveries.map((d) => stack.service.deliveries.result(d.workflowId)));
      for (const userId of users) assert.equal(stack.simulator.hits({ user_id: userId }).length, 1, `${userId} was delivered once`);
      const again = answer.deliveries.filter((d) => d.duplicate).length;
      assert.ok(again > 0 && again < users.length, `the first attempt started ${again} of the ${users.length} deliveries: the cut was not part-way`);
    } finally {
      await api.close();
      await connection.close();
      await proxy.close();
    }
  });
});
