import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { deliveryStats } from '../client/stats';
import { MAX_EVENT_BYTES } from '../events/door';
import type { DeliveryFailureDetails } from '../workflows/contracts';
import { MARKETING_GRANTED, eventually, hitRequests, runCli, send, startTestStack, type TestStack } from './harness';

/** Events that used to run for ever, or be terminated by a Temporal limit, each end with an outcome of their own. */

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;

describe('poison values end', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { ANONYMOUS_HOLD_WINDOW: '60s' } });
  });
  after(async () => {
    await stack?.close();
  });

  test('events named after Object.prototype keys are ordinary unmapped events', async () => {
    for (const event of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const outcome = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId: id('proto'), event, context: MARKETING_GRANTED }));
      assert.equal(outcome.outcome === 'dropped' && outcome.reason, 'unmapped_event', event);
    }
  });

  test('properties named toString or constructor reach Xtremepush as data, not as functions', async () => {
    const userId = id('props');
    await stack.service.deliveries.result(
      await send(stack, '/v1/track', { userId, event: 'Signed Up', properties: { toString: 'x', constructor: 2 }, context: MARKETING_GRANTED }),
    );
    assert.deepEqual(stack.simulator.hits({ user_id: userId })[0]!.value, { toString: 'x', constructor: 2 });
  });

  test('an anonymousId of 500 CJK characters (1,500 bytes) is held and delivered once identified', async () => {
    const anonymousId = '漢'.repeat(500);
    const userId = id('cjk');
    const held = await send(stack, '/v1/track', { anonymousId, event: 'Product Added', context: MARKETING_GRANTED });
    await eventually(
      async () => (await stack.service.client.workflow.getHandle(held).describe()).searchAttributes.XpOutcome?.[0] === 'held',
      'the event to be held',
    );
    await send(stack, '/v1/identify', { userId, anonymousId });
    const delivered = await stack.service.deliveries.result(held);
    assert.equal(delivered.outcome === 'delivered' && delivered.userId, userId);
  });

  test('a delivery ended by an operator (terminated) is counted by stats and selected by replay', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const held = await send(stack, '/v1/track', { anonymousId: id('anon'), event: 'Signed Up', context: MARKETING_GRANTED });
    await stack.service.client.workflow.getHandle(held).terminate('test: an operator ended it');
    const stats = await eventually(async () => {
      const counted = await deliveryStats(stack.service.client, { taskQueue: stack.env.TEMPORAL_TASK_QUEUE, since });
      return counted.ended >= 1 ? counted : undefined;
    }, 'the terminated delivery to be counted');
    assert.ok(stats.ended >= 1);
    const dryRun = await runCli(['replay', '--outcome', 'ended', '--since', since, '--dry-run', '--json'], stack.env);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    assert.ok(
      (JSON.parse(dryRun.stdout) as { sample: Array<{ workflowId: string }> }).sample.some((s) => s.workflowId === held),
      dryRun.stdout,
    );
  });
});

describe('a long outage', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      env: {
        // Test-sized: retries a millisecond apart, no batching window, no request cap, a horizon of a few seconds.
        DELIVERY_RETRY_INITIAL_INTERVAL: '1ms',
        DELIVERY_RETRY_MAX_INTERVAL: '1ms',
        DELIVERY_RETRY_HORIZON: '25s',
        XTREMEPUSH_BATCH_WINDOW: '0ms',
        XTREMEPUSH_MAX_REQUESTS_PER_SECOND: '5000',
      },
    });
  });
  after(async () => {
    await stack?.close();
  });

  test('the largest event the API accepts, under a permanent 503, ends retries_exhausted after 1,000+ attempts with a small history', async (t) => {
    stack.simulator.failNext(1_000_000, { status: 503 });
    try {
      const userId = id('large');
      const event = { userId, event: 'Order Completed', properties: { blob: '' }, context: MARKETING_GRANTED };
      event.properties.blob = 'x'.repeat(MAX_EVENT_BYTES - Buffer.byteLength(JSON.stringify(event)) - 200);
      const workflowId = await send(stack, '/v1/track', event);
      const error = await stack.service.deliveries.result(workflowId).then(
        () => assert.fail('expected the delivery to fail'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, 'retries_exhausted');
      const [details] = error.cause.details as [DeliveryFailureDetails];
      const sent = hitRequests(stack.simulator).filter((r) => (r.body as { user_id?: string }).user_id === userId).length;
      assert.equal(details.attempts.count, sent, 'the record counts every attempt made');
      assert.ok(sent >= 1000, `only ${sent} attempts`);
      const history = historyToJSON(await stack.service.client.workflow.getHandle(workflowId).fetchHistory());
      t.diagnostic(`${sent} attempts; history ${history.length} bytes`);
      assert.ok(history.length < 10 * 1024 * 1024, `history of ${history.length} bytes`);
    } finally {
      stack.simulator.reset();
    }
  });

  test('Retry-After: 0 does not remove the backoff: at most one attempt a second per delivery', async () => {
    const userId = id('retry-after-0');
    stack.simulator.failNext(3, { status: 429, retryAfterSeconds: 0 });
    const outcome = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED }));
    assert.equal(outcome.outcome, 'delivered');
    const times = hitRequests(stack.simulator)
      .filter((r) => (r.body as { user_id?: string }).user_id === userId)
      .map((r) => r.receivedAt);
    assert.equal(times.length, 4);
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 1000, `attempts ${times[i]! - times[i - 1]!} ms apart`);
  });
});
