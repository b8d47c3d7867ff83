import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../test/ports';
import { startSimulator, type Simulator } from '../simulator';
import { DeliveryChannel, type ChannelIntegration, type ChannelSettings, type EventExchange } from './channel';
import { createXtremepushClient, type XtremepushClient } from './client';
import { formatHitTimestamp, type EventHit } from './hit';

/*
 * The DeliveryChannel against a real simulator, without Temporal: batching, bisection of a refused batch, the pause
 * after a 429, the credential check before the first send, abandoned attempts and the caps. Assertions are about what
 * reached the simulator and in which order, never about how long something took.
 */

const EU_TOKEN = 'channel-eu-token-7d1e';
const US_TOKEN = 'channel-us-token-2a9c';
const HIT_PATH = /^\/api\/external\/hit\/events?$/;

const SETTINGS: ChannelSettings = {
  maxBatchEvents: 1000,
  batchWindowMs: 100,
  batchMaxWaitMs: 1000,
  batchBacklogWaitMs: 0,
  backlogBatchEvents: 1000,
  maxInFlight: 8,
  maxRequestsPerSecond: 1000,
  timeoutMs: 3000,
  trustMs: 60_000,
  openForMs: 60_000,
  retryAfter: { floorMs: 200, ceilingMs: 5000 },
};

let unique = 0;
const userId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;
const hitOf = (user: string): EventHit => ({ user_id: user, event: 'product_viewed', timestamp: formatHitTimestamp(new Date().toISOString()) });
const later = (ms = 10_000) => ({ deadline: Date.now() + ms });

/** The client, with every sendEvents call seen: when it started, when its answer came back, how many ran at once. */
function observed(inner: XtremepushClient) {
  const sends: Array<{ users: string[]; startedAt: number; endedAt: number | null }> = [];
  const calls: string[] = [];
  let active = 0;
  let maxActive = 0;
  const client: XtremepushClient = {
    async sendEvents(target, hits, options) {
      const record = { users: hits.map((h) => h.user_id), startedAt: Date.now(), endedAt: null as number | null };
      sends.push(record);
      active += 1;
      maxActive = Math.max(maxActive, active);
      try {
        return await inner.sendEvents(target, hits, options);
      } finally {
        active -= 1;
        record.endedAt = Date.now();
      }
    },
    call(target, method, body, options) {
      calls.push(method);
      return inner.call(target, method, body, options);
    },
    close: () => inner.close(),
  };
  return { client, sends, calls, maxActive: () => maxActive };
}

function sentOf(exchange: EventExchange): Extract<EventExchange, { sent: true }> {
  assert.equal(exchange.sent, true, `expected the event to be sent: ${JSON.stringify(exchange)}`);
  return exchange as Extract<EventExchange, { sent: true }>;
}

function unsentOf(exchange: EventExchange): Extract<EventExchange, { sent: false }> {
  assert.equal(exchange.sent, false, `expected the event not to be sent: ${JSON.stringify(exchange)}`);
  return exchange as Extract<EventExchange, { sent: false }>;
}

/** The user_ids one recorded request carried (hit/event: one, hit/events: the batch). */
function usersIn(body: unknown): string[] {
  const b = body as { user_id?: string; events?: Array<{ user_id: string }> };
  return b.events ? b.events.map((e) => e.user_id) : b.user_id ? [b.user_id] : [];
}

describe('DeliveryChannel against the simulator', () => {
  let sim: Simulator;
  let xtremepush: XtremepushClient;
  const channels: DeliveryChannel[] = [];

  const hitRequests = () => sim.received().filter((r) => HIT_PATH.test(r.path));
  const integration = (over: Partial<ChannelIntegration> = {}): ChannelIntegration => ({
    id: 'xp',
    apiBaseUrl: sim.urls.eu,
    appToken: EU_TOKEN,
    region: 'eu',
    ...over,
  });
  function channel(
    settings: Partial<ChannelSettings> = {},
    options: { client?: XtremepushClient; integration?: Partial<ChannelIntegration>; refused?: (m: string) => void } = {},
  ) {
    const created = new DeliveryChannel(
      integration(options.integration),
      options.client ?? xtremepush,
      sim.urls,
      { ...SETTINGS, ...settings },
      { refused: options.refused },
    );
    channels.push(created);
    return created;
  }
  /** A channel whose credentials were checked already, with the simulator's record cleared of that check. */
  async function verifiedChannel(settings: Partial<ChannelSettings> = {}, client?: XtremepushClient) {
    const created = channel(settings, { client });
    await created.verifyNow();
    sim.reset();
    return created;
  }

  before(async () => {
    sim = await startSimulator({
      eu: { projects: [{ name: 'eu-project', token: EU_TOKEN }] },
      us: { projects: [{ name: 'us-project', token: US_TOKEN }] },
    });
    xtremepush = createXtremepushClient({ timeoutMs: 3000 });
  });

  after(async () => {
    for (const c of channels) c.close();
    await xtremepush.close();
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
    sim.refuseUserIds([]);
  });

  describe('batching', () => {
    test('the token is checked with a read-only call first; concurrent sends then share one hit/events request', async () => {
      const ch = channel();
      const users = Array.from({ length: 10 }, () => userId('share'));
      const exchanges = (await Promise.all(users.map((u) => ch.send(hitOf(u), later())))).map(sentOf);

      const received = sim.received();
      assert.deepEqual(
        received.map((r) => r.path),
        ['/api/external/list/profile-subscription', '/api/external/hit/events'],
        'one credential check, then one request for all ten',
      );
      assert.deepEqual(usersIn(received[1]!.body), users, 'in the order they were sent');
      const batchIds = new Set(exchanges.map((e) => e.batch.id));
      assert.equal(batchIds.size, 1, 'every event names the same batch');
      for (const e of exchanges) {
        assert.equal(e.batch.size, 10);
        assert.equal(e.response?.status, 200);
        assert.equal(e.classification.outcome, 'accepted');
        assert.equal(e.url, `${sim.urls.eu}/api/external/hit/events`);
      }
      for (const u of users) assert.equal(sim.hits({ user_id: u }).length, 1, `${u} landed once`);
    });

    test('an event sent after a batch left goes in a request of its own, with another batch id', async () => {
      const ch = await verifiedChannel();
      const first = sentOf(await ch.send(hitOf(userId('first')), later()));
      const second = sentOf(await ch.send(hitOf(userId('second')), later()));
      assert.notEqual(first.batch.id, second.batch.id);
      assert.equal(first.batch.size, 1);
      assert.equal(second.batch.size, 1);
      assert.deepEqual(
        hitRequests().map((r) => r.path),
        ['/api/external/hit/event', '/api/external/hit/event'],
        'a single event goes to hit/event',
      );
    });

    test('maxBatchEvents splits concurrent sends into requests of at most that many events', async () => {
      const ch = await verifiedChannel({ maxBatchEvents: 4 });
      const users = Array.from({ length: 10 }, () => userId('split'));
      const exchanges = (await Promise.all(users.map((u) => ch.send(hitOf(u), later())))).map(sentOf);

      const requests = hitRequests();
      assert.deepEqual(
        requests.map((r) => usersIn(r.body)).sort((a, b) => users.indexOf(a[0]!) - users.indexOf(b[0]!)),
        [users.slice(0, 4), users.slice(4, 8), users.slice(8)],
        'first come, first sent, four at a time',
      );
      // Each event's batch is the request that carried it.
      const byBatch = new Map<string, string[]>();
      exchanges.forEach((e, i) => byBatch.set(e.batch.id, [...(byBatch.get(e.batch.id) ?? []), users[i]!]));
      assert.equal(byBatch.size, 3);
      for (const [id, members] of byBatch) {
        const sizes = new Set(exchanges.filter((e) => e.batch.id === id).map((e) => e.batch.size));
        assert.deepEqual([...sizes], [members.length], `batch ${id} reports its own size`);
      }
      for (const u of users) assert.equal(sim.hits({ user_id: u }).length, 1, `${u} landed once`);
    });
  });

  describe('a stream of attempts', () => {
    /**
     * Sends one attempt per user, `gapMs` apart, and returns what each of them came to. `behind`: which of them were
     * received by the ingest API a minute ago (a backlog) rather than just now.
     */
    async function stream(ch: DeliveryChannel, users: string[], gapMs: number, behind: (i: number) => boolean = () => false) {
      const exchanges: Array<Promise<EventExchange>> = [];
      for (const [i, u] of users.entries()) {
        const readySince = Date.now() - (behind(i) ? 60_000 : 0);
        exchanges.push(ch.send(hitOf(u), { ...later(), readySince }));
        await sleep(gapMs);
      }
      return (await Promise.all(exchanges)).map(sentOf);
    }
    const sizes = () => hitRequests().map((r) => usersIn(r.body).length);

    test('attempts that keep joining before the window closes share one request, however long the first one waited', async () => {
      const ch = await verifiedChannel({ batchWindowMs: 500, batchMaxWaitMs: 2000 });
      // 8 attempts 100 ms apart: the last comes 700 ms after the first, beyond its 500 ms window.
      const users = Array.from({ length: 8 }, () => userId('stream'));
      const exchanges = await stream(ch, users, 100);
      assert.deepEqual(
        hitRequests().map((r) => usersIn(r.body)),
        [users],
      );
      assert.deepEqual([...new Set(exchanges.map((e) => `${e.batch.id}/${e.batch.size}`))], [`${exchanges[0]!.batch.id}/8`]);
    });

    test('none waits longer than batchMaxWaitMs: a stream that does not stop goes out in several requests, in order', async () => {
      const ch = await verifiedChannel({ batchWindowMs: 500, batchMaxWaitMs: 600 });
      // 10 attempts 100 ms apart: never a gap as long as the window, 900 ms from the first to the last.
      const users = Array.from({ length: 10 }, () => userId('steady'));
      await stream(ch, users, 100);
      const requests = hitRequests().map((r) => usersIn(r.body));
      assert.ok(requests.length >= 2, `expected the first request to leave before the stream ended: ${JSON.stringify(requests)}`);
      assert.deepEqual(requests.flat(), users, 'each event once, first come first sent');
    });

    describe('a backlog: attempts a second or more behind their ingest', () => {
      // Gaps of 200 ms, twice the window; 1.4 s from the first attempt to the last, beyond the 300 ms max wait.
      const BACKLOG = { batchWindowMs: 100, batchMaxWaitMs: 300, batchBacklogWaitMs: 2000 };

      test('wait for batchBacklogWaitMs to share a request, however they trickle in', async () => {
        const ch = await verifiedChannel(BACKLOG);
        const users = Array.from({ length: 8 }, () => userId('backlog'));
        await stream(ch, users, 200, () => true);
        assert.deepEqual(
          hitRequests().map((r) => usersIn(r.body)),
          [users],
        );
      });

      test('one attempt that is not behind keeps the usual window for the request it is in', async () => {
        const ch = await verifiedChannel(BACKLOG);
        const users = Array.from({ length: 8 }, () => userId('mixed'));
        await stream(ch, users, 200, (i) => i !== 0);
        const requests = hitRequests().map((r) => usersIn(r.body));
        assert.deepEqual(requests[0], [users[0]], 'the prompt attempt left after the window, alone');
        assert.deepEqual(requests.flat(), users);
      });

      test('a request stops waiting once it holds backlogBatchEvents, and the next fills after it', async () => {
        const ch = await verifiedChannel({ ...BACKLOG, backlogBatchEvents: 4 });
        const users = Array.from({ length: 8 }, () => userId('backlog-cap'));
        await stream(ch, users, 200, () => true);
        assert.deepEqual(sizes(), [4, 4]);
      });

      test('batchBacklogWaitMs 0 turns it off: the usual window applies', async () => {
        const ch = await verifiedChannel({ ...BACKLOG, batchBacklogWaitMs: 0 });
        const users = Array.from({ length: 4 }, () => userId('backlog-off'));
        await stream(ch, users, 200, () => true);
        assert.deepEqual(sizes(), [1, 1, 1, 1]);
      });
    });
  });

  describe('a batch Xtremepush refuses as bad is bisected', () => {
    test('all the other events are accepted, the bad one alone is a bad_request, in about 2·log2(n) requests', async (t) => {
      const ch = await verifiedChannel();
      const n = 32;
      const users = Array.from({ length: n }, () => userId('bisect'));
      const bad = users[21]!;
      sim.refuseUserIds([bad]);
      const exchanges = await Promise.all(users.map((u) => ch.send(hitOf(u), later())));

      const badExchange = sentOf(exchanges[21]!);
      assert.equal(badExchange.classification.outcome, 'failed');
      assert.equal(badExchange.classification.outcome === 'failed' && badExchange.classification.failureClass, 'bad_request');
      assert.equal(badExchange.response?.status, 400);
      assert.equal(badExchange.batch.size, 1, 'the bad event stands alone in the request that refused it');
      assert.match(JSON.stringify(badExchange.response?.body), new RegExp(bad));
      assert.equal(sim.hits({ user_id: bad }).length, 0);

      exchanges.forEach((exchange, i) => {
        if (i === 21) return;
        const e = sentOf(exchange);
        assert.equal(e.classification.outcome, 'accepted', `${users[i]} accepted`);
        assert.equal(sim.hits({ user_id: users[i]! }).length, 1, `${users[i]} landed exactly once`);
      });

      const requests = hitRequests();
      // Every refused request held the bad event; every accepted one did not: only the bad event's halves were split.
      for (const r of requests) assert.equal(usersIn(r.body).includes(bad), r.status === 400, `request ${r.seq} (${r.status})`);
      const alone = requests.filter((r) => r.status === 400 && usersIn(r.body).length === 1);
      assert.equal(alone.length, 1, 'the bad event was sent alone once');
      assert.equal(alone[0]!.path, '/api/external/hit/event');
      const bound = 1 + 2 * Math.ceil(Math.log2(n));
      t.diagnostic(`${requests.length} requests for ${n} events with one bad (2·log2(n) + 1 = ${bound})`);
      assert.ok(requests.length <= bound, `${requests.length} requests, more than ${bound}`);
      assert.ok(requests.length < n / 2, 'far fewer requests than sending each event alone');
    });

    test('a batch refused with 413 is split too, until its halves are accepted', async () => {
      const ch = await verifiedChannel();
      const users = Array.from({ length: 8 }, () => userId('large'));
      sim.failNext(1, { status: 413 });
      const exchanges = (await Promise.all(users.map((u) => ch.send(hitOf(u), later())))).map(sentOf);
      assert.ok(exchanges.every((e) => e.classification.outcome === 'accepted' && e.batch.size === 4));
      assert.deepEqual(
        hitRequests().map((r) => [r.status, usersIn(r.body).length]),
        [
          [413, 8],
          [200, 4],
          [200, 4],
        ],
      );
      for (const u of users) assert.equal(sim.hits({ user_id: u }).length, 1);
    });
  });

  describe('a 429 pauses the integration', () => {
    test('no request leaves before the Retry-After has passed', async () => {
      const ch = await verifiedChannel();
      sim.failNext(1, { status: 429, retryAfterSeconds: 1 });
      const throttled = sentOf(await ch.send(hitOf(userId('throttled')), later()));
      assert.equal(throttled.response?.status, 429);
      assert.ok(throttled.classification.outcome === 'failed' && throttled.classification.failureClass === 'throttled');
      assert.equal(throttled.classification.retryAfterMs, 1000);

      const next = userId('after-pause');
      const accepted = sentOf(await ch.send(hitOf(next), later()));
      assert.equal(accepted.classification.outcome, 'accepted');
      const [first, second, ...rest] = hitRequests();
      assert.deepEqual(rest, [], 'nothing else was sent');
      assert.equal(first!.status, 429);
      assert.deepEqual(usersIn(second!.body), [next]);
      // The pause began when the 429 came back, after the 429's request arrived.
      assert.ok(second!.receivedAt - first!.receivedAt >= 1000, `the next request arrived ${second!.receivedAt - first!.receivedAt} ms after the 429`);
    });

    test('a Retry-After of 0 still pauses for the floor', async () => {
      const floorMs = 500;
      const ch = await verifiedChannel({ retryAfter: { floorMs, ceilingMs: 5000 } });
      sim.failNext(1, { status: 429, retryAfterSeconds: 0 });
      const throttled = sentOf(await ch.send(hitOf(userId('zero')), later()));
      assert.equal(throttled.classification.outcome === 'failed' && throttled.classification.retryAfterMs, 0, 'Xtremepush asked for no delay');
      sentOf(await ch.send(hitOf(userId('after-zero')), later()));
      const [first, second] = hitRequests();
      assert.ok(second!.receivedAt - first!.receivedAt >= floorMs, `the next request arrived ${second!.receivedAt - first!.receivedAt} ms after the 429`);
    });

    test('boundedRetryAfter: the floor under 0 or nothing, the ceiling over an hour (a hard limit), the asked value between, each with up to 20 % jitter', () => {
      const ch = channel({ retryAfter: { floorMs: 1000, ceilingMs: 60_000 } });
      const within = (value: number, base: number, what: string) =>
        assert.ok(value >= base && value <= Math.round(base * 1.2), `${what}: ${value} not within ${base}..${base * 1.2}`);
      for (let i = 0; i < 50; i++) {
        within(ch.boundedRetryAfter(0), 1000, 'Retry-After 0');
        within(ch.boundedRetryAfter(undefined), 1000, 'no Retry-After');
        within(ch.boundedRetryAfter(250), 1000, 'below the floor');
        within(ch.boundedRetryAfter(5000), 5000, 'between the bounds');
        assert.equal(ch.boundedRetryAfter(3_600_000), 60_000, 'an hour is cut to the ceiling, jitter included');
      }
    });
  });

  describe('credentials', () => {
    test('a token of the other region is refused before anything is sent; probe() after the fix opens the channel again', async () => {
      const MOVING = 'channel-moving-token-55e0';
      sim.addProject('us', { name: 'us-moving', token: MOVING });
      const refusals: string[] = [];
      const ch = channel({}, { integration: { appToken: MOVING }, refused: (m) => refusals.push(m) });

      const refused = unsentOf(await ch.send(hitOf(userId('region')), later()));
      assert.equal(refused.failureClass, 'auth');
      assert.equal(refused.circuitOpen, true);
      assert.match(refused.message, /the token belongs to the US region, not to the EU region/);
      assert.match(refused.message, new RegExp(`XTREMEPUSH_API_BASE_URL=${sim.urls.us}`));
      assert.deepEqual(hitRequests(), [], 'no event was sent into the wrong region');
      assert.equal(refusals.length, 1);

      // Closed: the next attempt is answered at once, without a call.
      const calls = sim.received().length;
      const again = unsentOf(await ch.send(hitOf(userId('region')), later()));
      assert.equal(again.circuitOpen, true);
      assert.equal(sim.received().length, calls, 'no call while the channel is closed');

      const stillWrong = await ch.probe();
      assert.equal(stillWrong.healthy, false);
      assert.match(stillWrong.message, /US region/);

      // Fixed: the project (and its token) now lives on the host the integration points at.
      sim.revokeToken(MOVING);
      sim.addProject('eu', { name: 'eu-moved', token: MOVING });
      assert.deepEqual(await ch.probe(), { healthy: true, message: 'Xtremepush accepted the credentials' });
      const user = userId('fixed');
      const sent = sentOf(await ch.send(hitOf(user), later()));
      assert.equal(sent.classification.outcome, 'accepted');
      assert.deepEqual(
        sim.hits({ user_id: user }).map((h) => h.project),
        ['eu-moved'],
      );
    });

    test('a token revoked while sending: the batch that met the 401 fails as auth, and later attempts are answered without a call', async () => {
      const REVOKED = 'channel-revoked-token-0b3f';
      sim.addProject('eu', { name: 'eu-revoked', token: REVOKED });
      const ch = channel({}, { integration: { appToken: REVOKED } });
      await ch.verifyNow();
      sim.reset();
      sim.revokeToken(REVOKED);
      const exchanges = (await Promise.all(Array.from({ length: 5 }, () => ch.send(hitOf(userId('revoked')), later())))).map(sentOf);
      for (const e of exchanges) {
        assert.equal(e.response?.status, 401);
        assert.equal(e.batch.size, 5);
        assert.ok(e.classification.outcome === 'failed' && e.classification.failureClass === 'auth');
      }
      const calls = sim.received().length;
      assert.equal(calls, 1, 'one request met the 401');
      const closed = unsentOf(await ch.send(hitOf(userId('revoked')), later()));
      assert.equal(closed.failureClass, 'auth');
      assert.equal(closed.circuitOpen, true);
      assert.equal(sim.received().length, calls, 'no call while the channel is closed');
    });

    test('a host that does not answer: the token is unverified, the attempt is transient and no event is sent', async () => {
      const port = await freePort();
      const watch = observed(xtremepush);
      const ch = channel({}, { client: watch.client, integration: { apiBaseUrl: `http://127.0.0.1:${port}`, region: 'local' } });
      const exchanges = (await Promise.all([ch.send(hitOf(userId('down')), later()), ch.send(hitOf(userId('down')), later())])).map(unsentOf);
      for (const e of exchanges) {
        assert.equal(e.failureClass, 'transient');
        assert.equal(e.circuitOpen, false);
        assert.match(e.message, /could not be checked.*ECONNREFUSED/);
      }
      assert.deepEqual(watch.sends, [], 'no event went out');
      assert.deepEqual(watch.calls, ['list/profile-subscription'], 'one credential check for both attempts');
    });
  });

  describe('abandoned attempts are never sent', () => {
    test('a deadline already too near: not sent, and no call at all', async () => {
      const ch = channel();
      const e = unsentOf(await ch.send(hitOf(userId('late')), { deadline: Date.now() + 100 }));
      assert.equal(e.failureClass, 'transient');
      assert.equal(e.circuitOpen, false);
      const passed = unsentOf(await ch.send(hitOf(userId('late')), { deadline: Date.now() - 1 }));
      assert.equal(passed.failureClass, 'transient');
      assert.deepEqual(sim.received(), []);
    });

    test('an aborted signal: not sent, and no call at all', async () => {
      const ch = await verifiedChannel();
      const controller = new AbortController();
      controller.abort();
      unsentOf(await ch.send(hitOf(userId('aborted')), { ...later(), signal: controller.signal }));
      assert.deepEqual(sim.received(), []);
    });

    test('aborted while waiting in the batch window: its batch leaves without it', async () => {
      const ch = await verifiedChannel({ batchWindowMs: 300 });
      const kept = userId('kept');
      const dropped = userId('dropped');
      const controller = new AbortController();
      const keptExchange = ch.send(hitOf(kept), later());
      const droppedExchange = ch.send(hitOf(dropped), { ...later(), signal: controller.signal });
      controller.abort();
      unsentOf(await droppedExchange);
      const k = sentOf(await keptExchange);
      assert.equal(k.batch.size, 1);
      assert.deepEqual(
        hitRequests().map((r) => usersIn(r.body)),
        [[kept]],
      );
      assert.equal(sim.hits({ user_id: dropped }).length, 0);
    });

    test('a deadline that comes too near while waiting in the batch window: its batch leaves without it', async () => {
      const ch = await verifiedChannel({ batchWindowMs: 400 });
      const kept = userId('kept');
      const late = userId('late');
      // The window ends at least 400 ms from now, leaving under 250 ms to this deadline: too little for an answer.
      const [k, l] = await Promise.all([ch.send(hitOf(kept), later()), ch.send(hitOf(late), { deadline: Date.now() + 500 })]);
      assert.equal(sentOf(k!).batch.size, 1);
      assert.equal(unsentOf(l!).failureClass, 'transient');
      assert.deepEqual(
        hitRequests().map((r) => usersIn(r.body)),
        [[kept]],
      );
    });
  });

  describe('caps', () => {
    test('maxInFlight 1 with slow answers: each request leaves only after the previous one was answered', async () => {
      const watch = observed(xtremepush);
      const ch = await verifiedChannel({ maxInFlight: 1, maxBatchEvents: 1 }, watch.client);
      const delayMs = 300;
      sim.failNext(3, { status: 200, delayMs });
      const users = Array.from({ length: 3 }, () => userId('serial'));
      const exchanges = (await Promise.all(users.map((u) => ch.send(hitOf(u), later())))).map(sentOf);
      assert.ok(exchanges.every((e) => e.classification.outcome === 'accepted'));

      assert.equal(watch.maxActive(), 1, 'never two requests at once');
      const requests = hitRequests();
      assert.equal(requests.length, 3);
      for (let i = 1; i < requests.length; i++) {
        const previousAnswered = watch.sends[i - 1]!.endedAt!;
        assert.ok(requests[i]!.receivedAt >= previousAnswered, `request ${i + 1} arrived before request ${i} was answered`);
        assert.ok(requests[i]!.receivedAt - requests[i - 1]!.receivedAt >= delayMs - 5, 'requests arrived a slow answer apart');
      }
    });

    test('the same with maxInFlight 3: the three requests are in flight together (the measure above can tell)', async () => {
      const watch = observed(xtremepush);
      const ch = await verifiedChannel({ maxInFlight: 3, maxBatchEvents: 1 }, watch.client);
      sim.failNext(3, { status: 200, delayMs: 300 });
      const users = Array.from({ length: 3 }, () => userId('parallel'));
      await Promise.all(users.map((u) => ch.send(hitOf(u), later())));
      assert.equal(watch.maxActive(), 3);
      const requests = hitRequests();
      const firstAnswered = Math.min(...watch.sends.map((s) => s.endedAt!));
      assert.ok(
        requests.every((r) => r.receivedAt <= firstAnswered),
        'all three arrived before any was answered',
      );
    });

    test('maxRequestsPerSecond 2: five single-event requests take at least 1.5 s from the first to the last', async () => {
      const ch = await verifiedChannel({ maxRequestsPerSecond: 2, maxBatchEvents: 1 });
      const users = Array.from({ length: 5 }, () => userId('rate'));
      await Promise.all(users.map((u) => ch.send(hitOf(u), later())));
      const requests = hitRequests();
      assert.equal(requests.length, 5);
      // A bucket of 2 refilled at 2/s: 2 at once, then one every 500 ms.
      const span = requests.at(-1)!.receivedAt - requests[0]!.receivedAt;
      assert.ok(span >= 1450, `five requests within ${span} ms`);
    });
  });
});
