import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { personHashes } from '../client/privacy';
import { subjectHash } from '../privacy/subject';
import { DATABASE_URL, EU_TOKEN, eventually, hitRequests, historyStrings, MARKETING_GRANTED, runCli, send, startTestStack, type TestStack } from './harness';
import { storeReads } from './store-reads';

const HASH_KEY = 'privacy-test-hash-key-4b7e1c';
const HOOKS = { name: 'main', auth: { type: 'bearer', token: 'privacy-hooks-token-77a1' } } as const;

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const settle = (stack: TestStack, workflowId: string) => stack.service.deliveries.result(workflowId).catch(() => undefined);
const outcomeOf = async (stack: TestStack, workflowId: string) =>
  (await stack.service.client.workflow.getHandle(workflowId).describe()).searchAttributes.XpOutcome?.[0];

async function postWebhook(stack: TestStack, path: string, body: unknown) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${HOOKS.auth.token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as { workflowId: string };
}

/** Every row of every table of the stack's identity store schema, as text. */
async function storedText(stack: TestStack): Promise<string> {
  const pg = new PgClient({ connectionString: DATABASE_URL });
  await pg.connect();
  try {
    const schema = stack.env.DATABASE_SCHEMA!;
    const tables = await pg.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [schema]);
    const dump: Record<string, unknown[]> = {};
    for (const { table_name } of tables.rows) dump[table_name] = (await pg.query(`SELECT * FROM ${schema}.${table_name}`)).rows;
    return JSON.stringify(dump);
  } finally {
    await pg.end();
  }
}

/** Executions tagged with any of the hashes (their runs included). */
async function executionsOf(client: Client, hashes: readonly string[]) {
  const found: Array<{ workflowId: string; type: string; status: string }> = [];
  for await (const e of client.workflow.list({ query: `XpUserHash IN (${hashes.map((h) => `'${h}'`).join(', ')})` })) {
    found.push({ workflowId: e.workflowId, type: e.type, status: e.status.name });
  }
  return found;
}

interface Person {
  userId: string;
  email: string;
  anonymousId: string;
  /** Never linked to the user: the operator names it to `erase`. */
  heldAnonymousId: string;
}

const person = (name: string): Person => ({
  userId: id(`crm-${name}`),
  email: `${name}.${Date.now()}@example.com`,
  anonymousId: id(`anon-${name}`),
  heldAnonymousId: id(`anon-held-${name}`),
});

describe('erase', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      env: {
        PRIVACY_HASH_KEY: HASH_KEY,
        XTREMEPUSH_WEBHOOKS: JSON.stringify([HOOKS]),
        ANONYMOUS_HOLD_WINDOW: '10m',
        // A parked delivery stays parked for the test: no probe resumes it.
        CIRCUIT_PROBE_INTERVAL: '1h',
      },
    });
  });
  after(async () => {
    await stack?.close();
  });

  /** Identify, a delivered track, webhooks and an anonymous track held for an identify that never comes. */
  async function traffic(p: Person) {
    await settle(
      stack,
      await send(stack, '/v1/identify', {
        userId: p.userId,
        anonymousId: p.anonymousId,
        traits: { email: p.email, firstName: 'Ada' },
        context: MARKETING_GRANTED,
      }),
    );
    const delivered = await send(stack, '/v1/track', {
      userId: p.userId,
      event: 'Order Completed',
      properties: { order_id: id('ord') },
      context: MARKETING_GRANTED,
    });
    assert.equal((await stack.service.deliveries.result(delivered)).outcome, 'delivered');
    const message = {
      event: 'message_click',
      time: Math.floor(Date.now() / 1000),
      properties: { user_id: p.userId, email: p.email, campaign_id: '77', message_type: 'email' },
    };
    await stack.service.client.workflow.getHandle((await postWebhook(stack, '/webhooks/xtremepush/main', message)).workflowId).result();
    const channel = await postWebhook(stack, '/webhooks/xtremepush/main/channel', { user_id: p.userId, contact: { email: p.email }, offer: 'spring' });
    await stack.service.client.workflow.getHandle(channel.workflowId).result();
    const held = await send(stack, '/v1/track', { anonymousId: p.heldAnonymousId, event: 'Product Viewed', context: MARKETING_GRANTED });
    await eventually(async () => (await outcomeOf(stack, held)) === 'held', `${held} to be held`);
    return { delivered, held };
  }

  test("removes one person's data from the store, the webhook log and Temporal, leaves another's alone, and is idempotent", async () => {
    const first = person('first');
    const second = person('second');
    const firstRuns = await traffic(first);
    const secondRuns = await traffic(second);
    // The first person's track while Xtremepush refuses the token: it parks (and the probe is an hour away).
    stack.simulator.revokeToken(EU_TOKEN);
    const parked = await send(stack, '/v1/track', { userId: first.userId, event: 'Signed Up', context: MARKETING_GRANTED });
    await eventually(async () => (await outcomeOf(stack, parked)) === 'parked', `${parked} to park`);

    const firstHashes = personHashes(HASH_KEY, [first.userId, first.anonymousId, first.heldAnonymousId]);
    const secondHashes = personHashes(HASH_KEY, [second.userId, second.anonymousId, second.heldAnonymousId]);
    const secondExecutions = await eventually(async () => {
      const found = await executionsOf(stack.service.client, secondHashes);
      return found.length >= 5 && found;
    }, "the second person's executions to be visible");
    await eventually(async () => (await executionsOf(stack.service.client, firstHashes)).length >= 6, "the first person's executions to be visible");

    const inspected = await runCli(['inspect', '--user-id', first.userId, '--json'], stack.env);
    assert.equal(inspected.code, 0, inspected.stderr);
    const listed = (JSON.parse(inspected.stdout) as Array<{ workflowId: string }>).map((d) => d.workflowId);
    assert.ok(listed.includes(firstRuns.delivered) && listed.includes(parked), `inspect --user-id lists the person's deliveries: ${listed}`);
    assert.ok(!listed.includes(secondRuns.delivered));

    const args = ['erase', '--user-id', first.userId, '--anonymous-id', first.heldAnonymousId];
    const dryRun = await runCli([...args, '--dry-run', '--json'], stack.env);
    assert.equal(dryRun.code, 0, dryRun.stderr);
    const planned = JSON.parse(dryRun.stdout);
    assert.equal(planned.dryRun, true);
    assert.ok(planned.store.traits > 0 && planned.store.links > 0 && planned.store.messageEvents === 1 && planned.store.channelWebhooks === 1, dryRun.stdout);
    assert.ok((await storedText(stack)).includes(first.email), 'a dry run removes nothing');

    const erased = await runCli([...args, '--ticket', 'DSR-1042'], stack.env);
    assert.equal(erased.code, 0, erased.stderr);
    assert.match(
      erased.stdout,
      /identity store: removed \d+ trait records, \d+ links \(2 anonymousIds\), \d+ consent decisions, \d+ consent observations, 1 webhook message events, 1 webhook channel calls/,
    );
    assert.match(erased.stdout, /2 waiting deliveries ended `dropped: erased` first/);
    // Identify, two tracks and the parked one (deliveries), the hold, two webhook recordings.
    const deleted = /Temporal: deleted (\d+) executions \((.*)\)/.exec(erased.stdout);
    assert.ok(deleted && Number(deleted[1]) >= 7, erased.stdout);
    for (const type of ['deliverEvent', 'holdAnonymousEvents', 'recordMessageEvent', 'recordChannelWebhook']) assert.match(deleted[2]!, new RegExp(type));

    // Nothing of the first person anywhere in the store; the second person's rows are still there.
    const stored = await storedText(stack);
    for (const value of [first.userId, first.email, first.anonymousId, first.heldAnonymousId]) assert.ok(!stored.includes(value), `${value} is still stored`);
    for (const value of [second.userId, second.email, second.anonymousId]) assert.ok(stored.includes(value), `${value} of the second person was removed`);
    const store = stack.service.identityStore!;
    const reads = storeReads(store);
    assert.deepEqual(await reads.getTraits(first.userId), {});
    assert.equal(await store.resolveUserId(first.anonymousId), null);
    assert.deepEqual(await reads.listMessageEvents(first.userId), []);
    assert.equal((await reads.getTraits(second.userId)).email, second.email);
    assert.equal(await store.resolveUserId(second.anonymousId), second.userId);
    assert.equal((await reads.listMessageEvents(second.userId)).length, 1);

    // Nor among Temporal's executions: none is tagged with the first person's hashes, and no history in the task
    // queue names them. The second person's executions are all there, the held one still waiting.
    await eventually(async () => (await executionsOf(stack.service.client, firstHashes)).length === 0, "the first person's executions to be gone");
    const remaining = [];
    for await (const e of stack.service.client.workflow.list({ query: `TaskQueue = '${stack.env.TEMPORAL_TASK_QUEUE}'` })) remaining.push(e);
    for (const e of remaining) {
      const history = await stack.service.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
      const text = historyStrings(history).join('\n');
      assert.ok(
        !text.includes(first.userId) && !text.includes(first.email) && !text.includes(first.heldAnonymousId),
        `${e.workflowId} still names the first person`,
      );
    }
    assert.deepEqual(
      (await executionsOf(stack.service.client, secondHashes)).map((e) => e.workflowId).sort(),
      secondExecutions.map((e) => e.workflowId).sort(),
    );
    assert.equal((await stack.service.client.workflow.getHandle(secondRuns.held).describe()).status.name, 'RUNNING');

    const again = await runCli([...args, '--json'], stack.env);
    assert.equal(again.code, 0, again.stderr);
    const second_ = JSON.parse(again.stdout);
    assert.deepEqual(second_.store, { traits: 0, links: 0, consentDecisions: 0, consentObservations: 0, messageEvents: 0, channelWebhooks: 0 });
    assert.equal(second_.executions.deleted, 0);
    assert.equal(second_.executions.endedAsErased, 0);
    const human = await runCli(args, stack.env);
    assert.match(human.stdout, /nothing left to erase/);

    const log = await runCli(['privacy', 'log', '--json'], stack.env);
    const entries = JSON.parse(log.stdout) as Array<{ action: string; subject: string; ticket: string | null; counts: Record<string, number> }>;
    const entry = entries.find((e) => e.ticket === 'DSR-1042');
    assert.ok(entry && entry.action === 'erase' && entry.subject === subjectHash(HASH_KEY, 'user', first.userId), log.stdout);
    assert.equal(entry.counts.messageEvents, 1);
    assert.ok(entry.counts.executionsDeleted! >= 6, JSON.stringify(entry.counts));
  });
});

describe('suppress', () => {
  let stack: TestStack;
  before(async () => {
    // The embedded store: the CLI reaches it through the running service.
    stack = await startTestStack({ store: 'embedded', env: { PRIVACY_HASH_KEY: HASH_KEY } });
  });
  after(async () => {
    await stack?.close();
  });

  test('a suppressed person’s next events end `dropped: suppressed` with nothing stored or sent; after unsuppress they are delivered', async () => {
    const p = person('objector');
    const suppressed = await runCli(['suppress', '--user-id', p.userId, '--ticket', 'OBJ-7'], stack.env);
    assert.equal(suppressed.code, 0, suppressed.stderr);
    assert.match(suppressed.stdout, /suppressed: their events end `dropped: suppressed`/);

    const sentBefore = hitRequests(stack.simulator).length;
    const identify = await send(stack, '/v1/identify', {
      userId: p.userId,
      anonymousId: p.anonymousId,
      traits: { email: p.email },
      context: MARKETING_GRANTED,
    });
    const track = await send(stack, '/v1/track', { userId: p.userId, event: 'Order Completed', context: MARKETING_GRANTED });
    for (const workflowId of [identify, track]) {
      const result = await stack.service.deliveries.result(workflowId);
      assert.ok(result.outcome === 'dropped' && result.reason === 'suppressed', JSON.stringify(result));
    }
    const store = stack.service.identityStore!;
    assert.deepEqual(await storeReads(store).getTraits(p.userId), {}, 'nothing the identify said was stored');
    assert.equal(await store.resolveUserId(p.anonymousId), null, 'nor the link');
    assert.equal(hitRequests(stack.simulator).length, sentBefore, 'nothing was sent');

    const list = await runCli(['privacy', 'suppressed', '--json'], stack.env);
    const log = await runCli(['privacy', 'log', '--json'], stack.env);
    for (const output of [list.stdout, log.stdout]) {
      assert.ok(output.includes(subjectHash(HASH_KEY, 'user', p.userId)), output);
      assert.ok(!output.includes(p.userId) && !output.includes(p.email), `a plain identifier in ${output}`);
    }
    // The privacy requests went through the service's worker and were deleted: no history names the person.
    const privacyRequests = async () => {
      const found = [];
      for await (const e of stack.service.client.workflow.list({ query: `WorkflowType = 'privacyRequest' AND TaskQueue = '${stack.env.TEMPORAL_TASK_QUEUE}'` }))
        found.push(`${e.workflowId} ${e.status.name}`);
      return found;
    };
    await eventually(async () => (await privacyRequests()).length === 0, 'privacy requests to be deleted').catch(async (error: Error) => {
      throw new Error(`${error.message}: ${(await privacyRequests()).join(', ')}`);
    });

    const lifted = await runCli(['unsuppress', '--user-id', p.userId, '--ticket', 'OBJ-8'], stack.env);
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.match(lifted.stdout, /lifted/);
    const delivered = await send(stack, '/v1/track', { userId: p.userId, event: 'Order Completed', context: MARKETING_GRANTED });
    assert.equal((await stack.service.deliveries.result(delivered)).outcome, 'delivered');
    assert.ok(hitRequests(stack.simulator).some((r) => JSON.stringify(r.body).includes(p.userId)));
    const actions = (JSON.parse((await runCli(['privacy', 'log', '--json'], stack.env)).stdout) as Array<{ action: string; ticket: string }>).map(
      (e) => `${e.action} ${e.ticket}`,
    );
    assert.deepEqual(actions.slice(0, 2), ['unsuppress OBJ-8', 'suppress OBJ-7']);
  });

  test('without PRIVACY_HASH_KEY, erase and suppress say what to set', async () => {
    const { PRIVACY_HASH_KEY: _key, ...env } = stack.env;
    const result = await runCli(['suppress', '--user-id', 'anyone'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /PRIVACY_HASH_KEY is not set: set it to the same secret the service runs with/);
  });
});
