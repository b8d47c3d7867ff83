import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../activities';
import { prepareThenSend, type FirstStep, type FirstStepInput, type RetryInput } from '../activities/deliver';
import type { PreparedDelivery } from '../activities/prepare';
import type { AcceptedEvent } from '../events/schema';
import { resolveTemporalCli } from '../temporal/dev-server';
import type { EventHit } from '../xtremepush/hit';
import {
  eraseDeliverySignal,
  identifiedSignal,
  registerHeldEventSignal,
  resumeDeliverySignal,
  SA,
  SEARCH_ATTRIBUTE_KEYS,
  WORKFLOW_TYPES,
  type DeliverEventInput,
  type DeliveryAttempt,
  type DeliveryFailureDetails,
} from './contracts';
import type { deliverEvent } from './deliver-event';

/*
 * The deliverEvent workflow against a real Temporal server with its activities mocked: the paths an end-to-end test
 * reaches only with a broken database or a misbehaving Xtremepush (the store unreachable, a value it refuses, a retry
 * horizon running out, a park and its resume) are scripted here directly, and the outcome, the result's attempt
 * record and the search attributes are read back from Temporal as an operator would.
 *
 * The server is the SDK's `TestWorkflowEnvironment.createLocal`, run from the Temporal CLI the project installs
 * (`resolveTemporalCli()`), so nothing is downloaded; the workflow code is the bundle the test runner built once.
 */

type Mocked = Pick<Activities, 'prepareDelivery' | 'sendFirstAttempt' | 'deliverHit' | 'holdForIdentify' | 'parkDelivery' | 'resolveUserId'>;

const INTEGRATION = 'xp-wf-test';
const HIT: EventHit = { user_id: 'crm-42', event: 'purchase', timestamp: '2026-06-05 10:00:00 +00:00', value: { order_id: 'ORD-42' } };
const SEND: PreparedDelivery = { kind: 'send', sourceEvent: 'Order Completed', userId: 'crm-42', hit: HIT, consentGranted: ['marketing'] };

let env: TestWorkflowEnvironment;
let bundlePath: string;

before(async () => {
  bundlePath = requireEnv('TEST_WORKFLOW_BUNDLE');
  // The workflows log every failed and dropped delivery at warn: expected here, so kept off the test output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await startLocalServer();
});

after(async () => {
  await env?.teardown();
});

/**
 * The SDK's launcher gives the server 5 s to answer (50 polls of 100 ms, fixed in sdk-core 1.24: no option lengthens
 * it). Measured on this 2-core machine it starts in 0.2-0.3 s idle and 2-3 s with the CPU six times oversubscribed,
 * so a start that times out under a heavier `npm test` is tried again (the launcher kills the one that timed out)
 * rather than falling back to the suite's shared server.
 */
async function startLocalServer(tries = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: resolveTemporalCli() },
          // The workflow upserts these; an unregistered key would fail its workflow task.
          searchAttributes: SEARCH_ATTRIBUTE_KEYS,
          log: { format: 'json', level: 'error' },
        },
      });
    } catch (error) {
      if (attempt >= tries || !/did not start within/.test(String(error))) throw error;
    }
  }
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this file through test/run.ts`);
  return value;
}

/** Activities that no scenario expects: reaching one fails the test with its name rather than hanging. */
function unexpected(name: string): () => Promise<never> {
  return () => Promise.reject(ApplicationFailure.nonRetryable(`unexpected call of ${name}`, 'unexpected_activity'));
}

/**
 * Runs `scenario` with a worker of its own (its own task queue) over the given mocked activities, and gives it a way
 * to start a delivery on that queue.
 */
async function withWorker<T>(
  mocks: Partial<Mocked>,
  scenario: (start: (input?: Partial<DeliverEventInput>) => Promise<WorkflowHandle<typeof deliverEvent>>) => Promise<T>,
): Promise<T> {
  const taskQueue = `wf-test-${randomUUID()}`;
  const activities: Mocked = {
    prepareDelivery: unexpected('prepareDelivery'),
    sendFirstAttempt: unexpected('sendFirstAttempt'),
    deliverHit: unexpected('deliverHit'),
    holdForIdentify: unexpected('holdForIdentify'),
    parkDelivery: unexpected('parkDelivery'),
    resolveUserId: unexpected('resolveUserId'),
    ...mocks,
  };
  const { prepareDelivery, sendFirstAttempt } = activities;
  // Composed as the real one is: scenarios mock the two parts.
  const prepareAndSendFirst = ({ readySince, ...input }: FirstStepInput): Promise<FirstStep> =>
    prepareThenSend(
      () => prepareDelivery(input),
      (hit) => sendFirstAttempt({ integrationId: input.integrationId, hit, readySince }),
    );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities: { ...activities, prepareAndSendFirst },
  });
  const start = (input?: Partial<DeliverEventInput>) =>
    env.client.workflow.start<typeof deliverEvent>(WORKFLOW_TYPES.deliverEvent, {
      taskQueue,
      workflowId: `deliver-${INTEGRATION}-${randomUUID()}`,
      args: [{ ...deliveryInput(), ...input }],
    });
  return worker.runUntil(scenario(start));
}

function deliveryInput(): DeliverEventInput {
  const event: AcceptedEvent = {
    type: 'track',
    event: 'Order Completed',
    userId: 'crm-42',
    properties: { order_id: 'ORD-42' },
    messageId: randomUUID(),
    receivedAt: new Date().toISOString(),
    at: new Date().toISOString(),
  };
  return {
    integrationId: INTEGRATION,
    event,
    // A 200 ms initial interval keeps the first retry's wait inline (under a second): no workflow timer to wait out.
    retry: { initialIntervalMs: 200, maximumIntervalMs: 1_600, horizonMs: 3_600_000, attemptTimeoutMs: 2_000 },
    holdWindowMs: 60_000,
    combinedFirstStep: true,
  };
}

type FailedAttempt = Extract<DeliveryAttempt, { outcome: 'failed' }>;

function accepted(n: number): DeliveryAttempt {
  const url = 'https://api.eu.xtremepush.com/api/external/hit/event';
  return {
    attempt: n,
    at: new Date().toISOString(),
    url,
    batch: { id: `b${n}`, size: 1 },
    response: { status: 200, body: { success: true } },
    outcome: 'accepted',
  };
}

function failedAttempt(n: number, failureClass: 'transient' | 'auth', status: number): FailedAttempt {
  return {
    attempt: n,
    at: new Date().toISOString(),
    url: 'https://api.eu.xtremepush.com/api/external/hit/event',
    response: { status, body: { success: false } },
    outcome: 'failed',
    failureClass,
    message: `Xtremepush said: HTTP ${status}`,
  };
}

/** The workflow's failure, which a failed delivery must end with (not a timeout, not a cancellation). */
async function failureOf(handle: WorkflowHandle): Promise<ApplicationFailure> {
  const error = await handle.result().then(
    (result: unknown) => assert.fail(`expected the delivery to fail, it ended ${JSON.stringify(result)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, `unexpected ${String(error)}`);
  return error.cause;
}

async function searchAttributes(handle: WorkflowHandle) {
  const { typedSearchAttributes } = await handle.describe();
  return {
    outcome: typedSearchAttributes.get(SA.outcome),
    dropReason: typedSearchAttributes.get(SA.dropReason),
    failureClass: typedSearchAttributes.get(SA.failureClass),
    xtremepushEvent: typedSearchAttributes.get(SA.xtremepushEvent),
  };
}

async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** Polls the workflow's current details until they match; a condition, not a duration, is what the test asserts. */
async function detailsMatching(handle: WorkflowHandle, pattern: RegExp): Promise<string> {
  let last = '';
  for (let i = 0; i < 300; i++) {
    last = await currentDetails(handle);
    if (pattern.test(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the details never matched ${pattern}; last: ${JSON.stringify(last)}`);
}

/** holdForIdentify as the real activity does it: registers the delivery with its hold, starting the hold. */
function registeringWith(holdWorkflowId: string): Mocked['holdForIdentify'] {
  return async ({ integrationId, anonymousId, ...held }) => {
    await env.client.workflow.signalWithStart(WORKFLOW_TYPES.holdAnonymousEvents, {
      taskQueue: Context.current().info.taskQueue,
      workflowId: holdWorkflowId,
      args: [{ integrationId, anonymousId }],
      signal: registerHeldEventSignal,
      signalArgs: [held],
    });
  };
}

/** Waits until a workflow task has completed after the workflow's last signal: its handler has run. */
async function signalHandled(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const signalled = events.map((e) => Boolean(e.workflowExecutionSignaledEventAttributes)).lastIndexOf(true);
    if (signalled >= 0 && events.slice(signalled).some((e) => e.workflowTaskCompletedEventAttributes)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the signal was never handled');
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('deliverEvent with mocked activities', { timeout: 120_000 }, () => {
  test('delivered at the first attempt: prepare and the attempt are one local activity; a delivery started before still runs two', async () => {
    await withWorker({ prepareDelivery: async () => SEND, sendFirstAttempt: async () => accepted(1) }, async (start) => {
      for (const [combinedFirstStep, markers] of [
        [true, 1],
        [undefined, 2],
      ] as const) {
        const handle = await start({ combinedFirstStep });
        const result = await handle.result();
        assert.equal(result.outcome, 'delivered');
        assert.ok(result.outcome === 'delivered');
        assert.deepEqual(result.attempts.first, result.attempts.last);
        const events = (await handle.fetchHistory()).events ?? [];
        assert.equal(events.filter((event) => event.markerRecordedEventAttributes).length, markers, `combinedFirstStep: ${combinedFirstStep}`);
      }
    });
  });

  test('prepare says drop: the delivery ends dropped with the reason, nothing is sent, and XpDropReason says why', async () => {
    const detail = 'the event carries no consent for marketing';
    await withWorker({ prepareDelivery: async () => ({ kind: 'drop', sourceEvent: 'Order Completed', reason: 'consent', detail }) }, async (start) => {
      const handle = await start();
      assert.deepEqual(await handle.result(), { outcome: 'dropped', reason: 'consent', detail });
      const sa = await searchAttributes(handle);
      assert.equal(sa.outcome, 'dropped');
      assert.equal(sa.dropReason, 'consent');
      assert.equal(sa.failureClass, undefined);
    });
  });

  test('prepare says stored: an identify ends stored, with the user and what was stored', async () => {
    const detail = 'identify: traits stored for crm-42; not sent (no mapping for identify)';
    await withWorker({ prepareDelivery: async () => ({ kind: 'stored', sourceEvent: 'identify', userId: 'crm-42', detail }) }, async (start) => {
      const handle = await start();
      assert.deepEqual(await handle.result(), { outcome: 'stored', userId: 'crm-42', detail });
      assert.equal((await searchAttributes(handle)).outcome, 'stored');
    });
  });

  test('the identity store unreachable: retried, saying so in the details, then delivered', async () => {
    // prepareDelivery is a local activity with 4 quick attempts: the first round of 4 fails, the workflow says so and
    // waits, and the next round gets through once the test has read the details.
    let calls = 0;
    const firstRoundOver = deferred();
    const detailsSeen = deferred();
    const prepareDelivery = async (): Promise<PreparedDelivery> => {
      calls += 1;
      if (calls === 4) firstRoundOver.resolve();
      if (calls <= 4) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      await detailsSeen.promise;
      return SEND;
    };
    await withWorker({ prepareDelivery, sendFirstAttempt: async () => accepted(1) }, async (start) => {
      const handle = await start();
      await firstRoundOver.promise;
      const details = await detailsMatching(handle, /^Reading the identity store failed/);
      assert.match(details, /connect ECONNREFUSED 127\.0\.0\.1:5432/);
      assert.match(details, /retrying in \d+ s/);
      detailsSeen.resolve();

      const result = await handle.result();
      assert.equal(result.outcome, 'delivered');
      assert.equal(calls, 5, 'four attempts in the first round, one in the second');
      assert.ok(result.outcome === 'delivered');
      assert.equal(result.attempts.count, 1, 'the store outage cost no delivery attempt');
      assert.equal((await searchAttributes(handle)).outcome, 'delivered');
    });
  });

  test('a value the store refuses (invalid_event) fails the delivery at once, as invalid_event', async () => {
    let calls = 0;
    const prepareDelivery = async (): Promise<PreparedDelivery> => {
      calls += 1;
      throw ApplicationFailure.create({
        type: 'invalid_event',
        nonRetryable: true,
        message: 'the identity store refused a value of this event: invalid byte sequence',
      });
    };
    await withWorker({ prepareDelivery }, async (start) => {
      const handle = await start();
      const failure = await failureOf(handle);
      assert.equal(failure.type, 'invalid_event');
      assert.match(failure.message ?? '', /invalid byte sequence/);
      const details = failure.details?.[0] as DeliveryFailureDetails;
      assert.deepEqual(details, { failureClass: 'invalid_event', attempts: { count: 0, first: null, last: null }, hit: null });
      assert.equal(calls, 1, 'not retried');
      const sa = await searchAttributes(handle);
      assert.equal(sa.outcome, 'failed');
      assert.equal(sa.failureClass, 'invalid_event');
    });
  });

  test('a transient first attempt, then deliverHit accepted: delivered, with the first and the last attempt kept', async () => {
    const retries: RetryInput[] = [];
    const first = failedAttempt(1, 'transient', 503);
    const event = deliveryInput().event;
    const readyTimes: string[] = [];
    await withWorker(
      {
        prepareDelivery: async () => SEND,
        sendFirstAttempt: async ({ readySince }) => {
          readyTimes.push(readySince);
          return first;
        },
        deliverHit: async (input) => {
          retries.push(input);
          return accepted(2);
        },
      },
      async (start) => {
        const handle = await start({ event });
        const result = await handle.result();
        assert.ok(result.outcome === 'delivered', `ended ${result.outcome}`);
        assert.equal(result.xtremepushEvent, 'purchase');
        assert.equal(result.userId, 'crm-42');
        assert.equal(result.attempts.count, 2);
        assert.deepEqual(result.attempts.first, first);
        assert.equal(result.attempts.last?.outcome, 'accepted');
        assert.equal(result.attempts.last?.attempt, 2);
        assert.deepEqual(readyTimes, [event.receivedAt], 'the first attempt counts its wait from the ingest');

        assert.equal(retries.length, 1);
        const [retry] = retries;
        assert.equal(retry!.attemptsBefore, 1);
        assert.equal(retry!.afterPark, false);
        assert.deepEqual(retry!.hit, HIT);
        // The first backoff (50-100 % of 200 ms) is under a second: the activity waits it, not a workflow timer.
        assert.ok(retry!.firstDelayMs >= 100 && retry!.firstDelayMs <= 200, `firstDelayMs ${retry!.firstDelayMs}`);

        const sa = await searchAttributes(handle);
        assert.equal(sa.outcome, 'delivered');
        assert.equal(sa.xtremepushEvent, 'purchase');
        assert.equal(sa.failureClass, undefined);
      },
    );
  });

  test('deliverHit gives up (retries_exhausted): the delivery fails with that class and its attempt record', async () => {
    const first = failedAttempt(1, 'transient', 503);
    const last = failedAttempt(5, 'transient', 502);
    const message = 'Xtremepush said: HTTP 502 Gave up after 5 attempts over the retry horizon.';
    await withWorker(
      {
        prepareDelivery: async () => SEND,
        sendFirstAttempt: async () => first,
        deliverHit: async () => {
          throw ApplicationFailure.create({ type: 'retries_exhausted', nonRetryable: true, message, details: [last] });
        },
      },
      async (start) => {
        const handle = await start();
        const failure = await failureOf(handle);
        assert.equal(failure.type, 'retries_exhausted');
        assert.equal(failure.message, message);
        const details = failure.details?.[0] as DeliveryFailureDetails;
        assert.equal(details.failureClass, 'retries_exhausted');
        assert.deepEqual(details.attempts, { count: 5, first, last });
        assert.deepEqual(details.hit, HIT);
        const sa = await searchAttributes(handle);
        assert.equal(sa.outcome, 'failed');
        assert.equal(sa.failureClass, 'retries_exhausted');
        assert.equal(sa.xtremepushEvent, 'purchase');
      },
    );
  });

  for (const [ending, reason] of [
    ['an operator cancels', 'cancelled'],
    ['`cli erase` erases the person of', 'erased'],
  ] as const) {
    test(`${ending} a retrying delivery: it ends dropped as ${reason}, not failed`, async () => {
      const retrying = deferred();
      await withWorker(
        {
          prepareDelivery: async () => SEND,
          sendFirstAttempt: async () => failedAttempt(1, 'transient', 503),
          // Xtremepush never answers the retry: the delivery is still waiting when the cancel or the erase comes.
          deliverHit: () => {
            retrying.resolve();
            const { cancellationSignal } = Context.current();
            return new Promise<never>((_, reject) => cancellationSignal.addEventListener('abort', () => reject(cancellationSignal.reason)));
          },
        },
        async (start) => {
          const handle = await start();
          await retrying.promise;
          if (reason === 'cancelled') await handle.cancel();
          else await handle.signal(eraseDeliverySignal);
          const result = await handle.result();
          assert.ok(result.outcome === 'dropped' && result.reason === reason, JSON.stringify(result));
          const sa = await searchAttributes(handle);
          assert.equal(sa.outcome, 'dropped');
          assert.equal(sa.dropReason, reason);
          assert.equal((await handle.describe()).status.name, 'COMPLETED');
        },
      );
    });
  }

  test('an identify whose signal reaches the hold while it looks the link up is kept: the held event is delivered', async () => {
    const holdWorkflowId = `hold-${INTEGRATION}-${randomUUID()}`;
    const lookupStarted = deferred();
    const lookupMayEnd = deferred();
    const prepared: Array<string | undefined> = [];
    const readyTimes: string[] = [];
    await withWorker(
      {
        prepareDelivery: async ({ asUser }) => {
          prepared.push(asUser);
          return asUser ? SEND : { kind: 'unidentified', sourceEvent: 'Product Added', anonymousId: 'anon-42', holdWorkflowId };
        },
        holdForIdentify: registeringWith(holdWorkflowId),
        // The store had no link yet when the hold looked: the identify stores it and signals while the lookup runs.
        resolveUserId: async () => {
          lookupStarted.resolve();
          await lookupMayEnd.promise;
          return null;
        },
        sendFirstAttempt: async ({ readySince }) => {
          readyTimes.push(readySince);
          return accepted(1);
        },
      },
      async (start) => {
        // Short windows: with the identify lost, the delivery would end dropped (unidentified) after 5 s. Received an
        // hour ago: the attempt after its release must not count as part of a backlog (the channel's batching).
        const receivedAt = new Date(Date.now() - 3_600_000).toISOString();
        const handle = await start({ holdWindowMs: 5_000, event: { ...deliveryInput().event, receivedAt } });
        await lookupStarted.promise;
        const hold = env.client.workflow.getHandle(holdWorkflowId);
        await hold.signal(identifiedSignal, { userId: 'crm-42' });
        await signalHandled(hold);
        lookupMayEnd.resolve();

        const result = await handle.result();
        assert.ok(result.outcome === 'delivered' && result.userId === 'crm-42', JSON.stringify(result));
        assert.deepEqual(prepared, [undefined, 'crm-42']);
        assert.deepEqual(await hold.result(), { released: 1, userId: 'crm-42' });
        assert.equal(readyTimes.length, 1);
        assert.ok(Date.parse(readyTimes[0]!) >= Date.now() - 60_000, `ready since its release, not its ingest: ${readyTimes[0]}`);
      },
    );
  });

  test('a released event cancelled before it is sent still tells its hold, which then ends', async () => {
    const holdWorkflowId = `hold-${INTEGRATION}-${randomUUID()}`;
    const releasedPrepare = deferred();
    await withWorker(
      {
        prepareDelivery: async ({ asUser }) => {
          if (!asUser) return { kind: 'unidentified', sourceEvent: 'Product Added', anonymousId: 'anon-43', holdWorkflowId };
          releasedPrepare.resolve();
          const { cancellationSignal } = Context.current();
          return new Promise<never>((_, reject) => cancellationSignal.addEventListener('abort', () => reject(cancellationSignal.reason)));
        },
        holdForIdentify: registeringWith(holdWorkflowId),
        resolveUserId: async () => 'crm-43',
      },
      async (start) => {
        const handle = await start();
        await releasedPrepare.promise;
        await handle.cancel();
        const result = await handle.result();
        assert.ok(result.outcome === 'dropped' && result.reason === 'cancelled', JSON.stringify(result));
        const events = (await handle.fetchHistory()).events ?? [];
        assert.ok(
          events.some((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'heldEventDone'),
          'the cancelled delivery told its hold it is done',
        );
        assert.deepEqual(await env.client.workflow.getHandle(holdWorkflowId).result(), { released: 1, userId: 'crm-43' });
      },
    );
  });

  test('an auth refusal parks the delivery; resumeDelivery sends it on through deliverHit, rechecking the credentials', async () => {
    const parked = deferred<{ integrationId: string; workflowId: string; failureClass: string; message: string }>();
    const retries: RetryInput[] = [];
    const first = failedAttempt(1, 'auth', 401);
    await withWorker(
      {
        prepareDelivery: async () => SEND,
        sendFirstAttempt: async () => first,
        parkDelivery: async (input) => parked.resolve(input),
        deliverHit: async (input) => {
          retries.push(input);
          return accepted(2);
        },
      },
      async (start) => {
        const handle = await start();
        const registration = await parked.promise;
        assert.deepEqual(registration, { integrationId: INTEGRATION, workflowId: handle.workflowId, failureClass: 'auth', message: first.message });

        // Parked: running, nothing retried, and visible as such to `XpOutcome = 'parked'`.
        const description = await handle.describe();
        assert.equal(description.status.name, 'RUNNING');
        const sa = await searchAttributes(handle);
        assert.equal(sa.outcome, 'parked');
        assert.equal(sa.failureClass, 'auth');
        assert.match(await detailsMatching(handle, /^Parked \(auth\)/), /resumes by itself once a probe succeeds/);
        assert.equal(retries.length, 0, 'a parked delivery does not retry by itself');

        await handle.signal(resumeDeliverySignal);
        const result = await handle.result();
        assert.ok(result.outcome === 'delivered', `ended ${result.outcome}`);
        assert.equal(result.attempts.count, 2);
        assert.deepEqual(result.attempts.first, first);
        assert.equal(result.attempts.last?.outcome, 'accepted');

        assert.equal(retries.length, 1);
        assert.equal(retries[0]!.attemptsBefore, 1);
        assert.equal(retries[0]!.afterPark, true, 'the channel is told to check the credentials again');
        const after = await searchAttributes(handle);
        assert.equal(after.outcome, 'delivered');
        assert.equal(after.failureClass, undefined, 'the parked class is cleared once delivered');
      },
    );
  });
});
