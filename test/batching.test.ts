import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resumeParked } from '../client';
import { inspectDelivery } from '../client/inspect';
import type { ReceivedRequest } from '../simulator';
import { circuitStateQuery, circuitWorkflowId, deliveryWorkflowId, type DeliveryResult } from '../workflows/contracts';
import { EU_TOKEN, MARKETING_GRANTED, eventually, hitRequests, failureOf, startTestStack, type TestStack } from './harness';

/*
 * Issue 11, end to end: the events of one /v1/batch request share Xtremepush requests (a batch window long enough for
 * them to meet), and a batch that Xtremepush refuses, throttles or answers 401 still ends with every event delivered
 * exactly once or failed on its own. Each event has its own user_id, so simulator.hits({user_id}) counts duplicates.
 */

const BATCH_WINDOW = '500ms';

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const users = (prefix: string, n: number) => Array.from({ length: n }, () => id(prefix));
const workflowIdOf = (userId: string) => deliveryWorkflowId('xtremepush', `msg-${userId}`);

/** The user_ids one recorded request carried (hit/event: one, hit/events: the batch). */
function usersIn(request: ReceivedRequest): string[] {
  const body = request.body as { user_id?: string; events?: Array<{ user_id: string }> };
  return body.events ? body.events.map((e) => e.user_id) : body.user_id ? [body.user_id] : [];
}

/** Requests to Xtremepush that carried any of these users' events, in arrival order. */
function requestsFor(stack: TestStack, userIds: readonly string[]): ReceivedRequest[] {
  const wanted = new Set(userIds);
  return hitRequests(stack.simulator).filter((r) => usersIn(r).some((u) => wanted.has(u)));
}

/** One /v1/batch request of tracks, one per user; returns their delivery workflow ids, in the same order. */
async function postTracks(stack: TestStack, userIds: readonly string[]): Promise<string[]> {
  const res = await stack.post('/v1/batch', {
    batch: userIds.map((userId) => ({ type: 'track', userId, messageId: `msg-${userId}`, event: 'Product Viewed', context: MARKETING_GRANTED })),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body.rejected, []);
  const workflowIds = userIds.map(workflowIdOf);
  assert.deepEqual(new Set(res.body.deliveries.map((d: { workflowId: string }) => d.workflowId)), new Set(workflowIds));
  return workflowIds;
}

function assertDelivered(result: DeliveryResult): asserts result is Extract<DeliveryResult, { outcome: 'delivered' }> {
  assert.equal(result.outcome, 'delivered');
}

async function outcomeOf(stack: TestStack, workflowId: string): Promise<string | undefined> {
  const description = await stack.service.client.workflow.getHandle(workflowId).describe();
  return description.searchAttributes.XpOutcome?.[0] as string | undefined;
}

const parkedCount = async (stack: TestStack) =>
  (
    await stack.service.client.workflow
      .getHandle(circuitWorkflowId(stack.env.TEMPORAL_TASK_QUEUE!, 'xtremepush'))
      .query(circuitStateQuery)
      .catch(() => null)
  )?.parked ?? 0;

describe('events of one /v1/batch request share Xtremepush requests', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { XTREMEPUSH_BATCH_WINDOW: BATCH_WINDOW } });
  });
  after(async () => {
    await stack?.close();
  });

  test('a batch holding one event Xtremepush refuses: the others are delivered once, the bad one fails alone as bad_request', async (t) => {
    const batch = users('bisect', 50);
    const bad = batch[17]!;
    stack.simulator.refuseUserIds([bad]);
    try {
      const workflowIds = await postTracks(stack, batch);

      const failure = await failureOf(stack, workflowIds[17]!);
      assert.equal(failure.type, 'bad_request');
      const inspection = await inspectDelivery(stack.service.client, workflowIds[17]!);
      assert.equal(inspection.outcome, 'failed');
      assert.equal(inspection.attempts.count, 1);
      const attempt = inspection.attempts.last!;
      assert.equal(attempt.attempt, 1);
      assert.equal(attempt.outcome, 'failed');
      assert.equal(attempt.outcome === 'failed' && attempt.failureClass, 'bad_request');
      assert.equal(attempt.response?.status, 400);
      assert.equal(attempt.batch?.size, 1, 'its own attempt record: the request that refused it carried it alone');
      assert.match(JSON.stringify(attempt.response?.body), new RegExp(bad));
      assert.equal(stack.simulator.hits({ user_id: bad }).length, 0);

      const good = batch.filter((u) => u !== bad);
      const results = await Promise.all(good.map((u) => stack.service.deliveries.result(workflowIdOf(u))));
      results.forEach((result, i) => {
        assertDelivered(result);
        assert.equal(result.attempts.count, 1, `${good[i]} delivered at its first attempt: the bisection happened within it`);
        assert.equal(result.attempts.last?.response?.status, 200);
      });
      for (const u of good) assert.equal(stack.simulator.hits({ user_id: u }).length, 1, `${u} delivered exactly once`);

      const requests = requestsFor(stack, batch);
      const refused = requests.filter((r) => r.status === 400);
      t.diagnostic(
        `${requests.length} requests for ${batch.length} events (${refused.length} refused: ${refused.map((r) => usersIn(r).length).join(', ')} events)`,
      );
      assert.ok(requests.length < batch.length, `${requests.length} requests for ${batch.length} events`);
      assert.ok(
        refused.some((r) => usersIn(r).length > 1),
        'the bad event was first refused inside a batch, which was then split',
      );
      for (const r of refused) assert.ok(usersIn(r).includes(bad), 'only requests holding the bad event were refused');
    } finally {
      stack.simulator.refuseUserIds([]);
    }
  });

  test('a 429 on a batch delays it, then delivers every event in it exactly once', async () => {
    const batch = users('throttled', 20);
    stack.simulator.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const workflowIds = await postTracks(stack, batch);
    const results = await Promise.all(workflowIds.map((w) => stack.service.deliveries.result(w)));
    results.forEach(assertDelivered);
    for (const u of batch) assert.equal(stack.simulator.hits({ user_id: u }).length, 1, `${u} delivered exactly once`);

    const throttled = requestsFor(stack, batch).filter((r) => r.status === 429);
    assert.equal(throttled.length, 1);
    const inThrottled = usersIn(throttled[0]!);
    assert.ok(inThrottled.length > 1, `the 429 met a batch (${inThrottled.length} events)`);
    for (const u of inThrottled) {
      const [hit] = stack.simulator.hits({ user_id: u });
      assert.ok(hit!.receivedAt - throttled[0]!.receivedAt >= 1000, `${u} delivered ${hit!.receivedAt - throttled[0]!.receivedAt} ms after the 429`);
      const result = results[batch.indexOf(u)]!;
      assertDelivered(result);
      assert.equal(result.attempts.count, 2);
      const first = result.attempts.first!;
      assert.equal(first.response?.status, 429);
      assert.equal(first.batch?.size, inThrottled.length);
      assert.equal(first.outcome === 'failed' && first.failureClass, 'throttled');
      assert.ok(first.outcome === 'failed' && first.retryAfterMs !== undefined && first.retryAfterMs >= 1000, `retry after ${JSON.stringify(first)}`);
      assert.equal(result.attempts.last!.outcome, 'accepted');
    }
  });

  test('200 events in one request end up in far fewer Xtremepush requests than events', async (t) => {
    const batch = users('ratio', 200);
    const workflowIds = await postTracks(stack, batch);
    const results = await Promise.all(workflowIds.map((w) => stack.service.deliveries.result(w)));
    results.forEach(assertDelivered);
    for (const u of batch) assert.equal(stack.simulator.hits({ user_id: u }).length, 1, `${u} delivered exactly once`);

    const requests = requestsFor(stack, batch);
    assert.equal(
      requests.reduce((n, r) => n + usersIn(r).length, 0),
      batch.length,
      'each event was carried by exactly one request',
    );
    const ratio = requests.length / batch.length;
    t.diagnostic(`requests per event: ${requests.length} / ${batch.length} = ${ratio.toFixed(3)} (sizes ${requests.map((r) => usersIn(r).length).join(', ')})`);
    assert.ok(ratio < 1, `${requests.length} requests for ${batch.length} events`);
  });
});

describe('an auth failure on a batch parks every event in it', () => {
  async function parkBatch(stack: TestStack, prefix: string, n: number) {
    stack.simulator.revokeToken(EU_TOKEN);
    const batch = users(prefix, n);
    const workflowIds = await postTracks(stack, batch);
    await eventually(async () => (await parkedCount(stack)) === n, `the circuit breaker to hold all ${n} deliveries`, 60_000);
    for (const w of workflowIds) assert.equal(await outcomeOf(stack, w), 'parked', `${w} parked`);
    const inspection = await inspectDelivery(stack.service.client, workflowIds[0]!);
    assert.equal(inspection.status, 'RUNNING');
    assert.equal(inspection.attempts.last?.outcome === 'failed' && inspection.attempts.last.failureClass, 'auth');

    const requests = requestsFor(stack, batch);
    assert.ok(requests.length >= 1 && requests.every((r) => r.status === 401), `requests: ${requests.map((r) => r.status).join(', ')}`);
    assert.ok(usersIn(requests[0]!).length > 1, 'the 401 met a batch');
    assert.ok(requests.length <= 3, `${requests.length} requests reached Xtremepush with the revoked token`);
    for (const u of batch) assert.equal(stack.simulator.hits({ user_id: u }).length, 0);
    return { batch, workflowIds };
  }

  async function assertDeliveredOnce(stack: TestStack, batch: readonly string[], workflowIds: readonly string[]) {
    const results = await Promise.all(workflowIds.map((w) => stack.service.deliveries.result(w)));
    results.forEach(assertDelivered);
    for (const u of batch) assert.equal(stack.simulator.hits({ user_id: u }).length, 1, `${u} delivered exactly once`);
  }

  test('the periodic probe finds the token restored and every parked event is delivered exactly once', async () => {
    const stack = await startTestStack({ env: { XTREMEPUSH_BATCH_WINDOW: BATCH_WINDOW, CIRCUIT_PROBE_INTERVAL: '1s' } });
    try {
      const { batch, workflowIds } = await parkBatch(stack, 'probe', 30);
      stack.simulator.addProject('eu', { name: 'eu-project-restored', token: EU_TOKEN });
      // No operator action: the breaker's next probe succeeds.
      await assertDeliveredOnce(stack, batch, workflowIds);
    } finally {
      await stack.close();
    }
  });

  test('resumeParked releases them once the token is restored (the periodic probe would wait an hour)', async () => {
    const stack = await startTestStack({ env: { XTREMEPUSH_BATCH_WINDOW: BATCH_WINDOW, CIRCUIT_PROBE_INTERVAL: '1h' } });
    try {
      const { batch, workflowIds } = await parkBatch(stack, 'resume', 30);
      stack.simulator.addProject('eu', { name: 'eu-project-restored', token: EU_TOKEN });
      const report = await resumeParked(stack.service.client, stack.env.TEMPORAL_TASK_QUEUE!, 'xtremepush');
      assert.equal(report.parked, 30);
      await assertDeliveredOnce(stack, batch, workflowIds);
    } finally {
      await stack.close();
    }
  });
});

describe('a backlog: events accepted while no worker runs', () => {
  let stack: TestStack;
  before(async () => {
    // No live window at all: whatever shares a request here does so because it is a backlog.
    stack = await startTestStack({ worker: false, env: { XTREMEPUSH_BATCH_WINDOW: '0ms' } });
  });
  after(async () => {
    await stack?.close();
  });

  test('go out in a few full Xtremepush requests once a worker starts, each event exactly once', async () => {
    const batch = users('backlog', 60);
    const workflowIds = await postTracks(stack, batch);
    // A second behind their ingest makes them a backlog (README, Batching); the worker comes back later than that.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stack.restart(undefined, { worker: true });

    const results = await Promise.all(workflowIds.map((workflowId) => stack.service.client.workflow.getHandle(workflowId).result()));
    for (const result of results) assertDelivered(result);
    for (const user of batch) assert.equal(stack.simulator.hits({ user_id: user }).length, 1, `${user} landed exactly once`);
    const requests = requestsFor(stack, batch).map((r) => usersIn(r).length);
    // All that reach the channel within 3 s of the first share a request; a slow machine may need a second or third.
    assert.ok(requests.length <= 3, `60 events in ${requests.length} requests: ${JSON.stringify(requests)}`);
  });
});
