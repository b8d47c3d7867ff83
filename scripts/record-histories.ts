/**
 * Records one workflow history per important path of every workflow type, as the fixtures the determinism guard
 * (test/replay.test.ts) replays against the current workflow code. `npm run record-histories`.
 *
 * Starts its own headless Temporal dev server, the real service (worker + ingest API, as test/harness.ts does) and the
 * Xtremepush simulator, drives each path through the ingest API and the webhook routes, waits for every workflow to
 * close and writes its history to test/fixtures/histories/<name>.json: the Temporal JSON history format
 * (`historyToJSON`, what `temporal workflow show -o json` writes), plus a top-level `workflowId` the replay passes on.
 *
 * Re-record only when a workflow change is meant to be incompatible and running workflows have been dealt with
 * (drained, or the change guarded with `patched()`): see the README, "Changing workflows safely".
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { resumeParked } from '../client';
import { previewedEvent, previewThroughService } from '../client/preview';
import { holdWorkflowIdOf } from '../activities/deps';
import { circuitStateQuery, circuitWorkflowId, eraseDeliverySignal, privacyWorkflowId, WORKFLOW_TYPES, type PrivacyRequest } from '../workflows/contracts';
import { withTestEnvironment } from '../test/environment';
import { EU_TOKEN, MARKETING_GRANTED, US_TOKEN, WRITE_KEY, eventually, historyStrings, send, startTestStack, type TestStack } from '../test/harness';

const ROOT = path.resolve(__dirname, '..');
const HISTORIES_DIR = path.join(ROOT, 'test/fixtures/histories');
const INTEGRATION = 'xtremepush';

/** A webhook connection with fake credentials; they must not reach any history either. */
const WEBHOOK = { name: 'main', auth: { type: 'basic', username: 'xp-hooks', password: 'fixture-basic-secret-4e1a' } } as const;
const WEBHOOK_AUTH = `Basic ${Buffer.from(`${WEBHOOK.auth.username}:${WEBHOOK.auth.password}`).toString('base64')}`;
const SECRETS = [EU_TOKEN, US_TOKEN, WRITE_KEY, WEBHOOK.auth.password, WEBHOOK_AUTH.slice(6)];

async function main() {
  await withTestEnvironment(async (environment) => {
    // The harness reads these, as under test/run.ts.
    Object.assign(process.env, environment);
    const stack = await startTestStack({
      store: 'embedded',
      env: {
        XTREMEPUSH_WEBHOOKS: JSON.stringify([WEBHOOK]),
        ANONYMOUS_HOLD_WINDOW: '5m',
        // Long enough that the only probe is the one `resume` asks for: the breaker's history is the same every time.
        CIRCUIT_PROBE_INTERVAL: '10m',
        LOG_LEVEL: 'warn',
      },
    });
    try {
      const histories = await recordAll(stack);
      // Only a complete recording replaces the fixtures: a run that fails half-way leaves them as they were.
      fs.mkdirSync(HISTORIES_DIR, { recursive: true });
      for (const file of fs.readdirSync(HISTORIES_DIR)) if (file.endsWith('.json')) fs.rmSync(path.join(HISTORIES_DIR, file));
      for (const [name, text] of histories) fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), text);
      console.log(`${histories.size} histories written to ${path.relative(ROOT, HISTORIES_DIR)}`);
    } finally {
      await stack.close();
    }
  });
}

/** Drives every path and returns each closed execution's history as fixture text, by fixture name. */
async function recordAll(stack: TestStack): Promise<Map<string, string>> {
  const client = stack.service.client;
  const deliveryOf = (workflowId: string) => stack.service.deliveries.result(workflowId);
  const closed = (workflowId: string) =>
    client.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined);
  const histories = new Map<string, string>();
  const record = async (name: string, workflowId: string, expect: { type: string; status: string }) => {
    await closed(workflowId);
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    if (description.type !== expect.type || description.status.name !== expect.status) {
      throw new Error(`${name}: expected a ${expect.status} ${expect.type}, got a ${description.status.name} ${description.type}`);
    }
    const history = await handle.fetchHistory();
    const json = historyToJSON(history);
    const decoded = historyStrings(history).join('\n');
    for (const secret of SECRETS) {
      if (json.includes(secret) || decoded.includes(secret)) throw new Error(`${name}: a secret is in the history of ${workflowId}; not written`);
    }
    histories.set(name, `${JSON.stringify({ workflowId, ...JSON.parse(json) }, null, 2)}\n`);
    console.log(`recorded ${name}: ${description.type} ${description.status.name}, ${history.events?.length ?? 0} events`);
  };
  const event = (messageId: string, fields: Record<string, unknown>) => ({ messageId, timestamp: '2026-06-06T11:36:00.000Z', ...fields });

  // deliverEvent: delivered at the first attempt, in one workflow task (the usual path).
  const first = await send(
    stack,
    '/v1/track',
    event('fixture-delivered-first', {
      userId: 'crm-fixture-0',
      event: 'Order Completed',
      properties: { order_id: 'ORD-FIXTURE-0', revenue: 10, currency: 'EUR' },
      context: MARKETING_GRANTED,
    }),
  );
  const firstResult = await deliveryOf(first);
  if (firstResult.outcome !== 'delivered' || firstResult.attempts.count !== 1)
    throw new Error(`expected delivery on attempt 1: ${JSON.stringify(firstResult)}`);
  await record('deliverEvent-delivered-first-attempt', first, { type: 'deliverEvent', status: 'COMPLETED' });

  // deliverEvent: delivered after one transient failure (a 503, then a backoff timer, then the retrying activity).
  stack.simulator.failNext(1, { status: 503 });
  const retried = await send(
    stack,
    '/v1/track',
    event('fixture-delivered-503', {
      userId: 'crm-fixture-1',
      event: 'Order Completed',
      properties: { order_id: 'ORD-FIXTURE-1', revenue: 42.5, currency: 'EUR' },
      context: MARKETING_GRANTED,
    }),
  );
  const retriedResult = await deliveryOf(retried);
  if (retriedResult.outcome !== 'delivered' || retriedResult.attempts.count !== 2)
    throw new Error(`expected delivery on attempt 2: ${JSON.stringify(retriedResult)}`);
  await record('deliverEvent-delivered-after-503', retried, { type: 'deliverEvent', status: 'COMPLETED' });

  // deliverEvent: dropped for consent (no consent information, and the default is deny).
  const noConsent = await send(stack, '/v1/track', event('fixture-dropped-consent', { userId: 'crm-fixture-2', event: 'Product Viewed' }));
  const dropped = await deliveryOf(noConsent);
  if (dropped.outcome !== 'dropped' || dropped.reason !== 'consent') throw new Error(`expected a consent drop: ${JSON.stringify(dropped)}`);
  await record('deliverEvent-dropped-consent', noConsent, { type: 'deliverEvent', status: 'COMPLETED' });

  // deliverEvent: a 400 fails at once as bad_request.
  stack.simulator.failNext(1, { status: 400, body: { success: false, code: 400, message: 'user_id is required' } });
  const badRequest = await send(stack, '/v1/track', event('fixture-bad-request', { userId: 'crm-fixture-3', event: 'Signed Up', context: MARKETING_GRANTED }));
  await record('deliverEvent-failed-bad-request', badRequest, { type: 'deliverEvent', status: 'FAILED' });

  // deliverEvent held until an identify links its anonymousId; holdAnonymousEvents releases it; the identify's own
  // deliverEvent signals the hold.
  const anonymousId = 'anon-fixture-1';
  const held = await send(
    stack,
    '/v1/track',
    event('fixture-held-track', { anonymousId, event: 'Product Added', properties: { sku: 'SKU-1' }, context: MARKETING_GRANTED }),
  );
  await eventually(async () => (await client.workflow.getHandle(held).describe()).searchAttributes.XpOutcome?.[0] === 'held', `${held} to be held`);
  const identify = await send(
    stack,
    '/v1/identify',
    event('fixture-identify', { userId: 'crm-fixture-4', anonymousId, traits: { email: 'fixture.user@example.com' } }),
  );
  const released = await deliveryOf(held);
  if (released.outcome !== 'delivered' || released.userId !== 'crm-fixture-4')
    throw new Error(`expected the held event delivered: ${JSON.stringify(released)}`);
  await record('deliverEvent-held-then-released', held, { type: 'deliverEvent', status: 'COMPLETED' });
  await record('deliverEvent-identify-links-anonymous', identify, { type: 'deliverEvent', status: 'COMPLETED' });
  await record('holdAnonymousEvents-released', holdWorkflowIdOf({ taskQueue: stack.env.TEMPORAL_TASK_QUEUE! }, INTEGRATION, anonymousId), {
    type: 'holdAnonymousEvents',
    status: 'COMPLETED',
  });

  // recordMessageEvent: an unsubscribe, which also revokes marketing consent; recordChannelWebhook: a channel call.
  const unsubscribe = await postWebhook(stack, `/webhooks/xtremepush/${WEBHOOK.name}`, {
    event: 'message_unsubscribe',
    time: Math.floor(Date.parse('2026-06-06T12:00:00Z') / 1000),
    properties: { user_id: 'crm-fixture-5', message_type: 'email', campaign_id: '1001' },
  });
  await record('recordMessageEvent-unsubscribe', unsubscribe, { type: 'recordMessageEvent', status: 'COMPLETED' });
  const channel = await postWebhook(stack, `/webhooks/xtremepush/${WEBHOOK.name}/channel`, {
    campaign: 'Fixture sale',
    recipients: [{ id: 1, tags: ['vip'] }],
  });
  await record('recordChannelWebhook', channel, { type: 'recordChannelWebhook', status: 'COMPLETED' });

  // deliverEvent parked on a 401 and resumed; circuitBreaker probes once on `resume` and releases it.
  stack.simulator.revokeToken(EU_TOKEN);
  const parked = await send(stack, '/v1/track', event('fixture-parked-auth', { userId: 'crm-fixture-6', event: 'Signed Up', context: MARKETING_GRANTED }));
  await waitParked(client, stack.env.TEMPORAL_TASK_QUEUE!, parked);
  stack.simulator.addProject('eu', { name: 'eu-project-restored', token: EU_TOKEN });
  await resumeParked(client, stack.env.TEMPORAL_TASK_QUEUE!, INTEGRATION);
  const resumed = await deliveryOf(parked);
  if (resumed.outcome !== 'delivered') throw new Error(`expected the parked delivery delivered: ${JSON.stringify(resumed)}`);
  await record('deliverEvent-parked-auth-resumed', parked, { type: 'deliverEvent', status: 'COMPLETED' });
  await record('circuitBreaker-resumed', circuitWorkflowId(stack.env.TEMPORAL_TASK_QUEUE!, INTEGRATION), { type: 'circuitBreaker', status: 'COMPLETED' });

  // previewDelivery: `cli preview` asking the running service.
  const previewed = await previewThroughService(
    client,
    stack.env.TEMPORAL_TASK_QUEUE!,
    previewedEvent(event('fixture-preview', { type: 'track', userId: 'crm-fixture-4', event: 'Signed Up', context: MARKETING_GRANTED })),
  );
  if (previewed[0]?.preparation.kind !== 'send') throw new Error(`expected a preview that sends: ${JSON.stringify(previewed)}`);
  const [preview] = await listIds(client, `WorkflowType = 'previewDelivery' AND TaskQueue = '${stack.env.TEMPORAL_TASK_QUEUE}'`);
  await record('previewDelivery', preview!, { type: 'previewDelivery', status: 'COMPLETED' });

  // deliverEvent held, then ended by `cli erase`: dropped, erased.
  const erasedId = await send(
    stack,
    '/v1/track',
    event('fixture-held-erased', { anonymousId: 'anon-fixture-erased', event: 'Product Viewed', context: MARKETING_GRANTED }),
  );
  await eventually(async () => (await client.workflow.getHandle(erasedId).describe()).searchAttributes.XpOutcome?.[0] === 'held', `${erasedId} to be held`);
  await client.workflow.getHandle(erasedId).signal(eraseDeliverySignal);
  const erased = await deliveryOf(erasedId);
  if (erased.outcome !== 'dropped' || erased.reason !== 'erased') throw new Error(`expected the held event erased: ${JSON.stringify(erased)}`);
  await record('deliverEvent-held-erased', erasedId, { type: 'deliverEvent', status: 'COMPLETED' });

  // privacyRequest, run directly: `cli privacy` deletes the executions it runs.
  const privacyId = privacyWorkflowId('fixture');
  await client.workflow.execute(WORKFLOW_TYPES.privacyRequest, {
    taskQueue: stack.env.TEMPORAL_TASK_QUEUE!,
    workflowId: privacyId,
    args: [{ kind: 'listSuppressed' } satisfies PrivacyRequest],
  });
  await record('privacyRequest', privacyId, { type: 'privacyRequest', status: 'COMPLETED' });

  return histories;
}

async function listIds(client: Client, query: string): Promise<string[]> {
  return eventually(async () => {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    return ids.length > 0 ? ids : undefined;
  }, query);
}

async function waitParked(client: Client, taskQueue: string, workflowId: string) {
  await eventually(async () => (await client.workflow.getHandle(workflowId).describe()).searchAttributes.XpOutcome?.[0] === 'parked', `${workflowId} to park`);
  await eventually(
    async () =>
      (
        await client.workflow
          .getHandle(circuitWorkflowId(taskQueue, INTEGRATION))
          .query(circuitStateQuery)
          .catch(() => null)
      )?.parked === 1,
    'the circuit breaker to hold the parked delivery',
  );
}

/** Posts to a webhook route as Xtremepush would; returns the recording workflow's id. */
async function postWebhook(stack: TestStack, urlPath: string, body: unknown): Promise<string> {
  const res = await fetch(`${stack.apiUrl}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: WEBHOOK_AUTH },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { workflowId?: string };
  if (res.status !== 200 || !answer.workflowId) throw new Error(`${urlPath} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer.workflowId;
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
