import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startSimulator } from './index';
import { call, EU, event, US, withSimulator } from './test-helpers';

const HIT = '/api/external/hit/event';
const BATCH = '/api/external/hit/events';

test('an accepted hit is recorded with its fields', () =>
  withSimulator(async (sim) => {
    const body = {
      apptoken: EU.token,
      user_id: 'crm-12345',
      event: 'purchase',
      timestamp: '2026-06-06 11:36:00 +00:00',
      user_attributes: { email: 'jane.doe@example.com' },
      value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
      consent_preferences: { email: { 'Group Marketing': 1 } },
    };
    const before = Date.now();
    const res = await call(sim.urls.eu, HIT, body);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true, code: 200 });

    const hits = sim.hits();
    assert.equal(hits.length, 1);
    const hit = hits[0];
    assert.equal(hit.region, 'eu');
    assert.equal(hit.project, EU.name);
    assert.equal(hit.user_id, 'crm-12345');
    assert.equal(hit.event, 'purchase');
    assert.equal(hit.timestamp, '2026-06-06 11:36:00 +00:00');
    assert.deepEqual(hit.value, body.value);
    assert.deepEqual(hit.user_attributes, body.user_attributes);
    assert.deepEqual(hit.consent_preferences, body.consent_preferences);
    assert.ok(hit.receivedAt >= before);

    const [received] = sim.received();
    assert.equal(received.seq, hit.seq);
    assert.equal(received.region, 'eu');
    assert.equal(received.method, 'POST');
    assert.equal(received.path, HIT);
    assert.deepEqual(received.body, body, 'body as received, apptoken included');
    assert.equal(received.status, 200);
    assert.deepEqual(received.response, { success: true, code: 200 });
    assert.equal(received.project, EU.name);

    assert.equal(sim.hits({ user_id: 'someone-else' }).length, 0);
    assert.equal(sim.hits({ project: EU.name, event: 'purchase' }).length, 1);
  }));

test('a missing user_id is a 400 that names it and lands nothing', () =>
  withSimulator(async (sim) => {
    const res = await call(sim.urls.eu, HIT, { apptoken: EU.token, event: 'purchase' });
    assert.equal(res.status, 400);
    assert.equal(res.json.success, false);
    assert.equal(res.json.code, 400);
    assert.match(res.json.message, /user_id/);
    assert.deepEqual(res.json.errors, ['user_id is required']);
    assert.equal(sim.hits().length, 0);
    assert.equal(sim.received()[0].project, null);
    assert.equal(sim.received()[0].status, 400);
  }));

test('a missing event is a 400; both missing are both named', () =>
  withSimulator(async (sim) => {
    const res = await call(sim.urls.eu, HIT, { apptoken: EU.token, user_id: 'u1' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json.errors, ['event is required']);
    const both = await call(sim.urls.eu, HIT, { apptoken: EU.token, user_id: '' });
    assert.equal(both.status, 400);
    assert.deepEqual(both.json.errors, ['user_id must not be empty', 'event is required']);
    assert.equal(sim.hits().length, 0);
  }));

test('field formats are checked: timestamp, value, consent_preferences', () =>
  withSimulator(async (sim) => {
    const bad = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ timestamp: '2026-06-06T11:36:00Z' }) });
    assert.equal(bad.status, 400);
    assert.match(bad.json.errors[0], /^timestamp /);
    const badDate = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ timestamp: '2026-02-30 10:00:00' }) });
    assert.equal(badDate.status, 400);
    const badValue = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ value: true }) });
    assert.equal(badValue.status, 400);
    assert.match(badValue.json.errors[0], /^value /);
    const badConsent = await call(sim.urls.eu, HIT, {
      apptoken: EU.token,
      ...event({ consent_preferences: { email: { Marketing: 2 } } }),
    });
    assert.equal(badConsent.status, 400);
    assert.match(badConsent.json.errors[0], /^consent_preferences\.email\.Marketing /);

    for (const timestamp of ['2026-06-06 11:36:00', '2026-06-06 11:36:00 +00:00', '2026-06-06 11:36:00 -05:30']) {
      const res = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ timestamp, value: 'x' }) });
      assert.equal(res.status, 200, timestamp);
    }
    assert.equal(sim.hits().length, 3);
  }));

test('authentication: missing apptoken 400, unknown 401, oauthOnly 403, revoked 401', () =>
  withSimulator(
    async (sim) => {
      const missing = await call(sim.urls.eu, HIT, event());
      assert.equal(missing.status, 400);
      assert.match(missing.json.message, /no authentication/i);

      const unknown = await call(sim.urls.eu, HIT, { apptoken: 'nope', ...event() });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.json.success, false);
      assert.match(unknown.json.message, /authentication failed/i);

      const oauth = await call(sim.urls.eu, HIT, { apptoken: 'oauth-token', ...event() });
      assert.equal(oauth.status, 403);
      assert.match(oauth.json.message, /not authorised/);
      assert.match(oauth.json.message, /OAuth 2\.0/);

      sim.setOauthOnly(EU.token, true);
      assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 403);
      sim.setOauthOnly(EU.token, false);
      assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 200);

      sim.revokeToken(EU.token);
      assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 401);
      assert.equal(sim.hits().length, 1);
      assert.deepEqual(
        sim.received().map((r) => r.status),
        [400, 401, 403, 403, 200, 401],
      );
    },
    { eu: { projects: [EU, { name: 'new-eu', token: 'oauth-token', oauthOnly: true }] } },
  ));

test('a token of the other region gets 200 success but lands in no project', () =>
  withSimulator(async (sim) => {
    const res = await call(sim.urls.eu, HIT, { apptoken: US.token, ...event() });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true, code: 200 });
    assert.equal(sim.hits().length, 0);
    const [received] = sim.received();
    assert.equal(received.project, null);
    assert.equal(received.region, 'eu');

    const right = await call(sim.urls.us, HIT, { apptoken: US.token, ...event() });
    assert.equal(right.status, 200);
    assert.equal(sim.hits({ project: US.name })[0].region, 'us');
  }));

test('a batch is accepted whole and expands to one hit per event', () =>
  withSimulator(async (sim) => {
    const events = [event({ user_id: 'a' }), event({ user_id: 'b', event: 'sign_up' }), event({ user_id: 'c' })];
    const res = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true, code: 200 });
    const hits = sim.hits();
    assert.deepEqual(
      hits.map((h) => h.user_id),
      ['a', 'b', 'c'],
    );
    assert.ok(hits.every((h) => h.seq === hits[0].seq && h.project === EU.name));
    assert.equal(sim.hits({ event: 'sign_up' }).length, 1);
    assert.equal(sim.received().length, 1);
  }));

test('a batch of 1001 events or of none is a 400', () =>
  withSimulator(async (sim) => {
    const big = Array.from({ length: 1001 }, (_, i) => event({ user_id: `u${i}` }));
    const res = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events: big });
    assert.equal(res.status, 400);
    assert.match(res.json.errors[0], /^events .*1000/);
    const empty = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events: [] });
    assert.equal(empty.status, 400);
    const absent = await call(sim.urls.eu, BATCH, { apptoken: EU.token });
    assert.deepEqual(absent.json.errors, ['events is required']);
    assert.equal(sim.hits().length, 0);

    const max = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events: big.slice(0, 1000) });
    assert.equal(max.status, 200);
    assert.equal(sim.hits().length, 1000);
  }));

test('a batch with one bad event is a 400 naming its index, and nothing is accepted', () =>
  withSimulator(async (sim) => {
    const events = [event(), event(), event(), { event: 'purchase' }, event()];
    const res = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events });
    assert.equal(res.status, 400);
    assert.equal(res.json.success, false);
    assert.deepEqual(res.json.errors, ['events[3].user_id is required']);
    assert.match(res.json.message, /events\[3\]\.user_id/);
    assert.equal(sim.hits().length, 0);
    assert.equal(sim.received()[0].project, null);
  }));

test('failNext(3, 503) answers three faults, then processing resumes', () =>
  withSimulator(async (sim) => {
    sim.failNext(3, { status: 503 });
    for (let i = 0; i < 3; i++) {
      const res = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
      assert.equal(res.status, 503);
      assert.deepEqual(res.json, { success: false, code: 503, message: 'simulated fault' });
    }
    const ok = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    assert.equal(ok.status, 200);
    assert.equal(sim.hits().length, 1);
    assert.deepEqual(
      sim.received().map((r) => [r.status, r.project]),
      [
        [503, null],
        [503, null],
        [503, null],
        [200, EU.name],
      ],
    );
  }));

test('a 429 fault carries Retry-After; a fault body replaces the envelope', () =>
  withSimulator(async (sim) => {
    sim.failNext(1, { status: 429, retryAfterSeconds: 7 });
    sim.failNext(1, { status: 500, body: { oops: true } });
    const limited = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.json.code, 429);
    const custom = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    assert.equal(custom.status, 500);
    assert.deepEqual(custom.json, { oops: true });
    assert.equal(sim.hits().length, 0);
  }));

test('region-scoped faults only hit that region', () =>
  withSimulator(async (sim) => {
    sim.failNext(1, { status: 502 }, { region: 'us' });
    assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 200);
    assert.equal((await call(sim.urls.us, HIT, { apptoken: US.token, ...event() })).status, 502);
    assert.equal((await call(sim.urls.us, HIT, { apptoken: US.token, ...event() })).status, 200);
  }));

test('delayMs alone answers normally but late (the event lands before the answer)', () =>
  withSimulator(async (sim) => {
    sim.failNext(1, { status: 200, delayMs: 300 });
    const started = Date.now();
    const pending = call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(sim.hits().length, 1, 'landed while the answer is still delayed');
    const res = await pending;
    assert.ok(Date.now() - started >= 280, 'answer was delayed');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true, code: 200 });

    sim.failNext(1, { status: 504, delayMs: 150 });
    const t0 = Date.now();
    const slowFail = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    assert.equal(slowFail.status, 504);
    assert.ok(Date.now() - t0 >= 130);
    assert.equal(sim.hits().length, 1);
  }));

test('close() does not wait for a long simulated delay', async () => {
  const sim = await startSimulator({ eu: { projects: [EU] } });
  sim.failNext(1, { status: 200, delayMs: 60_000 });
  const pending = call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() }).catch(() => null);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  await sim.close();
  assert.ok(Date.now() - t0 < 5000);
  await pending;
});

test('a project rate limit answers 429 with Retry-After: 1', () =>
  withSimulator(
    async (sim) => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await call(sim.urls.eu, HIT, { apptoken: 'limited', ...event() });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          assert.equal(res.json.code, 429);
          assert.equal(res.json.success, false);
        }
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
      assert.equal(retryAfter, '1');
      assert.equal(sim.hits({ project: 'limited' }).length, 3);
      // other projects are not limited
      assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 200);
      await new Promise((r) => setTimeout(r, 1050));
      assert.equal((await call(sim.urls.eu, HIT, { apptoken: 'limited', ...event() })).status, 200);
    },
    { eu: { projects: [EU, { name: 'limited', token: 'limited', rateLimitPerSecond: 3 }] } },
  ));

test("errorStyle 'envelope' answers 400/401/403 with HTTP 200 and the code in the body", () =>
  withSimulator(
    async (sim) => {
      const unknown = await call(sim.urls.eu, HIT, { apptoken: 'nope', ...event() });
      assert.equal(unknown.status, 200);
      assert.equal(unknown.json.success, false);
      assert.equal(unknown.json.code, 401);
      const invalid = await call(sim.urls.eu, HIT, { apptoken: EU.token, event: 'x' });
      assert.equal(invalid.status, 200);
      assert.equal(invalid.json.code, 400);
      assert.deepEqual(invalid.json.errors, ['user_id is required']);
      const oauth = await call(sim.urls.eu, HIT, { apptoken: 'oauth', ...event() });
      assert.equal(oauth.status, 200);
      assert.equal(oauth.json.code, 403);
      assert.equal((await call(sim.urls.eu, '/api/external/nope/nope', {})).status, 404);
      assert.equal((await call(sim.urls.eu, HIT, undefined, { method: 'GET' })).status, 405);
      assert.equal(sim.hits().length, 0);
      assert.deepEqual(
        sim.received().map((r) => r.status),
        [200, 200, 200, 404, 405],
      );
    },
    { errorStyle: 'envelope', eu: { projects: [EU, { name: 'o', token: 'oauth', oauthOnly: true }] } },
  ));

test('read-only diagnostic methods answer data and create nothing', () =>
  withSimulator(async (sim) => {
    const condition = [['user_id', '=', 'crm-1']];
    const consentPath = '/api/external/list/consent-preference-profile';
    const subsPath = '/api/external/list/profile-subscription';

    const emptyConsent = await call(sim.urls.eu, consentPath, { apptoken: EU.token, condition });
    assert.equal(emptyConsent.status, 200);
    assert.deepEqual(emptyConsent.json, { success: true, code: 200, data: [] });
    const emptySubs = await call(sim.urls.eu, subsPath, { apptoken: EU.token, condition });
    assert.deepEqual(emptySubs.json.data, []);

    await call(sim.urls.eu, HIT, {
      apptoken: EU.token,
      ...event({ user_id: 'crm-1', consent_preferences: { email: { Marketing: 1, News: 1 } } }),
    });
    await call(sim.urls.eu, HIT, {
      apptoken: EU.token,
      ...event({ user_id: 'crm-1', consent_preferences: { email: { Marketing: 0 } } }),
    });
    const consent = await call(sim.urls.eu, consentPath, { apptoken: EU.token, condition });
    assert.deepEqual(consent.json.data, [{ user_id: 'crm-1', consent_preferences: { email: { Marketing: 0, News: 1 } } }]);
    const subs = await call(sim.urls.eu, subsPath, { apptoken: EU.token, condition });
    assert.equal(subs.json.data.length, 1);
    assert.equal(subs.json.data[0].user_id, 'crm-1');

    const campaign = await call(sim.urls.eu, '/api/external/info/campaign', { apptoken: EU.token, id: 42 });
    assert.equal(campaign.status, 200);
    assert.equal(campaign.json.data.id, 42);
    const noId = await call(sim.urls.eu, '/api/external/info/campaign', { apptoken: EU.token });
    assert.equal(noId.status, 400);
    assert.deepEqual(noId.json.errors, ['id is required']);
    const noCondition = await call(sim.urls.eu, subsPath, { apptoken: EU.token });
    assert.equal(noCondition.status, 400);

    // a token of the other region fails authentication on the read-only methods
    const wrong = await call(sim.urls.us, consentPath, { apptoken: EU.token, condition });
    assert.equal(wrong.status, 401);
    const wrongCampaign = await call(sim.urls.us, '/api/external/info/campaign', { apptoken: EU.token, id: 'c1' });
    assert.equal(wrongCampaign.status, 401);
    assert.equal((await call(sim.urls.eu, consentPath, { apptoken: 'nope', condition })).status, 401);
    assert.equal((await call(sim.urls.eu, consentPath, { condition })).status, 400);

    assert.equal(sim.hits().length, 2, 'read-only methods create nothing');
  }));

test('bad URIs are 404, GET on a method is 405, malformed bodies are 400, huge ones 413', () =>
  withSimulator(async (sim) => {
    const unknown = await call(sim.urls.eu, '/api/external/hit/evnt', { apptoken: EU.token, ...event() });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.code, 404);
    assert.match(unknown.json.message, /bad uri/i);
    const get = await call(sim.urls.eu, HIT, undefined, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.json.code, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const notJson = await call(sim.urls.eu, HIT, undefined, { raw: '{"apptoken": ' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json.success, false);
    const array = await call(sim.urls.eu, HIT, [1, 2]);
    assert.equal(array.status, 400);
    const huge = await call(sim.urls.eu, HIT, {
      apptoken: EU.token,
      ...event({ value: 'x'.repeat(5 * 1024 * 1024 + 10) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.json.code, 413);
    assert.equal(sim.hits().length, 0);
    assert.deepEqual(
      sim.received().map((r) => r.status),
      [404, 405, 400, 400, 413],
    );
  }));

test('HTTP control routes: received (tokens redacted), hits, faults, reset', () =>
  withSimulator(async (sim) => {
    await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    await call(sim.urls.eu, BATCH, { apptoken: EU.token, events: [event({ user_id: 'b1' })] });

    const received = await call(sim.urls.us, '/__simulator/received', undefined, { method: 'GET' });
    assert.equal(received.status, 200);
    assert.equal(received.json.length, 2);
    assert.equal(received.json[0].body.apptoken, '***');
    assert.equal(received.json[1].body.apptoken, '***');
    assert.ok(!JSON.stringify(received.json).includes(EU.token));
    assert.equal(sim.received()[0].body && (sim.received()[0].body as { apptoken: string }).apptoken, EU.token);
    const euOnly = await call(sim.urls.eu, '/__simulator/received?region=us', undefined, { method: 'GET' });
    assert.deepEqual(euOnly.json, []);

    const hits = await call(sim.urls.eu, '/__simulator/hits?user_id=b1', undefined, { method: 'GET' });
    assert.equal(hits.json.length, 1);
    assert.equal(hits.json[0].user_id, 'b1');

    const fault = await call(sim.urls.eu, '/__simulator/faults', { count: 1, fault: { status: 500 }, region: 'eu' });
    assert.equal(fault.status, 200);
    assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 500);
    const badFault = await call(sim.urls.eu, '/__simulator/faults', { count: 1 });
    assert.equal(badFault.status, 400);

    const reset = await call(sim.urls.eu, '/__simulator/reset', undefined, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.equal(sim.received().length, 0, 'control calls are not recorded');
    assert.equal(sim.hits().length, 0);
    assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 200, 'projects kept');
  }));

test('reset() clears requests, hits and pending faults but keeps projects', () =>
  withSimulator(async (sim) => {
    sim.addProject('us', { name: 'added', token: 'added-token' });
    assert.equal((await call(sim.urls.us, HIT, { apptoken: 'added-token', ...event() })).status, 200);
    sim.failNext(5, { status: 503 });
    sim.reset();
    assert.equal(sim.received().length, 0);
    assert.equal(sim.hits().length, 0);
    assert.equal((await call(sim.urls.us, HIT, { apptoken: 'added-token', ...event() })).status, 200);
    assert.equal(sim.hits({ project: 'added' }).length, 1);
    assert.equal(sim.received()[0].seq, 1);
    assert.throws(() => sim.addProject('eu', { name: 'dup', token: 'added-token' }));
  }));

test('one debug log line per request, never with the app token', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const sim = await startSimulator({ logger, eu: { projects: [EU] } });
  try {
    await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() });
    await call(sim.urls.eu, HIT, { apptoken: 'secret-unknown', ...event() });
  } finally {
    await sim.close();
  }
  const requestLines = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'xtremepush simulator request');
  assert.equal(requestLines.length, 2);
  assert.deepEqual(
    requestLines.map((l) => [l.region, l.path, l.status, l.project]),
    [
      ['eu', HIT, 200, EU.name],
      ['eu', HIT, 401, null],
    ],
  );
  const all = lines.join('\n');
  assert.ok(!all.includes(EU.token) && !all.includes('secret-unknown'));
});

test('refused user_ids: their event is a 400 alone, and fails a batch that holds it, naming its index', () =>
  withSimulator(async (sim) => {
    sim.refuseUserIds(['bad-user']);
    const alone = await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ user_id: 'bad-user' }) });
    assert.equal(alone.status, 400);
    const batch = await call(sim.urls.eu, BATCH, { apptoken: EU.token, events: [event({ user_id: 'good' }), event({ user_id: 'bad-user' })] });
    assert.equal(batch.status, 400);
    assert.match(batch.json.message, /events\[1\]\.user_id bad-user is refused/);
    assert.equal(sim.hits().length, 0, 'nothing of the refused batch landed');
    sim.refuseUserIds([]);
    assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event({ user_id: 'bad-user' }) })).status, 200);
  }));

test('a reset fault closes the connection without an answer, recorded with status 0', () =>
  withSimulator(async (sim) => {
    sim.failNext(1, { status: 503, reset: true });
    await assert.rejects(call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() }));
    assert.deepEqual(
      sim.received().map((r) => r.status),
      [0],
    );
    assert.equal(sim.hits().length, 0);
    assert.equal((await call(sim.urls.eu, HIT, { apptoken: EU.token, ...event() })).status, 200);
  }));
