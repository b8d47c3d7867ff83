import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { deliveryWorkflowId } from '../client';
import { EU_TOKEN, MARKETING_GRANTED, SEED_ORDER_COMPLETED, historyStrings, startTestStack, type TestStack } from './harness';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.close();
});

const uid = () => `m-${Math.random().toString(36).slice(2, 10)}`;

async function sendAndWait(path: string, body: Record<string, unknown>) {
  const res = await stack.post(path, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return stack.service.deliveries.result(res.body.deliveries[0].workflowId);
}

/** Requests the simulator received for one user, in arrival order. */
const receivedFor = (userId: string) => stack.simulator.received().filter((r) => (r.body as { user_id?: string } | null)?.user_id === userId);

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => assert.fail('expected the delivery to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${error}`);
  assert.ok(error.cause instanceof ApplicationFailure);
  return error.cause;
}

describe('the README example: identify, then purchase', () => {
  test('identify then Order Completed reaches Xtremepush as exactly the documented hit', async () => {
    const identified = await sendAndWait('/v1/identify', {
      userId: 'crm-12345',
      traits: { email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe' },
      context: MARKETING_GRANTED,
    });
    // Identify is not in the preset: its traits are stored, nothing is sent.
    assert.equal(identified.outcome, 'stored');

    const result = await sendAndWait('/v1/track', SEED_ORDER_COMPLETED);
    assert.equal(result.outcome, 'delivered');

    const requests = receivedFor('crm-12345');
    assert.equal(requests.length, 1, 'only the track produces a hit');
    assert.equal(requests[0]!.path, '/api/external/hit/event');
    assert.equal(requests[0]!.project, 'eu-project');
    assert.deepEqual(requests[0]!.body, {
      apptoken: EU_TOKEN,
      user_id: 'crm-12345',
      event: 'purchase',
      timestamp: '2026-06-06 11:36:00 +00:00',
      user_attributes: { email: 'jane.doe@example.com', first_name: 'Jane', last_name: 'Doe' },
      value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
    });
  });
});

describe('Default preset', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['/v1/page', { name: 'Home' }, 'page_view'],
    ['/v1/track', { event: 'Product Viewed' }, 'product_viewed'],
    ['/v1/track', { event: 'Product Added' }, 'add_to_cart'],
    ['/v1/track', { event: 'Checkout Started' }, 'checkout_started'],
    ['/v1/track', { event: 'Order Completed' }, 'purchase'],
    ['/v1/track', { event: 'Signed Up' }, 'sign_up'],
  ];
  for (const [path, fields, expected] of cases) {
    test(`${String(fields.event ?? 'page')} is sent as ${expected}`, async () => {
      const userId = `preset-${expected}`;
      const result = await sendAndWait(path, { userId, ...fields, context: MARKETING_GRANTED });
      assert.equal(result.outcome, 'delivered');
      assert.deepEqual(
        stack.simulator.hits({ user_id: userId }).map((h) => h.event),
        [expected],
      );
    });
  }

  test('an unmapped event is dropped with its reason and never sent', async () => {
    const userId = 'preset-unmapped';
    const result = await sendAndWait('/v1/track', { userId, event: 'Coupon Applied', context: MARKETING_GRANTED });
    assert.equal(result.outcome, 'dropped');
    assert.equal(result.outcome === 'dropped' && result.reason, 'unmapped_event');
    assert.match(result.outcome === 'dropped' ? result.detail : '', /Coupon Applied/);
    assert.equal(receivedFor(userId).length, 0);
  });
});

describe('idempotency', () => {
  test('the same messageId sent twice is delivered once', async () => {
    const userId = 'dedupe-user';
    const event = { userId, event: 'Signed Up', messageId: uid(), context: MARKETING_GRANTED };
    const [first, second] = await Promise.all([stack.post('/v1/track', event), stack.post('/v1/track', event)]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.body.deliveries[0].workflowId, second.body.deliveries[0].workflowId);
    await stack.service.deliveries.result(first.body.deliveries[0].workflowId);

    const again = await stack.post('/v1/track', event);
    assert.equal(again.status, 200);
    assert.equal(again.body.deliveries[0].duplicate, true, 'a finished delivery is not started again');
    assert.equal(receivedFor(userId).length, 1);
  });
});

describe('failure classes', () => {
  test('a 400 is not retried: exactly one attempt reaches Xtremepush', async () => {
    const userId = 'fail-400';
    stack.simulator.failNext(1, { status: 400, body: { success: false, code: 400, message: 'user_id is required' } });
    const res = await stack.post('/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
    const failure = await failureOf(stack.service.deliveries.result(res.body.deliveries[0].workflowId));
    assert.equal(failure.type, 'bad_request');
    assert.match(failure.message, /user_id is required/);
    assert.equal(receivedFor(userId).length, 1);
  });

  test('success:false with code 400 in a 200 answer is a bad request too', async () => {
    const userId = 'fail-400-envelope';
    stack.simulator.failNext(1, { status: 200, body: { success: false, code: 400, message: 'event is required' } });
    const res = await stack.post('/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
    const failure = await failureOf(stack.service.deliveries.result(res.body.deliveries[0].workflowId));
    assert.equal(failure.type, 'bad_request');
    assert.equal(receivedFor(userId).length, 1);
  });

  test('503 three times then success: four attempts, one delivery', async () => {
    const userId = 'flaky-503';
    stack.simulator.failNext(3, { status: 503 });
    const result = await sendAndWait('/v1/track', { userId, event: 'Product Added', context: MARKETING_GRANTED });
    assert.equal(result.outcome, 'delivered');
    assert.equal(result.outcome === 'delivered' && result.attempts.count, 4);
    assert.deepEqual(
      receivedFor(userId).map((r) => r.status),
      [503, 503, 503, 200],
    );
    assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);
  });

  test('a 429 waits for Retry-After before the next attempt', async () => {
    const userId = 'throttled-429';
    stack.simulator.failNext(1, { status: 429, retryAfterSeconds: 2 });
    const result = await sendAndWait('/v1/track', { userId, event: 'Checkout Started', context: MARKETING_GRANTED });
    assert.equal(result.outcome, 'delivered');
    const [throttled, accepted] = receivedFor(userId);
    assert.equal(throttled!.status, 429);
    assert.equal(accepted!.status, 200);
    // The retry policy alone would retry after 100 ms; Retry-After asked for 2 s.
    assert.ok(accepted!.receivedAt - throttled!.receivedAt >= 1900, `retried after ${accepted!.receivedAt - throttled!.receivedAt} ms`);
  });
});

describe('invalid input', () => {
  test('an invalid body is answered 400 naming the field, and no workflow is started', async () => {
    const messageId = uid();
    const res = await stack.post('/v1/track', { userId: 'bad-input', messageId, properties: { a: 1 } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.problems, ['event: is required']);
    await assert.rejects(stack.service.client.workflow.getHandle(deliveryWorkflowId('xtremepush', messageId)).describe(), WorkflowNotFoundError);
  });

  test('one invalid event in a batch is named in the answer and costs the valid ones nothing', async () => {
    const good = uid();
    const bad = uid();
    const res = await stack.post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'batch-user', event: 'Signed Up', messageId: good, context: MARKETING_GRANTED },
        { type: 'track', userId: 'batch-user', messageId: bad },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.rejected, [{ index: 1, problems: ['batch[1].event: is required'] }]);
    assert.deepEqual(
      res.body.deliveries.map((d: { workflowId: string }) => d.workflowId),
      [deliveryWorkflowId('xtremepush', good)],
    );
    assert.equal((await stack.service.deliveries.result(deliveryWorkflowId('xtremepush', good))).outcome, 'delivered');
    await assert.rejects(stack.service.client.workflow.getHandle(deliveryWorkflowId('xtremepush', bad)).describe(), WorkflowNotFoundError);
  });

  test('a batch delivers every event', async () => {
    const res = await stack.post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'batch-ok', event: 'Product Viewed', context: MARKETING_GRANTED },
        { type: 'page', userId: 'batch-ok', name: 'Cart', context: MARKETING_GRANTED },
      ],
    });
    assert.equal(res.status, 200);
    await Promise.all(res.body.deliveries.map((d: { workflowId: string }) => stack.service.deliveries.result(d.workflowId)));
    assert.deepEqual(
      stack.simulator
        .hits({ user_id: 'batch-ok' })
        .map((h) => h.event)
        .sort(),
      ['page_view', 'product_viewed'],
    );
  });
});

describe('secrets', () => {
  test('the App Token appears nowhere in a delivered workflow history, nor in the logs', async () => {
    const userId = 'secret-check';
    const res = await stack.post('/v1/track', { userId, event: 'Order Completed', properties: { revenue: 1 }, context: MARKETING_GRANTED });
    const workflowId = res.body.deliveries[0].workflowId;
    assert.equal((await stack.service.deliveries.result(workflowId)).outcome, 'delivered');
    // The token really was used on this delivery: a history without it is not an accident of a dropped event.
    assert.equal((receivedFor(userId)[0]!.body as { apptoken: string }).apptoken, EU_TOKEN);

    const history = await stack.service.client.workflow.getHandle(workflowId).fetchHistory();
    const text = historyStrings(history).join('\n');
    assert.match(text, /purchase/, 'the decoded history holds the hit');
    assert.ok(!text.includes(EU_TOKEN), 'the App Token is in the workflow history');
    assert.ok(stack.logs.length > 0);
    assert.ok(!stack.logs.join('').includes(EU_TOKEN), 'the App Token is in the logs');
  });
});
