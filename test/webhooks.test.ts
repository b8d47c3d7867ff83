import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { messageEventKey } from '../client';
import { sampleMessageEvent } from '../cli/commands/webhook';
import { historyStrings, runCli, send, startTestStack, type TestStack } from './harness';
import { storeReads } from './store-reads';

const BASIC = { name: 'main', auth: { type: 'basic', username: 'xp-hooks', password: 'basic-secret-7f3a' } } as const;
const BEARER = { name: 'failures', auth: { type: 'bearer', token: 'bearer-secret-token-91c2d' } } as const;
const basic = `Basic ${Buffer.from(`${BASIC.auth.username}:${BASIC.auth.password}`).toString('base64')}`;
const bearer = `Bearer ${BEARER.auth.token}`;

let stack: TestStack;
before(async () => {
  stack = await startTestStack({
    env: { XTREMEPUSH_WEBHOOKS: JSON.stringify([BASIC, BEARER]), XTREMEPUSH_CONSENT_WHEN_MISSING: 'grant' },
  });
});
after(async () => {
  await stack?.close();
});

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;

async function postWebhook(path: string, body: unknown, authorization?: string) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

const recorded = (workflowId: string) => stack.service.client.workflow.getHandle(workflowId).result();
const reads = () => storeReads(stack.service.identityStore!);

describe('authentication', () => {
  test('valid Basic and Bearer calls are accepted and recorded', async () => {
    const userId = id('user');
    const viaBasic = await postWebhook('/webhooks/xtremepush/main', sampleMessageEvent('message_send', userId), basic);
    const viaBearer = await postWebhook('/webhooks/xtremepush/failures', sampleMessageEvent('message_failure', userId, Date.now() + 1000), bearer);
    assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body));
    assert.equal(viaBearer.status, 200, JSON.stringify(viaBearer.body));
    await Promise.all([recorded(viaBasic.body.workflowId), recorded(viaBearer.body.workflowId)]);
    const events = await reads().listMessageEvents(userId);
    assert.deepEqual(events.map((e) => e.event).sort(), ['message_failure', 'message_send']);
    const failure = events.find((e) => e.event === 'message_failure')!;
    assert.equal(failure.errorMessage, 'Mailbox unavailable (sample)');
    assert.equal(failure.campaignId, '1001');
    assert.equal(failure.messageType, 'email');
    const description = await stack.service.client.workflow.getHandle(viaBearer.body.workflowId).describe();
    assert.equal(description.searchAttributes.XpErrorMessage?.[0], 'Mailbox unavailable (sample)');
  });

  test('wrong, missing or malformed credentials get the same 401, revealing nothing', async () => {
    const body = sampleMessageEvent('message_send', id('user'));
    const attempts = [
      undefined,
      `Basic ${Buffer.from(`${BASIC.auth.username}:wrong-password`).toString('base64')}`,
      `Basic ${Buffer.from(`someone-else:${BASIC.auth.password}`).toString('base64')}`,
      'Basic not-base64!!',
      bearer, // the other connection's credentials
      'Bearer',
      'garbage',
    ];
    const answers = await Promise.all(attempts.map((authorization) => postWebhook('/webhooks/xtremepush/main', body, authorization)));
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, answers[0]!.body);
      assert.equal(answer.headers.get('www-authenticate'), 'Basic realm="xtremepush-webhooks"');
    }
    assert.equal((await reads().listMessageEvents(body.properties.user_id)).length, 0);
  });

  test('credentials are checked before the body is read: bad JSON or an oversized body without them is a 401', async () => {
    const wrong = `Bearer ${'x'.repeat(20)}`;
    const notJson = await postWebhook('/webhooks/xtremepush/main', '{"event": ', wrong);
    const tooLarge = await postWebhook('/webhooks/xtremepush/main', { blob: 'x'.repeat(300 * 1024) });
    for (const answer of [notJson, tooLarge]) {
      assert.equal(answer.status, 401);
      assert.match(answer.body.error, /authentication failed/);
    }
  });

  test('an unknown connection is answered 404 in plain words', async () => {
    const res = await postWebhook('/webhooks/xtremepush/nope', sampleMessageEvent('message_send', id('user')), basic);
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'no webhooks connection named "nope" is configured on this receiver');
  });
});

describe('bodies', () => {
  test('a malformed body is answered 400 in plain words and nothing is recorded', async () => {
    const userId = id('user');
    const bad = await postWebhook('/webhooks/xtremepush/main', { event: 'message_send', time: 'yesterday', properties: { user_id: userId } }, basic);
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /time: must be a UNIX timestamp in seconds/);
    // Valid but for one property: the workflow it would have started has a known id, and must not exist.
    const valid = { event: 'message_send', time: 1767225600, properties: { user_id: userId, campaign_id: 7 } };
    const badType = await postWebhook('/webhooks/xtremepush/main', { ...valid, properties: { ...valid.properties, message_type: ['email'] } }, basic);
    assert.equal(badType.status, 400);
    assert.match(badType.body.error, /^invalid message event: properties\.message_type: /);
    await assert.rejects(stack.service.client.workflow.getHandle(`webhook-main-${messageEventKey('main', valid)}`).describe(), WorkflowNotFoundError);
    const milliseconds = await postWebhook('/webhooks/xtremepush/main', { ...valid, time: Date.now() }, basic);
    assert.equal(milliseconds.status, 400);
    assert.match(milliseconds.body.error, /time: must be a UNIX timestamp in seconds, not milliseconds/);
    const notJson = await postWebhook('/webhooks/xtremepush/main', '{"event": ', basic);
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error, /JSON/);
    const tooLarge = await postWebhook('/webhooks/xtremepush/main', { event: 'x', time: 1, properties: { blob: 'x'.repeat(300 * 1024) } }, basic);
    assert.equal(tooLarge.status, 413);
    assert.equal((await reads().listMessageEvents(userId)).length, 0);
  });

  test('null properties and numeric ids are accepted: columns hold strings, the body is kept as received', async () => {
    const userId = id('user');
    const body = {
      event: 'message_send',
      time: 1767225600,
      properties: { user_id: userId, campaign_id: 123, profile_id: 987654, device_id: null, error_message: null },
    };
    const res = await postWebhook('/webhooks/xtremepush/main', body, basic);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await recorded(res.body.workflowId);
    const [event] = await reads().listMessageEvents(userId);
    assert.equal(event!.campaignId, '123');
    assert.equal(event!.profileId, '987654');
    assert.equal(event!.errorMessage, null);
    assert.deepEqual(event!.body, body);
    const { searchAttributes } = await stack.service.client.workflow.getHandle(res.body.workflowId).describe();
    assert.deepEqual(searchAttributes.XpCampaignId, ['123']);
  });

  test('an unknown event name is accepted and kept with its extra properties', async () => {
    const userId = id('user');
    const body = { event: 'message_snoozed', time: 1767225600, properties: { user_id: userId, snooze_minutes: 30 }, extra: { nested: true } };
    const res = await postWebhook('/webhooks/xtremepush/main', body, basic);
    assert.equal(res.status, 200);
    await recorded(res.body.workflowId);
    const [event] = await reads().listMessageEvents(userId);
    assert.equal(event!.event, 'message_snoozed');
    assert.deepEqual(event!.body, body);
  });

  test('a redelivered webhook is recorded once', async () => {
    const userId = id('user');
    const body = sampleMessageEvent('message_delivery', userId);
    const first = await postWebhook('/webhooks/xtremepush/main', body, basic);
    await recorded(first.body.workflowId);
    const again = await Promise.all([1, 2, 3].map(() => postWebhook('/webhooks/xtremepush/main', body, basic)));
    assert.ok(again.every((a) => a.status === 200 && a.body.workflowId === first.body.workflowId && a.body.duplicate === true));
    assert.equal((await reads().listMessageEvents(userId)).length, 1);
  });

  test('a webhook channel call is kept as it came', async () => {
    const body = { campaign: 'Spring sale', recipients: [{ id: 1, tags: ['vip'] }], note: null };
    const res = await postWebhook('/webhooks/xtremepush/main/channel', body, basic);
    assert.equal(res.status, 200);
    await recorded(res.body.workflowId);
    const stored = await reads().getChannelWebhook(res.body.workflowId.replace('webhook-channel-main-', ''));
    assert.deepEqual(stored, body);
  });
});

describe('search attributes', () => {
  test("a failure's error_message is searchable without the addresses, numbers and ids in it", async () => {
    const userId = id('crm');
    const properties = { user_id: userId, email: 'jane.doe@example.com', message_type: 'email', campaign_id: '55' };
    const errorMessage = `550 <jane.doe@example.com> rejected; forwarded to bob@example.org, SMS +353 86 123 4567 failed for ${userId}`;
    const res = await postWebhook(
      '/webhooks/xtremepush/failures',
      { event: 'message_failure', time: 1767225600, properties: { ...properties, error_message: errorMessage } },
      bearer,
    );
    await recorded(res.body.workflowId);
    const { searchAttributes } = await stack.service.client.workflow.getHandle(res.body.workflowId).describe();
    assert.deepEqual(searchAttributes.XpErrorMessage, ['550 <[redacted]> rejected; forwarded to [email], SMS [phone] failed for [redacted]']);
    assert.equal((await reads().listMessageEvents(userId))[0]!.errorMessage, errorMessage, 'the store keeps it whole');
  });
});

describe('feedback into deliveries', () => {
  test('an unsubscribe revokes marketing consent: a later marketing track is dropped and nothing is sent', async () => {
    const userId = id('crm');
    const before = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Signed Up', timestamp: '2026-01-01T00:00:00Z' }));
    assert.equal(before.outcome, 'delivered', 'consent counts as granted when missing in this stack');

    const unsubscribe = {
      event: 'message_unsubscribe',
      time: Math.floor(Date.parse('2026-02-01T00:00:00Z') / 1000),
      properties: { user_id: userId, message_type: 'email' },
    };
    const res = await postWebhook('/webhooks/xtremepush/main', unsubscribe, basic);
    assert.deepEqual(await recorded(res.body.workflowId), { userId, consentRevoked: ['marketing'], consentGranted: [] });
    assert.deepEqual(await reads().getConsent(userId), { marketing: false });

    const after = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Product Viewed', timestamp: '2026-03-01T00:00:00Z' }));
    assert.equal(after.outcome === 'dropped' && after.reason, 'consent');
    assert.deepEqual(
      stack.simulator.hits({ user_id: userId }).map((h) => h.event),
      ['sign_up'],
    );
  });
});

describe('load and secrets', () => {
  test('1,000 webhooks sent concurrently are all answered 200 and all recorded, once each', async (t) => {
    const started = Date.now();
    const userId = id('bulk');
    const base = Date.now();
    let retried = 0;
    // As a sender does: a 503 (Temporal did not take the start in time, e.g. on a busy machine) is sent again after
    // its Retry-After. A redelivered webhook must still be recorded once.
    const deliver = async (body: unknown) => {
      for (let attempt = 1; ; attempt++) {
        const answer = await postWebhook('/webhooks/xtremepush/failures', body, bearer);
        if (answer.status !== 503 || attempt === 5) return answer;
        assert.ok(answer.headers.get('retry-after'), 'a 503 says when to retry');
        retried += 1;
        await sleep(Number(answer.headers.get('retry-after')) * 1000);
      }
    };
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        deliver({ event: 'message_open', time: Math.floor(base / 1000) + i, properties: { user_id: userId, campaign_id: i } }),
      ),
    );
    assert.deepEqual(
      answers.filter((a) => a.status !== 200).map((a) => a.status),
      [],
    );
    await Promise.all(answers.map((a) => recorded(a.body.workflowId)));
    assert.equal((await reads().listMessageEvents(userId, { limit: 2000 })).length, 1000);
    t.diagnostic(
      `1,000 concurrent webhooks answered and recorded in ${Date.now() - started} ms, ${retried} of them retried after a 503 (2-core machine, dev server)`,
    );
  });

  test('webhook credentials appear in no history and no log', async () => {
    const res = await postWebhook('/webhooks/xtremepush/main', sampleMessageEvent('message_click', id('user')), basic);
    await recorded(res.body.workflowId);
    const text = historyStrings(await stack.service.client.workflow.getHandle(res.body.workflowId).fetchHistory()).join('\n');
    assert.match(text, /message_click/);
    for (const secret of [BASIC.auth.password, BEARER.auth.token, basic.slice(6)]) {
      assert.ok(!text.includes(secret), 'a credential is in the history');
      assert.ok(!stack.logs.join('').includes(secret), 'a credential is in the logs');
    }
  });
});

describe('send-sample command', () => {
  test('succeeds against the running receiver, and fails with advice on wrong credentials', async () => {
    const url = `${stack.apiUrl}/webhooks/xtremepush/main`;
    const ok = await runCli(
      [
        'webhook',
        'send-sample',
        '--url',
        url,
        '--auth',
        'basic',
        '--username',
        BASIC.auth.username,
        '--password',
        BASIC.auth.password,
        '--user-id',
        'sample-cli',
      ],
      {},
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /HTTP 200/);
    const wrong = await runCli(['webhook', 'send-sample', '--url', url, '--auth', 'bearer', '--token', 'not-the-token'], {});
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /HTTP 401/);
    assert.match(wrong.stderr, /use the same --auth and credentials/);
  });

  test('a missing credential is named before anything is sent', async () => {
    const url = `${stack.apiUrl}/webhooks/xtremepush/main`;
    const res = await runCli(['webhook', 'send-sample', '--url', url, '--auth', 'basic', '--username', BASIC.auth.username], {});
    assert.equal(res.code, 1);
    assert.match(res.stderr, /--auth basic needs --password/);
    assert.equal(res.stdout, '');
  });
});
