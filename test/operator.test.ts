import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deliveryQuery } from '../client/queries';
import { deliveryStats } from '../client/stats';
import { EU_TOKEN, MARKETING_GRANTED, eventually, hitRequests, runCli, send, startTestStack, type TestStack } from './harness';

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.close();
});

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const settle = (workflowId: string) => stack.service.deliveries.result(workflowId).catch(() => undefined);
const taskQueue = () => stack.env.TEMPORAL_TASK_QUEUE!;

describe('inspect', () => {
  test('shows the event as received, the hit as sent without the token, the first and last attempts and the outcome', async () => {
    const messageId = id('msg');
    stack.simulator.failNext(2, { status: 503 });
    await settle(
      await send(stack, '/v1/track', { messageId, userId: 'crm-77', event: 'Order Completed', properties: { order_id: 'ORD-7' }, context: MARKETING_GRANTED }),
    );
    const { code, stdout } = await runCli(['inspect', messageId], stack.env);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /received: .*"event":"Order Completed"/);
    assert.match(stdout, /sent: +\{"apptoken":"\[redacted\]","user_id":"crm-77","event":"purchase"/);
    assert.match(stdout, /attempt 1 at .*HTTP 503.* -> transient/);
    assert.match(stdout, /\.\.\. 1 more attempts \.\.\./);
    assert.match(stdout, /attempt 3 at .*HTTP 200.* -> accepted/);
    assert.match(stdout, /outcome: +delivered/);
    assert.ok(!stdout.includes(EU_TOKEN));

    const json = JSON.parse((await runCli(['inspect', messageId, '--json'], stack.env)).stdout);
    assert.equal(json[0].attempts.count, 3);
    assert.equal(json[0].attempts.first.response.status, 503);
  });

  test('takes the workflow id the ingest API answered as well as the messageId', async () => {
    const workflowId = await send(stack, '/v1/track', { userId: 'crm-78', event: 'Signed Up', context: MARKETING_GRANTED });
    await settle(workflowId);
    const { code, stdout } = await runCli(['inspect', workflowId], stack.env);
    assert.equal(code, 0, stdout);
    assert.match(stdout, new RegExp(`^delivery ${workflowId} \\(integration xtremepush\\): completed, delivered`, 'm'));
    const json = JSON.parse((await runCli(['inspect', workflowId, '--json'], stack.env)).stdout);
    assert.equal(json.length, 1);
    assert.equal(json[0].workflowId, workflowId);
  });

  test('an unknown messageId says so and exits 1', async () => {
    const { code, stderr } = await runCli(['inspect', 'no-such-message'], stack.env);
    assert.equal(code, 1);
    assert.match(stderr, /no delivery with messageId or workflow id no-such-message/);
  });
});

describe('preview', () => {
  test('maps an event without sending it, showing the consent decision', async () => {
    const before = stack.simulator.received().length;
    const granted = await runCli(['preview'], stack.env, JSON.stringify({ type: 'track', userId: 'crm-1', event: 'Signed Up', context: MARKETING_GRANTED }));
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /consent: +granted \(marketing\)/);
    assert.match(granted.stdout, /would send: \{"apptoken":"\[redacted\]","user_id":"crm-1","event":"sign_up"/);
    const denied = await runCli(['preview'], stack.env, JSON.stringify({ type: 'track', userId: 'crm-1', event: 'Signed Up' }));
    assert.match(denied.stdout, /consent: +dropped: consent required for marketing/);
    const anonymous = await runCli(['preview'], stack.env, JSON.stringify({ type: 'page', anonymousId: 'a-unknown' }));
    assert.match(anonymous.stdout, /would be held until an identify/);
    assert.equal(stack.simulator.received().length, before, 'preview sends nothing');
  });
});

describe('preview with the embedded store, the service running', () => {
  let embedded: TestStack;
  before(async () => {
    embedded = await startTestStack({ store: 'embedded' });
  });
  after(async () => {
    await embedded?.close();
  });

  test("reads the user's stored traits through the running service, which owns the store", async () => {
    const userId = id('preview');
    await settle(await send(embedded, '/v1/identify', { userId, traits: { email: 'stored@example.com' } }));
    const { code, stdout, stderr } = await runCli(
      ['preview'],
      embedded.env,
      JSON.stringify({ type: 'track', userId, event: 'Signed Up', context: MARKETING_GRANTED }),
    );
    assert.equal(code, 0, stderr);
    assert.match(stderr, /stored data read by the running service/);
    assert.match(stdout, /stitching: user .*: stored traits and consent read from the identity store/);
    assert.match(stdout, /would send: .*"user_attributes":\{"email":"stored@example.com"\}/);
    assert.equal(hitRequests(embedded.simulator).length, 0, 'preview sends nothing');
  });
});

describe('replay', () => {
  test('re-delivers the failed deliveries selected by a query once; a second run does nothing', async () => {
    const users = [id('replay'), id('replay'), id('replay')];
    stack.simulator.failNext(3, { status: 400, body: { success: false, code: 400, message: 'temporarily rejected' } });
    for (const userId of users) await settle(await send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED }));
    const delivered = id('replay-ok');
    await settle(await send(stack, '/v1/track', { userId: delivered, event: 'Signed Up', context: MARKETING_GRANTED }));
    const query = `TaskQueue = '${taskQueue()}' AND XpOutcome = 'failed' AND XpFailureClass = 'bad_request'`;
    await eventually(async () => (await stack.service.client.workflow.count(query)).count === 3, 'the failures to be visible');

    const dryRun = JSON.parse((await runCli(['replay', '--query', query, '--dry-run', '--json'], stack.env)).stdout);
    assert.equal(dryRun.count, 3);
    const dryRunText = (await runCli(['replay', '--query', query, '--dry-run'], stack.env)).stdout;
    assert.match(dryRunText, /^3 deliveries would be replayed/m);
    assert.match(dryRunText, /\(failed: bad_request\)/);
    assert.equal(stack.simulator.hits().filter((h) => users.includes(h.user_id)).length, 0, 'a dry run starts nothing');

    const first = await runCli(['replay', '--query', query, '--json'], stack.env);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.started, 3);
    await Promise.all(report.workflowIds.map(settle));
    for (const userId of users) assert.equal(stack.simulator.hits({ user_id: userId }).length, 1);

    const second = JSON.parse((await runCli(['replay', '--query', query, '--json'], stack.env)).stdout);
    assert.equal(second.started, 0);
    assert.equal(second.alreadyReplayed, 3);
    const third = (await runCli(['replay', '--query', query], stack.env)).stdout;
    assert.match(third, /^replayed 0 of 3 selected deliveries/m);
    assert.match(third, /3 had been replayed by an earlier run and were not started again/);
    for (const userId of users) assert.equal(stack.simulator.hits({ user_id: userId }).length, 1, 'nothing delivered twice');
    assert.equal(stack.simulator.hits({ user_id: delivered }).length, 1);
  });
});

describe('stats and the documented queries', () => {
  test('stats counts deliveries by outcome and reason', async () => {
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100)); // visibility stores StartTime at second precision
    const ids = [
      await send(stack, '/v1/track', { userId: id('s'), event: 'Signed Up', context: MARKETING_GRANTED }),
      await send(stack, '/v1/track', { userId: id('s'), event: 'Signed Up' }),
      await send(stack, '/v1/track', { userId: id('s'), event: 'Coupon Applied', context: MARKETING_GRANTED }),
    ];
    // Settled first: the simulator's fault goes to whichever request comes next.
    await Promise.all(ids.map(settle));
    stack.simulator.failNext(1, { status: 400 });
    ids.push(await send(stack, '/v1/track', { userId: id('s'), event: 'Signed Up', context: MARKETING_GRANTED }));
    await settle(ids[3]!);
    const stats = await eventually(async () => {
      const s = await deliveryStats(stack.service.client, { taskQueue: taskQueue(), since });
      return s.received === 4 && s.delivered + s.dropped.consent + s.dropped.unmapped_event + s.failed.bad_request! === 4 ? s : undefined;
    }, 'the stats to settle');
    assert.equal(stats.delivered, 1);
    assert.equal(stats.dropped.consent, 1);
    assert.equal(stats.dropped.unmapped_event, 1);
    assert.equal(stats.failed.bad_request, 1);

    const cli = JSON.parse((await runCli(['stats', '--since', since, '--json'], stack.env)).stdout);
    assert.equal(cli.received, 4);
    const text = (await runCli(['stats', '--since', since], stack.env)).stdout;
    assert.match(text, /^ {2}received +4$/m);
    assert.match(text, /^ {2}dropped +2 +1 unmapped_event, 1 consent$/m);
    assert.match(text, /^ {2}failed +1 +1 bad_request$/m);
  });

  test("the README's search-attribute queries return what they claim", async () => {
    const scoped = (q: string) => `${q} AND TaskQueue = '${taskQueue()}'`;
    const consentDrop = await send(stack, '/v1/track', { userId: id('q'), event: 'Order Completed' });
    stack.simulator.failNext(1, { status: 400 });
    const badRequest = await send(stack, '/v1/track', { userId: id('q'), event: 'Order Completed', context: MARKETING_GRANTED });
    await settle(badRequest);
    const purchase = await send(stack, '/v1/track', { userId: id('q'), event: 'Order Completed', context: MARKETING_GRANTED });
    await Promise.all([consentDrop, purchase].map(settle));
    const ids = async (q: string) => {
      const found: string[] = [];
      for await (const e of stack.service.client.workflow.list({ query: scoped(q) })) found.push(e.workflowId);
      return found;
    };
    await eventually(async () => (await ids(`XpOutcome = 'dropped' AND XpDropReason = 'consent'`)).includes(consentDrop), 'the consent drop');
    assert.ok(!(await ids(`XpOutcome = 'dropped' AND XpDropReason = 'consent'`)).includes(purchase));
    await eventually(async () => (await ids(`XpOutcome = 'failed' AND XpFailureClass = 'bad_request'`)).includes(badRequest), 'the bad request');
    await eventually(async () => (await ids(`XpEvent = 'purchase' AND XpOutcome = 'delivered'`)).includes(purchase), 'the purchase');
    assert.ok(!(await ids(`XpEvent = 'purchase' AND XpOutcome = 'delivered'`)).includes(badRequest));
    const bySource = await ids(`XpIntegration = 'xtremepush' AND XpSourceEvent = 'Order Completed'`);
    assert.ok([consentDrop, badRequest, purchase].every((w) => bySource.includes(w)));
    assert.equal(
      deliveryQuery({ outcome: 'parked', failureClass: 'auth', since: '2026-01-01T00:00:00Z' }),
      "WorkflowType = 'deliverEvent' AND XpOutcome = 'parked' AND XpFailureClass = 'auth' AND StartTime >= '2026-01-01T00:00:00.000Z'",
    );
  });
});
