import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { MARKETING_GRANTED, eventually, hitRequests, send, spawnEntry, startTestStack, type TestStack } from './harness';
import { freePort } from './ports';

let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const settle = (stack: TestStack, workflowId: string) => stack.service.deliveries.result(workflowId).catch((e: Error) => e);

/** A worker process as `node worker/main.ts` runs it in production, against the stack's Temporal, queue and store. */
interface WorkerProcess {
  child: ChildProcess;
  healthUrl: string;
  exited: Promise<number | null>;
  output: () => string;
}

async function startWorkerProcess(stack: TestStack, children: ChildProcess[]): Promise<WorkerProcess> {
  const port = await freePort();
  // Debug: each accepted event is a line, which the tests count.
  const { child, exited, output } = spawnEntry('worker/main.ts', { ...stack.env, API_PORT: String(port), LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, children);
  const healthUrl = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited early:\n${output()}`);
      return (await fetch(`${healthUrl}/ready`).catch(() => null))?.status === 200;
    },
    'the worker process to be ready',
    120_000,
  );
  return { child, healthUrl, exited, output };
}

const acceptedBy = (worker: WorkerProcess) =>
  worker
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"xtremepush accepted event"')).length;

describe('metrics', () => {
  let stack: TestStack;
  let metricsPort: number;
  before(async () => {
    metricsPort = await freePort();
    stack = await startTestStack({ env: { METRICS_PORT: String(metricsPort) } });
  });
  after(async () => {
    await stack?.close();
  });

  test('/metrics exposes accepted, delivered, dropped and failed counts, latency, status codes and the SDK metrics', async () => {
    const track = (event: string, context?: object) => send(stack, '/v1/track', { userId: id('m'), event, context });
    for (let i = 0; i < 3; i++) await settle(stack, await track('Signed Up', MARKETING_GRANTED));
    await settle(stack, await track('Signed Up'));
    await settle(stack, await track('Coupon Applied', MARKETING_GRANTED));
    stack.simulator.failNext(1, { status: 400 });
    await settle(stack, await track('Signed Up', MARKETING_GRANTED));
    stack.simulator.failNext(1, { status: 503 });
    await settle(stack, await track('Signed Up', MARKETING_GRANTED));

    const value = (text: string, name: string, labels: Record<string, string>) => {
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
    };
    const text = await eventually(async () => {
      const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return value(body, 'sxp_deliveries_total', { outcome: 'delivered' }) === 4 ? body : undefined;
    }, 'the delivery counts to be exported');
    assert.equal(value(text, 'sxp_events_accepted_total', { integration: 'xtremepush', type: 'track' }), 7);
    assert.equal(value(text, 'sxp_deliveries_total', { outcome: 'dropped', reason: 'consent' }), 1);
    assert.equal(value(text, 'sxp_deliveries_total', { outcome: 'dropped', reason: 'unmapped_event' }), 1);
    assert.equal(value(text, 'sxp_deliveries_total', { outcome: 'failed', reason: 'bad_request' }), 1);
    assert.equal(value(text, 'sxp_xtremepush_responses_total', { status: '200' }), 4);
    assert.equal(value(text, 'sxp_xtremepush_responses_total', { status: '400' }), 1);
    assert.equal(value(text, 'sxp_xtremepush_responses_total', { status: '503' }), 1);
    assert.equal(value(text, 'sxp_delivery_latency_count', { integration: 'xtremepush' }), 4);
    assert.match(text, /^temporal_workflow_completed/m, 'the Temporal SDK metrics are there too');
  });

  test('health and readiness', async () => {
    assert.equal((await fetch(`${stack.apiUrl}/health`)).status, 200);
    assert.deepEqual(await (await fetch(`${stack.apiUrl}/ready`)).json(), { ready: true });
  });
});

describe('worker processes', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];
  before(async () => {
    // One event a request: these tests are about processes dying and draining mid-call, so keep many calls in flight.
    stack = await startTestStack({ worker: false, env: { XTREMEPUSH_MAX_BATCH_EVENTS: '1' } });
  });
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await stack?.close();
  });

  test('two workers share the load; one killed with SIGKILL mid-run loses no event', async () => {
    const [first, second] = await Promise.all([startWorkerProcess(stack, children), startWorkerProcess(stack, children)]);
    try {
      // Slow answers keep deliveries in flight when the kill comes.
      stack.simulator.failNext(400, { status: 200, delayMs: 300 });
      const users = Array.from({ length: 100 }, () => id('load'));
      const res = await stack.post('/v1/batch', {
        batch: users.map((userId) => ({ type: 'track', userId, event: 'Product Viewed', context: MARKETING_GRANTED })),
      });
      assert.equal(res.status, 200);
      await eventually(async () => acceptedBy(first) > 0 && acceptedBy(second) > 0, 'both workers to deliver', 60_000);
      first.child.kill('SIGKILL');
      assert.ok(stack.simulator.hits().length < users.length, 'the kill came mid-run');
      const results = await Promise.all(res.body.deliveries.map((d: { workflowId: string }) => settle(stack, d.workflowId)));
      assert.ok(
        results.every((r) => !(r instanceof Error) && r.outcome === 'delivered'),
        'every delivery completed',
      );
      for (const userId of users) assert.ok(stack.simulator.hits({ user_id: userId }).length >= 1, `${userId} was lost`);
      assert.ok(acceptedBy(second) > 0);
    } finally {
      first.child.kill('SIGKILL');
      second.child.kill('SIGTERM');
      await Promise.all([first.exited, second.exited]);
    }
  });

  test('SIGTERM lets in-flight deliveries finish before the worker exits', async () => {
    const worker = await startWorkerProcess(stack, children);
    stack.simulator.reset();
    stack.simulator.failNext(5, { status: 200, delayMs: 1500 }); // under the 2 s attempt timeout
    const users = Array.from({ length: 5 }, () => id('drain'));
    const workflowIds = await Promise.all(users.map((userId) => send(stack, '/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED })));
    await eventually(async () => hitRequests(stack.simulator).length >= 1, 'the calls to be in flight').catch((e) => {
      throw new Error(`${e.message}: received ${hitRequests(stack.simulator).length}\n${worker.output().slice(-3000)}`);
    });
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.output());
    assert.equal(acceptedBy(worker), 5, 'every in-flight call got its answer before the process exited');

    // The workflows complete on another worker without a second attempt: nothing was cancelled mid-call.
    await startWorkerProcess(stack, children);
    const results = await Promise.all(workflowIds.map((w) => stack.service.deliveries.result(w)));
    assert.deepEqual(
      results.map((r) => r.outcome === 'delivered' && r.attempts.count),
      [1, 1, 1, 1, 1],
      JSON.stringify(results.map((r) => r.outcome === 'delivered' && r.attempts.last)),
    );
    assert.equal(stack.simulator.hits().length, 5);
  });
});
