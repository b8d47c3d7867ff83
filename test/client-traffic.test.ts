import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deliveryStats } from '../client/stats';
import { eventually, runCli, send, startTestStack, type TestStack } from './harness';

/**
 * What real clients send every day: identify right before track, the `integrations` object, clocks that run fast or
 * lie, and the standing consent every event of a browser repeats, also after the user unsubscribed in an email.
 */

const HOOKS = { name: 'main', auth: { type: 'bearer', token: 'traffic-hooks-token-5d2e9' }, unsubscribeCategories: ['marketing'] } as const;

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { XTREMEPUSH_WEBHOOKS: JSON.stringify([HOOKS]) } });
});
after(async () => {
  await stack?.close();
});

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const result = async (body: Record<string, unknown>, path = '/v1/track') => stack.service.deliveries.result(await send(stack, path, body));
const outcome = async (body: Record<string, unknown>, path?: string) => {
  const r = await result(body, path);
  return r.outcome === 'dropped' ? `dropped: ${r.reason}` : r.outcome;
};
const granted = { consent: { categoryPreferences: { marketing: true } } };
const refused = { consent: { categoryPreferences: { marketing: false } } };

async function unsubscribe(userId: string, at = new Date()) {
  const res = await fetch(`${stack.apiUrl}/webhooks/xtremepush/${HOOKS.name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${HOOKS.auth.token}` },
    body: JSON.stringify({ event: 'message_unsubscribe', time: Math.floor(at.getTime() / 1000), properties: { user_id: userId, message_type: 'email' } }),
  });
  assert.equal(res.status, 200);
  await stack.service.client.workflow.getHandle(((await res.json()) as { workflowId: string }).workflowId).result();
}

describe('integrations', () => {
  test('All: false turns the delivery off, unless Xtremepush is named on', async () => {
    const userId = id('all');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted, integrations: { All: false } }), 'dropped: integrations_disabled');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted, integrations: { All: false, Xtremepush: true } }), 'delivered');
    assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);
  });

  test('Xtremepush: false, or the integration named by its id, turns it off; the consent store is not touched', async () => {
    const userId = id('named');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: refused, integrations: { Xtremepush: false } }), 'dropped: integrations_disabled');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted, integrations: { xtremepush: false } }), 'dropped: integrations_disabled');
    const profile = await stack.service.identityStore!.loadProfile({ userId });
    assert.deepEqual(profile.observed, [], 'a disabled delivery recorded no consent observation');
    assert.equal(stack.simulator.hits({ user_id: userId }).length, 0);
  });
});

describe('time you can trust', () => {
  test('an identify dated 2099 does not pin the traits: a later real identify wins', async () => {
    const userId = id('future');
    await result({ userId, traits: { email: 'pinned@example.com' }, timestamp: '2099-01-01T00:00:00Z' }, '/v1/identify');
    await result({ userId, traits: { email: 'real@example.com' } }, '/v1/identify');
    await result({ userId, event: 'Signed Up', context: granted });
    assert.equal(stack.simulator.hits({ user_id: userId })[0]!.user_attributes?.email, 'real@example.com');
  });

  test('a fast device clock is corrected with sentAt: the hit and inspect show when the event really happened', async () => {
    const userId = id('skew');
    const now = Date.now();
    const messageId = id('msg');
    // The device runs two hours fast; it stamped the event one minute before sending it.
    const fast = (ms: number) => new Date(now + 2 * 3_600_000 - ms).toISOString();
    await result({ messageId, userId, event: 'Signed Up', context: granted, timestamp: fast(60_000), sentAt: fast(0) });
    const hit = stack.simulator.hits({ user_id: userId })[0]!;
    const sentTime = Date.parse(hit.timestamp!.replace(' +00:00', 'Z').replace(' ', 'T'));
    assert.ok(Math.abs(sentTime - (now - 60_000)) < 30_000, `the hit is dated ${hit.timestamp}`);
    const { stdout } = await runCli(['inspect', messageId], stack.env);
    assert.match(stdout, /happened .* \(the client said .*, sent at .*: corrected for its clock\)/);
  });
});

describe('unsubscribe holds', () => {
  test('an event after the unsubscribe carrying the same standing consent is dropped', async () => {
    const userId = id('standing');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted }), 'delivered');
    await unsubscribe(userId);
    assert.equal(await outcome({ userId, event: 'Product Viewed', context: granted }), 'dropped: consent');
    assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);
  });

  test('a future-dated consent does not beat an unsubscribe', async () => {
    const userId = id('future-consent');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted }), 'delivered');
    await unsubscribe(userId);
    assert.equal(await outcome({ userId, event: 'Product Viewed', context: granted, timestamp: '2099-01-01T00:00:00Z' }), 'dropped: consent');
  });

  test('a changed decision in the consent manager after the unsubscribe opts the user in again', async () => {
    const userId = id('opt-in');
    assert.equal(await outcome({ userId, event: 'Signed Up', context: granted }), 'delivered');
    await unsubscribe(userId);
    assert.equal(await outcome({ userId, event: 'Product Viewed', context: refused }), 'dropped: consent');
    assert.equal(await outcome({ userId, event: 'Product Added', context: granted }), 'delivered');
    assert.equal(await outcome({ userId, event: 'Checkout Started', context: granted }), 'delivered', 'the opt-in holds for later events');
    assert.deepEqual(
      stack.simulator.hits({ user_id: userId }).map((h) => h.event),
      ['sign_up', 'add_to_cart', 'checkout_started'],
    );
  });
});

describe('identify', () => {
  test('ends stored: in its result, its search attributes, stats and inspect', async () => {
    const userId = id('stored');
    const messageId = id('identify');
    const since = new Date(Date.now() - 1000).toISOString();
    const workflowId = await send(stack, '/v1/identify', { messageId, userId, traits: { email: 'x@example.com' } });
    const ended = await stack.service.deliveries.result(workflowId);
    assert.equal(ended.outcome, 'stored');
    const description = await stack.service.client.workflow.getHandle(workflowId).describe();
    assert.equal(description.searchAttributes.XpOutcome?.[0], 'stored');
    assert.equal(description.searchAttributes.XpDropReason, undefined);
    // Visibility catches up with the workflow's end shortly after it.
    const stats = await eventually(async () => {
      const counted = await deliveryStats(stack.service.client, { taskQueue: stack.env.TEMPORAL_TASK_QUEUE, since });
      return counted.stored >= 1 ? counted : undefined;
    }, 'the identify to be counted as stored');
    assert.equal(stats.dropped.unmapped_event, 0);
    const { stdout } = await runCli(['inspect', messageId], stack.env);
    assert.match(stdout, /outcome: +stored/);
  });
});
