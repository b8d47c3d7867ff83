import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MARKETING_GRANTED, eventually, hitRequests, send, startTestStack, type StoreKind, type TestStack } from './harness';

const at = (second: number) => `2026-06-06T11:00:${String(second).padStart(2, '0')}.000Z`;
let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;

/** Resolves once the delivery is waiting for an identify (its XpOutcome search attribute says `held`). */
async function held(stack: TestStack, workflowId: string) {
  await eventually(async () => {
    const description = await stack.service.client.workflow.getHandle(workflowId).describe();
    return description.searchAttributes.XpOutcome?.[0] === 'held';
  }, `${workflowId} to be held`);
}

const result = (stack: TestStack, workflowId: string) => stack.service.deliveries.result(workflowId);

for (const store of ['postgres', 'embedded'] as StoreKind[]) {
  describe(`identity stitching (${store} identity store)`, () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({ store, env: { ANONYMOUS_HOLD_WINDOW: '60s' } });
    });
    after(async () => {
      await stack?.close();
    });

    test('traits from an identify reach a later track; context.traits win over stored ones', async () => {
      const userId = id('crm');
      await result(stack, await send(stack, '/v1/identify', { userId, traits: { email: 'old@example.com', phone: '+353 1 555' } }));
      const delivered = await result(
        stack,
        await send(stack, '/v1/track', { userId, event: 'Signed Up', context: { ...MARKETING_GRANTED, traits: { email: 'new@example.com' } } }),
      );
      assert.equal(delivered.outcome, 'delivered');
      assert.deepEqual(stack.simulator.hits({ user_id: userId })[0]!.user_attributes, { email: 'new@example.com', phone: '+353 1 555' });
    });

    test('anonymous events are held, then delivered in the order they happened once identified', async () => {
      const anonymousId = id('anon');
      const userId = id('crm');
      // Sent out of order: the hold orders them by when they happened.
      const workflowIds = [];
      for (const second of [3, 1, 2]) {
        workflowIds.push(
          await send(stack, '/v1/track', {
            anonymousId,
            event: 'Product Viewed',
            properties: { n: second },
            timestamp: at(second),
            context: MARKETING_GRANTED,
          }),
        );
      }
      for (const workflowId of workflowIds) await held(stack, workflowId);
      assert.equal(stack.simulator.hits({ user_id: userId }).length, 0, 'nothing is sent before the identify');

      await send(stack, '/v1/identify', { userId, anonymousId, traits: { email: 'jane@example.com' } });
      for (const workflowId of workflowIds) {
        const outcome = await result(stack, workflowId);
        assert.equal(outcome.outcome, 'delivered', JSON.stringify(outcome));
      }
      const hits = stack.simulator.hits({ user_id: userId });
      assert.deepEqual(
        hits.map((h) => (h.value as { n: number }).n),
        [1, 2, 3],
      );
      assert.ok(hits.every((h) => h.user_attributes?.email === 'jane@example.com'));

      // Now linked: a later anonymous event goes straight through as the user.
      const later = await result(stack, await send(stack, '/v1/page', { anonymousId, name: 'Home', context: MARKETING_GRANTED }));
      assert.equal(later.outcome === 'delivered' && later.userId, userId);
    });

    test('alias links a previous id: its events are delivered as the new user', async () => {
      const previousId = id('visitor');
      const userId = id('crm');
      await result(stack, await send(stack, '/v1/alias', { previousId, userId }));
      const delivered = await result(stack, await send(stack, '/v1/track', { anonymousId: previousId, event: 'Signed Up', context: MARKETING_GRANTED }));
      assert.equal(delivered.outcome === 'delivered' && delivered.userId, userId, JSON.stringify(delivered));
    });

    test('a held event survives a worker restart', async () => {
      const anonymousId = id('anon');
      const userId = id('crm');
      const workflowId = await send(stack, '/v1/track', { anonymousId, event: 'Product Added', context: MARKETING_GRANTED });
      await held(stack, workflowId);
      await stack.restart();
      await send(stack, '/v1/identify', { userId, anonymousId });
      const delivered = await result(stack, workflowId);
      assert.equal(delivered.outcome === 'delivered' && delivered.userId, userId, JSON.stringify(delivered));
      assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);
    });

    test('identifies racing with anonymous tracks lose and duplicate nothing (20 users at once)', async () => {
      const rounds = Array.from({ length: 20 }, () => ({ anonymousId: id('race'), userId: id('crm') }));
      const workflowIds = (
        await Promise.all(
          rounds.map(({ anonymousId, userId }) =>
            Promise.all([
              send(stack, '/v1/track', { anonymousId, event: 'Product Viewed', timestamp: at(1), context: MARKETING_GRANTED }),
              send(stack, '/v1/track', { anonymousId, event: 'Product Added', timestamp: at(2), context: MARKETING_GRANTED }),
              send(stack, '/v1/identify', { userId, anonymousId }).then(() => null),
              send(stack, '/v1/track', { anonymousId, event: 'Checkout Started', timestamp: at(3), context: MARKETING_GRANTED }),
            ]),
          ),
        )
      )
        .flat()
        .filter((w): w is string => w !== null);
      const results = await Promise.all(workflowIds.map((w) => result(stack, w)));
      assert.ok(
        results.every((r) => r.outcome === 'delivered'),
        JSON.stringify(results.filter((r) => r.outcome !== 'delivered')),
      );
      for (const { userId } of rounds) {
        assert.deepEqual(
          stack.simulator
            .hits({ user_id: userId })
            .map((h) => h.event)
            .sort(),
          ['add_to_cart', 'checkout_started', 'product_viewed'],
        );
      }
    });
  });
}

describe('hold window', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { ANONYMOUS_HOLD_WINDOW: '2s' } });
  });
  after(async () => {
    await stack?.close();
  });

  test('when no identify comes within the window, held events end as dropped: unidentified', async () => {
    const anonymousId = id('anon');
    const outcome = await result(stack, await send(stack, '/v1/track', { anonymousId, event: 'Signed Up', context: MARKETING_GRANTED }));
    assert.equal(outcome.outcome, 'dropped');
    assert.equal(outcome.outcome === 'dropped' && outcome.reason, 'unidentified');
    assert.equal(hitRequests(stack.simulator).length, 0);
  });
});
