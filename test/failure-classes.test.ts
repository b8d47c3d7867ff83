import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResumeReport } from '../client';
import { inspectDelivery } from '../client/inspect';
import { circuitStateQuery, circuitWorkflowId, type DeliveryFailureDetails } from '../workflows/contracts';
import { EU_TOKEN, MARKETING_GRANTED, US_TOKEN, eventually, hitRequests, runCli, send, failureOf, startTestStack, type TestStack } from './harness';

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const hitsTo = (stack: TestStack) => stack.simulator.received().filter((r) => r.path === '/api/external/hit/event');
const attemptsFor = (stack: TestStack, userId: string) => hitsTo(stack).filter((r) => (r.body as { user_id?: string }).user_id === userId);

async function outcomeOf(stack: TestStack, workflowId: string): Promise<string | undefined> {
  const description = await stack.service.client.workflow.getHandle(workflowId).describe();
  return description.searchAttributes.XpOutcome?.[0] as string | undefined;
}

const parked = (stack: TestStack, workflowId: string) => eventually(async () => (await outcomeOf(stack, workflowId)) === 'parked', `${workflowId} to park`);

describe('auth failures park the delivery until the credentials work again', () => {
  const TOKEN = 'rotating-token-31c7';
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      env: { XTREMEPUSH_APP_TOKEN: TOKEN, CIRCUIT_PROBE_INTERVAL: '2s' },
      simulator: { eu: { projects: [{ name: 'eu-project', token: TOKEN }] } },
    });
  });
  after(async () => {
    await stack?.close();
  });

  test('a token revoked while running: a 401 parks after exactly one attempt, says what to check, and completes once the token works', async () => {
    stack.simulator.revokeToken(TOKEN);
    const userId = id('auth');
    const workflowId = await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
    await parked(stack, workflowId);
    const description = await stack.service.client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'RUNNING', 'parked, not failed');
    assert.equal(description.searchAttributes.XpFailureClass?.[0], 'auth');
    assert.deepEqual(
      attemptsFor(stack, userId).map((r) => r.status),
      [401],
    );

    // Xtremepush support restores the token; the operator asks for a probe now instead of waiting for the next one.
    stack.simulator.addProject('eu', { name: 'restored', token: TOKEN });
    const resumed = await runCli(['resume'], stack.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    // The periodic probe may have resumed it already: the count is what the breaker still held.
    assert.match(resumed.stdout, /^xtremepush: [01] parked; a probe was asked for now/m);
    const delivered = await stack.service.deliveries.result(workflowId);
    assert.equal(delivered.outcome, 'delivered');
    assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);
    assert.ok(!JSON.stringify(await stack.service.client.workflow.getHandle(workflowId).fetchHistory()).includes(TOKEN));
  });

  test('a revoked token parks 100 deliveries with a handful of calls; restored, all 100 are delivered exactly once', async (t) => {
    stack.simulator.revokeToken(TOKEN);
    const before = stack.simulator.received().length;
    const users = Array.from({ length: 100 }, () => id('bulk'));
    const res = await stack.post('/v1/batch', {
      batch: users.map((userId) => ({ type: 'track', userId, event: 'Product Viewed', context: MARKETING_GRANTED })),
    });
    assert.equal(res.status, 200);
    const workflowIds: string[] = res.body.deliveries.map((d: { workflowId: string }) => d.workflowId);
    await eventually(
      async () =>
        (
          await stack.service.client.workflow
            .getHandle(circuitWorkflowId(stack.env.TEMPORAL_TASK_QUEUE!, 'xtremepush'))
            .query(circuitStateQuery)
            .catch(() => null)
        )?.parked === 100,
      'all 100 deliveries to park',
      60_000,
    );
    const calls = stack.simulator.received().length - before;
    t.diagnostic(`calls that reached Xtremepush while 100 deliveries parked: ${calls}`);
    assert.ok(calls <= 5, `${calls} calls reached Xtremepush while the token was revoked`);

    stack.simulator.addProject('eu', { name: 'restored-again', token: TOKEN });
    const [resumed] = JSON.parse((await runCli(['resume', '--json'], stack.env)).stdout) as ResumeReport[];
    // The periodic probe may already have begun resuming them.
    assert.ok(resumed!.integrationId === 'xtremepush' && resumed!.parked !== null && resumed!.parked <= 100, JSON.stringify(resumed));
    const results = await Promise.all(workflowIds.map((w) => stack.service.deliveries.result(w)));
    assert.ok(results.every((r) => r.outcome === 'delivered'));
    for (const userId of users) assert.equal(stack.simulator.hits({ user_id: userId }).length, 1, `${userId} delivered once`);
  });
});

describe('other failure classes', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { CIRCUIT_PROBE_INTERVAL: '1s', DELIVERY_RETRY_HORIZON: '3s' } });
  });
  after(async () => {
    await stack?.close();
  });

  test('a 403 (OAuth-only project) parks, and the hint names OAuth', async () => {
    stack.simulator.setOauthOnly(EU_TOKEN, true);
    const userId = id('oauth');
    const workflowId = await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
    await parked(stack, workflowId);
    assert.deepEqual(
      attemptsFor(stack, userId).map((r) => r.status),
      [403],
    );
    stack.simulator.setOauthOnly(EU_TOKEN, false);
    // No operator action: the periodic probe finds the problem gone.
    assert.equal((await stack.service.deliveries.result(workflowId)).outcome, 'delivered');
  });

  test('a 404 (wrong base URL or method path) parks as a configuration failure', async () => {
    const userId = id('config');
    stack.simulator.failNext(1, { status: 404 });
    const workflowId = await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
    assert.equal((await stack.service.deliveries.result(workflowId)).outcome, 'delivered');
    assert.deepEqual(
      attemptsFor(stack, userId).map((r) => r.status),
      [404, 200],
    );
    const history = await stack.service.client.workflow.getHandle(workflowId).fetchHistory();
    const activities = history.events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.ok(activities.includes('parkDelivery'), `it parked: ${activities.join(', ')}`);
  });

  test('a 413 fails at once as payload_too_large', async () => {
    const userId = id('large');
    stack.simulator.failNext(1, { status: 413 });
    const failure = await failureOf(stack, await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED }));
    assert.equal(failure.type, 'payload_too_large');
    assert.equal(attemptsFor(stack, userId).length, 1);
  });

  test('transient failures past the retry horizon fail as retries_exhausted, with every attempt recorded', async () => {
    const userId = id('exhausted');
    stack.simulator.failNext(1000, { status: 503 });
    try {
      const failure = await failureOf(stack, await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED }));
      assert.equal(failure.type, 'retries_exhausted');
      const [details] = failure.details as [DeliveryFailureDetails];
      const sent = attemptsFor(stack, userId).length;
      assert.ok(sent >= 3, `only ${sent} attempts`);
      assert.equal(details.attempts.count, sent, 'the failure counts every attempt');
      assert.equal(details.attempts.first!.response?.status, 503);
      assert.equal(details.attempts.last!.response?.status, 503);
    } finally {
      stack.simulator.reset();
    }
  });
});

test("started with the other region's token, nothing is sent: every delivery parks naming the region, and is delivered once the setting is fixed", async () => {
  // A US project's token on the EU host: event hits would be accepted there and land in no project.
  const other = await startTestStack({ env: { XTREMEPUSH_APP_TOKEN: US_TOKEN, CIRCUIT_PROBE_INTERVAL: '1s' } });
  try {
    const users = Array.from({ length: 5 }, () => id('region'));
    const res = await other.post('/v1/batch', { batch: users.map((userId) => ({ type: 'track', userId, event: 'Signed Up', context: MARKETING_GRANTED })) });
    const workflowIds: string[] = res.body.deliveries.map((d: { workflowId: string }) => d.workflowId);
    for (const workflowId of workflowIds) await parked(other, workflowId);
    assert.deepEqual(hitRequests(other.simulator), [], 'no event was sent into the wrong region');
    const inspection = await inspectDelivery(other.service.client, workflowIds[0]!);
    assert.match(inspection.attempts.last!.outcome === 'failed' ? inspection.attempts.last!.message : '', /the token belongs to the US region/);
    assert.match(inspection.details ?? '', /belongs to the US region.*set XTREMEPUSH_API_BASE_URL=/);

    // The operator points the integration at the US host and restarts; the probe finds it fixed.
    await other.restart({ XTREMEPUSH_API_BASE_URL: other.simulator.urls.us });
    const results = await Promise.all(workflowIds.map((w) => other.service.deliveries.result(w)));
    assert.ok(results.every((r) => r.outcome === 'delivered'));
    for (const userId of users) assert.equal(other.simulator.hits({ user_id: userId, project: 'us-project' }).length, 1, `${userId} delivered once`);
  } finally {
    await other.close();
  }
});
