import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { WRITE_KEY, historyStrings, startTestStack, type TestStack } from './harness';

/**
 * What real clients send: Segment's own Node library, unchanged, pointed at the ingest API. It batches every call type
 * into one `/v1/batch` request with a batch-level `sentAt` and the write key both in the header and in the body,
 * and never retries a 4xx: one event it cannot deliver must not cost the others.
 */

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.close();
});

interface Answer {
  status: number;
  body: { deliveries?: Array<{ workflowId: string }>; rejected?: Array<{ index: number; problems: string[] }> };
}

/** A client that sends everything in one flush, recording the ingest API's answers (the library only reports statuses). */
function segmentClient(answers: Answer[]): Analytics {
  return new Analytics({
    writeKey: WRITE_KEY,
    host: stack.apiUrl,
    flushAt: 500,
    flushInterval: 60_000,
    httpClient: async (url, init) => {
      const res = await fetch(url, init);
      answers.push({ status: res.status, body: (await res.clone().json()) as Answer['body'] });
      return res;
    },
  });
}

const consent = { consent: { categoryPreferences: { marketing: true } } };
const TRAITS = { email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe' };
const EXPECTED_ATTRIBUTES = { email: 'jane.doe@example.com', first_name: 'Jane', last_name: 'Doe' };

async function flushOneUser(userId: string, extra?: (analytics: Analytics) => void) {
  const answers: Answer[] = [];
  const analytics = segmentClient(answers);
  analytics.identify({ userId, traits: TRAITS, context: consent });
  analytics.screen({ userId, name: 'Basket', properties: { items: 3 }, context: consent });
  analytics.group({ userId, groupId: 'acme', traits: { name: 'Acme Ltd', plan: 'enterprise' }, context: consent });
  analytics.page({ userId, name: 'Checkout', context: consent });
  extra?.(analytics);
  for (let i = 0; i < 100; i++) {
    analytics.track({ userId, event: 'Order Completed', properties: { order_id: `ORD-${i}`, revenue: i }, context: consent });
  }
  await analytics.closeAndFlush();
  return answers;
}

describe('@segment/analytics-node, unchanged', () => {
  test('one flush of identify, screen, group, page and 100 tracks: every track carries the identify traits (5 runs)', async () => {
    for (let run = 0; run < 5; run++) {
      const userId = `segment-node-${run}-${Date.now().toString(36)}`;
      const answers = await flushOneUser(userId);
      assert.equal(answers.length, 1, 'the library sent one batch');
      assert.equal(answers[0]!.status, 200);
      assert.deepEqual(answers[0]!.body.rejected, []);
      const deliveries = answers[0]!.body.deliveries!;
      assert.equal(deliveries.length, 104);

      const results = await Promise.all(deliveries.map((d) => stack.service.deliveries.result(d.workflowId)));
      const outcomes = results.map((r) => (r.outcome === 'dropped' ? `dropped:${r.reason}` : r.outcome));
      assert.deepEqual(outcomes.slice(0, 4), ['stored', 'dropped:unmapped_event', 'stored', 'delivered'], 'identify, screen, group, page');
      assert.deepEqual(new Set(outcomes.slice(4)), new Set(['delivered']));

      const purchases = stack.simulator.hits({ user_id: userId, event: 'purchase' });
      assert.equal(purchases.length, 100, `run ${run}: ${purchases.length} of 100 tracks reached Xtremepush`);
      const withTraits = purchases.filter((h) => JSON.stringify(h.user_attributes) === JSON.stringify(EXPECTED_ATTRIBUTES));
      assert.equal(withTraits.length, 100, `run ${run}: ${withTraits.length} of 100 tracks carried the identify's traits`);
      assert.deepEqual(stack.simulator.hits({ user_id: userId, event: 'page_view' }).length, 1);
    }
  });

  test('a batch holding one invalid event: it is named in the answer, and every valid event is delivered', async () => {
    const userId = `segment-node-invalid-${Date.now().toString(36)}`;
    const answers = await flushOneUser(userId, (analytics) => analytics.track({ userId, event: 'Order\u0000Completed', context: consent }));
    assert.equal(answers[0]!.status, 200);
    assert.deepEqual(answers[0]!.body.rejected, [{ index: 4, problems: ['batch[4].event: contains a NUL character (\\u0000)'] }]);
    const deliveries = answers[0]!.body.deliveries!;
    assert.equal(deliveries.length, 104);
    await Promise.all(deliveries.map((d) => stack.service.deliveries.result(d.workflowId)));
    assert.equal(stack.simulator.hits({ user_id: userId, event: 'purchase' }).length, 100);
    // The write key the library also puts in the body reaches no workflow.
    const history = await stack.service.client.workflow.getHandle(deliveries[0]!.workflowId).fetchHistory();
    assert.ok(!historyStrings(history).join('\n').includes(WRITE_KEY), 'the write key is in a history');
  });
});
