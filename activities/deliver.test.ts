import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Info } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { integrationSchema } from '../config/schema';
import type { AcceptedEvent } from '../events/schema';
import { InvalidStoreInput } from '../identity/sql-store';
import type { MessageLog } from '../identity/message-log';
import type { IdentityStore } from '../identity/store';
import type { DeliveryAttempt, DeliveryRetryPolicy } from '../workflows/contracts';
import type { DeliveryChannel, EventExchange } from '../xtremepush/channel';
import type { EventHit } from '../xtremepush/hit';
import { createDeliveryActivities, type RetryInput } from './deliver';
import type { ActivityDeps } from './deps';
import { createPrepareActivities } from './prepare';

/*
 * Unit tests of the delivery activities in a mocked activity context: no server, no Xtremepush. The channel is a
 * script of exchanges, so each test decides exactly what Xtremepush "answered" and checks what the activity makes of
 * it: the attempt it returns, or the ApplicationFailure (type, retryability, delay, details) Temporal acts on.
 */

const INTEGRATION = 'xp-test';
const HIT: EventHit = { user_id: 'crm-1', event: 'purchase', timestamp: '2026-06-05 10:00:00 +00:00', value: { order_id: 'ORD-1' } };
const READY_SINCE = '2026-06-05T10:00:00.000Z';
/** What a real channel answers for a Retry-After of 0 or none: at least a second (README, "Failure classes"). */
const RETRY_AFTER_FLOOR_MS = 1_500;
const RETRY_AFTER_CEILING_MS = 900_000;

interface SendCall {
  hit: EventHit;
  deadline: number;
  signal?: AbortSignal;
  recheck?: boolean;
  readySince?: number;
}

/** A DeliveryChannel that answers each send with the next scripted exchange and records what it was asked. */
function scriptedChannel(script: EventExchange[]) {
  const sends: SendCall[] = [];
  const boundedCalls: (number | undefined)[] = [];
  const channel = {
    send(hit: EventHit, options: Omit<SendCall, 'hit'>): Promise<EventExchange> {
      sends.push({ hit, ...options });
      const next = script.shift();
      if (!next) throw new Error(`the script has no answer for send #${sends.length}`);
      return Promise.resolve(next);
    },
    // Deterministic (no jitter) so a test can tell the bounded value from the raw one.
    boundedRetryAfter(ms: number | undefined): number {
      boundedCalls.push(ms);
      return Math.min(RETRY_AFTER_CEILING_MS, Math.max(RETRY_AFTER_FLOOR_MS, ms ?? RETRY_AFTER_FLOOR_MS));
    },
  };
  return { channel: channel as unknown as DeliveryChannel, sends, boundedCalls, remaining: () => script.length };
}

function depsWith(overrides: Partial<ActivityDeps>): ActivityDeps {
  return {
    integrations: new Map(),
    channels: new Map(),
    // Delivery activities never touch these; a test that reached them would fail loudly.
    identityStore: {} as IdentityStore,
    messageLog: {} as MessageLog,
    temporal: {} as Client,
    taskQueue: 'unit-test',
    circuitProbeIntervalMs: 30_000,
    logger: pino({ level: 'silent' }),
    ...overrides,
  };
}

/** A mocked activity context; the SDK's own "Activity failed" warnings are expected here, so they are silenced. */
function environment(info: Partial<Info> = {}): { env: MockActivityEnvironment; heartbeats: unknown[] } {
  const env = new MockActivityEnvironment(
    {
      attempt: 1,
      // The default (1 s) would leave an attempt no time before its deadline margin.
      startToCloseTimeoutMs: 30_000,
      workflowExecution: { workflowId: 'deliver-xp-test-msg-1', runId: '00000000-0000-0000-0000-000000000001' },
      ...info,
    },
    { logger: new DefaultLogger('ERROR') },
  );
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  return { env, heartbeats };
}

const accepted = (batch = { id: 'batch-1', size: 1 }): EventExchange => ({
  sent: true,
  url: 'https://api.eu.xtremepush.com/api/external/hit/event',
  batch,
  response: { status: 200, body: { success: true } },
  classification: { outcome: 'accepted', code: 200 },
});

const refused = (status: number, failureClass: 'bad_request' | 'transient' | 'throttled', retryAfterMs?: number): EventExchange => ({
  sent: true,
  url: 'https://api.eu.xtremepush.com/api/external/hit/event',
  batch: { id: `batch-${status}`, size: 1 },
  response: { status, body: { success: false, message: `HTTP ${status}` } },
  classification: {
    outcome: 'failed',
    failureClass,
    retryable: failureClass !== 'bad_request',
    code: status,
    message: `Xtremepush said: HTTP ${status}`,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  },
});

/** Backoff steps: a 10 ms policy keeps every backoff inline (< 1 s), a 4 s one hands every wait to Temporal. */
const policy = (initialIntervalMs: number): DeliveryRetryPolicy => ({
  initialIntervalMs,
  maximumIntervalMs: initialIntervalMs * 8,
  horizonMs: 86_400_000,
  attemptTimeoutMs: 1_000,
});

function retryInput(overrides: Partial<RetryInput> = {}): RetryInput {
  return {
    integrationId: INTEGRATION,
    hit: HIT,
    retry: policy(10),
    attemptsBefore: 1,
    horizonEndsAt: Date.now() + 3_600_000,
    firstDelayMs: 0,
    ...overrides,
  };
}

/** Awaits `run`, expecting an ApplicationFailure; returns it with its first detail, the attempt. */
async function failureOf(run: Promise<unknown>): Promise<{ failure: ApplicationFailure; attempt: DeliveryAttempt }> {
  const error = await run.then(
    (value) => assert.fail(`expected an ApplicationFailure, got ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  const attempt = error.details?.[0] as DeliveryAttempt | undefined;
  assert.ok(attempt, 'the failure carries the attempt in its details');
  return { failure: error, attempt };
}

/** `env.run` with the activity's own types (the SDK's overload infers its result as unknown). */
function run<A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

function setup(script: EventExchange[]) {
  const scripted = scriptedChannel(script);
  const activities = createDeliveryActivities(depsWith({ channels: new Map([[INTEGRATION, scripted.channel]]) }));
  return { ...scripted, activities };
}

describe('sendFirstAttempt', () => {
  test('an accepted exchange is attempt 1, accepted, with the batch that carried it', async () => {
    const { activities, sends } = setup([accepted({ id: 'batch-7', size: 3 })]);
    const { env } = environment({ isLocal: true });
    const before = Date.now();
    const attempt = await run(env, activities.sendFirstAttempt, { integrationId: INTEGRATION, hit: HIT, readySince: READY_SINCE });
    const after = Date.now();

    assert.equal(attempt.attempt, 1);
    assert.equal(attempt.outcome, 'accepted');
    assert.deepEqual(attempt.batch, { id: 'batch-7', size: 3 });
    assert.equal(attempt.response?.status, 200);
    assert.equal(attempt.url, 'https://api.eu.xtremepush.com/api/external/hit/event');
    // The attempt gives up 1 s inside its activity's timeout, so it never sends after Temporal abandoned it, and it
    // hands the channel the activity's cancellation.
    assert.equal(sends.length, 1);
    assert.deepEqual(sends[0]!.hit, HIT);
    assert.ok(sends[0]!.deadline >= before + 29_000 && sends[0]!.deadline <= after + 29_000, `deadline ${sends[0]!.deadline - before} ms ahead`);
    assert.equal(sends[0]!.signal, env.context.cancellationSignal);
    assert.equal(sends[0]!.recheck, false);
    // When the event became ready tells the channel whether it is already behind (a backlog): see its batching.
    assert.equal(sends[0]!.readySince, Date.parse(READY_SINCE));
  });

  test('a refused exchange is a failed attempt with its class and message, not a throw: the workflow decides', async () => {
    const { activities } = setup([refused(503, 'transient')]);
    const attempt = await run(environment().env, activities.sendFirstAttempt, { integrationId: INTEGRATION, hit: HIT, readySince: READY_SINCE });
    assert.equal(attempt.outcome, 'failed');
    assert.ok(attempt.outcome === 'failed');
    assert.equal(attempt.attempt, 1);
    assert.equal(attempt.failureClass, 'transient');
    assert.equal(attempt.message, 'Xtremepush said: HTTP 503');
    assert.equal(attempt.response?.status, 503);
    assert.equal(attempt.retryAfterMs, undefined, 'only a throttled answer carries a Retry-After');
  });

  test('an exchange never sent (closed circuit) is a failed attempt with no url or response, marked circuitOpen', async () => {
    const message = 'the App Token was refused. Fix: re-copy it. Nothing is sent until a probe finds it fixed.';
    const { activities } = setup([{ sent: false, failureClass: 'auth', message, circuitOpen: true }]);
    const attempt = await run(environment().env, activities.sendFirstAttempt, { integrationId: INTEGRATION, hit: HIT, readySince: READY_SINCE });
    assert.deepEqual(
      { ...attempt, at: undefined },
      { attempt: 1, at: undefined, url: null, response: null, outcome: 'failed', failureClass: 'auth', message, circuitOpen: true },
    );
  });

  test('a throttled answer carries the channel-bounded Retry-After, not the raw one', async () => {
    const { activities, boundedCalls } = setup([refused(429, 'throttled', 0)]);
    const attempt = await run(environment().env, activities.sendFirstAttempt, { integrationId: INTEGRATION, hit: HIT, readySince: READY_SINCE });
    assert.ok(attempt.outcome === 'failed');
    assert.deepEqual(boundedCalls, [0]);
    assert.equal(attempt.retryAfterMs, RETRY_AFTER_FLOOR_MS);
  });
});

describe('prepareAndSendFirst', () => {
  // No consent categories: the event needs none, and the store is only read.
  const integration = integrationSchema.parse({ id: INTEGRATION, appToken: 'unit-token', apiBaseUrl: 'https://api.eu.xtremepush.com', consentCategories: [] });
  const track: AcceptedEvent = {
    type: 'track',
    event: 'Order Completed',
    messageId: 'msg-track-1',
    userId: 'crm-1',
    properties: { order_id: 'ORD-1' },
    receivedAt: READY_SINCE,
    at: READY_SINCE,
  };
  const knownUser = { userId: 'crm-1', traits: {}, consent: [], observed: [], suppressed: false };

  function setupWith(identityStore: IdentityStore, script: EventExchange[]) {
    const scripted = scriptedChannel(script);
    const deps = depsWith({ integrations: new Map([[INTEGRATION, integration]]), channels: new Map([[INTEGRATION, scripted.channel]]), identityStore });
    return { ...scripted, activities: createDeliveryActivities(deps) };
  }

  test('an event to send is prepared and sent once: its hit, its readySince, a deadline 1 s inside the activity timeout', async () => {
    const { activities, sends } = setupWith({ loadProfile: async () => knownUser } as unknown as IdentityStore, [accepted()]);
    const before = Date.now();
    const step = await run(environment({ isLocal: true }).env, activities.prepareAndSendFirst, {
      integrationId: INTEGRATION,
      event: track,
      readySince: READY_SINCE,
    });
    const after = Date.now();
    assert.equal(step.prepared.kind, 'send');
    assert.ok(step.prepared.kind === 'send');
    assert.equal(step.first?.outcome, 'accepted');
    assert.equal(step.first?.attempt, 1);
    assert.equal(sends.length, 1);
    assert.deepEqual(sends[0]!.hit, step.prepared.hit);
    assert.equal(sends[0]!.hit.user_id, 'crm-1');
    assert.equal(sends[0]!.readySince, Date.parse(READY_SINCE));
    assert.ok(sends[0]!.deadline >= before + 29_000 && sends[0]!.deadline <= after + 29_000, `deadline ${sends[0]!.deadline - before} ms ahead`);
  });

  test('an event prepare drops is not sent: no attempt, the drop and its reason', async () => {
    const { activities, sends } = setupWith({} as IdentityStore, []);
    const off = { ...track, integrations: { [INTEGRATION]: false } };
    const step = await run(environment({ isLocal: true }).env, activities.prepareAndSendFirst, {
      integrationId: INTEGRATION,
      event: off,
      readySince: READY_SINCE,
    });
    assert.equal(step.first, null);
    assert.equal(step.prepared.kind === 'drop' && step.prepared.reason, 'integrations_disabled');
    assert.equal(sends.length, 0);
  });

  test('the identity store unreachable: it throws (to be retried) before anything is sent', async () => {
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const store = new Proxy({} as IdentityStore, { get: () => () => Promise.reject(unreachable) });
    const { activities, sends } = setupWith(store, [accepted()]);
    await assert.rejects(
      run(environment({ isLocal: true }).env, activities.prepareAndSendFirst, { integrationId: INTEGRATION, event: track, readySince: READY_SINCE }),
      /ECONNREFUSED/,
    );
    assert.equal(sends.length, 0);
  });
});

describe('deliverHit', () => {
  test('short waits are retried inline; the accepted attempt is numbered after attemptsBefore', async () => {
    const { activities, sends, remaining } = setup([refused(503, 'transient'), refused(502, 'transient'), accepted()]);
    const { env, heartbeats } = environment();
    const attempt = await run(env, activities.deliverHit, retryInput({ attemptsBefore: 1, retry: policy(10) }));
    assert.equal(remaining(), 0, 'all three scripted answers were used in one activity attempt');
    assert.equal(sends.length, 3);
    assert.equal(attempt.outcome, 'accepted');
    assert.equal(attempt.attempt, 4, 'attempts 2, 3 and 4 of the delivery');
    assert.deepEqual(heartbeats, [], 'nothing handed to Temporal, so nothing to carry over');
  });

  test('a refusal for good (bad_request) throws a non-retryable failure of that type with the attempt in its details', async () => {
    const { activities, sends } = setup([refused(400, 'bad_request')]);
    const { failure, attempt } = await failureOf(run(environment().env, activities.deliverHit, retryInput({ attemptsBefore: 2 })));
    assert.equal(sends.length, 1, 'not retried');
    assert.equal(failure.type, 'bad_request');
    assert.equal(failure.nonRetryable, true);
    assert.equal(failure.message, 'Xtremepush said: HTTP 400');
    assert.equal(attempt.attempt, 3);
    assert.ok(attempt.outcome === 'failed');
    assert.equal(attempt.failureClass, 'bad_request');
    assert.equal(attempt.response?.status, 400);
  });

  test('a wait of a second or more heartbeats the count, then throws a retryable failure with nextRetryDelay', async () => {
    const { activities, sends } = setup([refused(503, 'transient')]);
    const { env, heartbeats } = environment();
    const { failure, attempt } = await failureOf(run(env, activities.deliverHit, retryInput({ attemptsBefore: 1, retry: policy(4_000) })));
    assert.equal(sends.length, 1, "the wait is Temporal's, not spent in the activity");
    assert.equal(failure.type, 'transient');
    assert.equal(failure.nonRetryable, false);
    // Backoff for the round's first retry: 50-100 % of the 4 s initial interval.
    const delay = failure.nextRetryDelay;
    assert.ok(typeof delay === 'number' && delay >= 2_000 && delay <= 4_000, `nextRetryDelay ${String(delay)}`);
    assert.equal(attempt.attempt, 2);
    assert.deepEqual(heartbeats, [{ count: 2 }], 'the next activity attempt continues the numbering from here');
  });

  test('a later activity attempt continues the numbering from the heartbeat, ignoring attemptsBefore and firstDelayMs', async () => {
    const { activities, sends } = setup([accepted()]);
    const { env } = environment({ attempt: 2, heartbeatDetails: { count: 7 } });
    const attempt = await run(env, activities.deliverHit, retryInput({ attemptsBefore: 1, firstDelayMs: 900, afterPark: true }));
    assert.equal(attempt.attempt, 8);
    // The credentials recheck after a park belongs to the round's first attempt only, made by an earlier activity attempt.
    assert.equal(sends[0]!.recheck, false);
  });

  test("after a park, the round's first attempt asks the channel to recheck the credentials; inline retries do not", async () => {
    const { activities, sends } = setup([refused(503, 'transient'), accepted()]);
    const attempt = await run(environment().env, activities.deliverHit, retryInput({ attemptsBefore: 4, afterPark: true }));
    assert.equal(attempt.attempt, 6);
    assert.deepEqual(
      sends.map((s) => s.recheck),
      [true, false],
    );
  });

  test('a retry that would come after the horizon throws retries_exhausted, non-retryable, with the last attempt', async () => {
    const { activities, sends } = setup([refused(503, 'transient')]);
    const { env, heartbeats } = environment();
    const { failure, attempt } = await failureOf(
      run(env, activities.deliverHit, retryInput({ attemptsBefore: 5, retry: policy(4_000), horizonEndsAt: Date.now() + 500 })),
    );
    assert.equal(sends.length, 1);
    assert.equal(failure.type, 'retries_exhausted');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /Gave up after 6 attempts over the retry horizon/);
    assert.equal(attempt.attempt, 6);
    assert.ok(attempt.outcome === 'failed');
    assert.equal(attempt.failureClass, 'transient');
    assert.deepEqual(heartbeats, []);
  });

  test('a throttled answer waits its bounded Retry-After, not the backoff', async () => {
    // Retry-After: 0 from Xtremepush; the channel bounds it to its floor, which is at least a second: Temporal waits.
    const { activities, boundedCalls } = setup([refused(429, 'throttled', 0)]);
    const { env, heartbeats } = environment();
    const { failure, attempt } = await failureOf(run(env, activities.deliverHit, retryInput({ attemptsBefore: 1, retry: policy(10) })));
    assert.deepEqual(boundedCalls, [0]);
    assert.equal(failure.type, 'throttled');
    assert.equal(failure.nonRetryable, false);
    assert.equal(failure.nextRetryDelay, RETRY_AFTER_FLOOR_MS);
    assert.ok(attempt.outcome === 'failed');
    assert.equal(attempt.retryAfterMs, RETRY_AFTER_FLOOR_MS);
    assert.deepEqual(heartbeats, [{ count: 2 }]);
  });

  test('a Retry-After beyond the horizon gives up at once instead of waiting for it', async () => {
    const { activities } = setup([refused(429, 'throttled', 3_600_000)]);
    const { failure } = await failureOf(run(environment().env, activities.deliverHit, retryInput({ horizonEndsAt: Date.now() + 60_000 })));
    assert.equal(failure.type, 'retries_exhausted');
    assert.equal(failure.nonRetryable, true);
  });
});

describe('prepareDelivery: what the identity store refuses, and what it cannot do', () => {
  const integration = integrationSchema.parse({ id: INTEGRATION, appToken: 'unit-token', apiBaseUrl: 'https://api.eu.xtremepush.com' });
  const identify: AcceptedEvent = {
    type: 'identify',
    messageId: 'msg-identify-1',
    userId: 'crm-1',
    traits: { email: 'jane@example.com' },
    receivedAt: '2026-06-05T10:00:00.000Z',
    at: '2026-06-05T10:00:00.000Z',
  };

  /** An identity store every method of which throws `error`: the activity meets it at its first read or write. */
  function storeThrowing(error: Error): IdentityStore {
    return new Proxy({} as IdentityStore, { get: () => () => Promise.reject(error) });
  }

  function prepareWith(error: Error): Promise<unknown> {
    const { prepareDelivery } = createPrepareActivities(depsWith({ integrations: new Map([[INTEGRATION, integration]]), identityStore: storeThrowing(error) }));
    return run(environment({ isLocal: true }).env, prepareDelivery, { integrationId: INTEGRATION, event: identify });
  }

  async function refusal(error: Error): Promise<ApplicationFailure> {
    const thrown = await prepareWith(error).then(
      () => assert.fail('expected prepareDelivery to throw'),
      (e: unknown) => e,
    );
    assert.ok(thrown instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(thrown)}`);
    return thrown;
  }

  test('a PostgreSQL data exception (22P05, a NUL in text) ends the event as invalid_event, not retried', async () => {
    const pgError = Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    const failure = await refusal(pgError);
    assert.equal(failure.type, 'invalid_event');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /refused a value of this event: unsupported Unicode escape sequence/);
  });

  test('a program limit (54000, a value too large) is invalid_event too', async () => {
    const failure = await refusal(Object.assign(new Error('index row size exceeds maximum'), { code: '54000' }));
    assert.equal(failure.type, 'invalid_event');
    assert.equal(failure.nonRetryable, true);
  });

  test("the store's own input check (InvalidStoreInput) is invalid_event", async () => {
    const failure = await refusal(new InvalidStoreInput('Invalid identify:\n✖ Invalid ISO datetime'));
    assert.equal(failure.type, 'invalid_event');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /Invalid identify/);
  });

  test('a store that cannot be reached is rethrown as it is, so the workflow retries it', async () => {
    for (const unreachable of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      // SQLSTATE class 08 (connection exception) is not a data error, though it is a PostgreSQL code.
      Object.assign(new Error('server closed the connection unexpectedly'), { code: '08006' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      const thrown = await prepareWith(unreachable).then(
        () => assert.fail('expected prepareDelivery to throw'),
        (e: unknown) => e,
      );
      assert.equal(thrown, unreachable, `${unreachable.message}: rethrown unchanged`);
      assert.ok(!(thrown instanceof ApplicationFailure));
    }
  });
});
