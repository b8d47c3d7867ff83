import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WRITE_KEY, startTestStack, type TestStack } from '../harness';
import { runScenario } from './run-scenario';
import { SCENARIOS, SHORT, SHORT_FORM } from './scenarios';
import { WEBHOOK_CONNECTION } from './stack';
import { problemsOf } from './verdict';

/*
 * The short form of the fault and hostile-input suite: a few scenarios with small counts, each on a stack
 * of its own (dev server with a state file, API and worker processes, PostgreSQL, the simulator). The long form runs
 * every scenario with larger counts: `npm run reliability`, which writes RELIABILITY.md.
 */
for (const id of SHORT_FORM) {
  const scenario = SCENARIOS.find((s) => s.id === id)!;
  test(`${scenario.title}: every accepted event ends once and reaches Xtremepush; nothing crashes`, { timeout: 600_000 }, async (t) => {
    const result = await runScenario(scenario, SHORT, () => undefined);
    const { check } = result;
    t.diagnostic(
      `${result.accepted} accepted, ${JSON.stringify(check?.endings)}, duplicates ${check?.duplicates} (landed late ${check?.lateLanded}), ` +
        `lost ${check?.lost}, still running ${check?.stillRunning}, crashes ${result.crashes.length}` +
        (result.barrage ? `, hostile requests by answer ${JSON.stringify(result.barrage.refusedByAnswer)}` : ''),
    );
    assert.equal(result.skipped, undefined);
    assert.deepEqual(problemsOf(result, SHORT), []);
  });
}

/*
 * Found by the barrage: a body that is not valid UTF-8 was decoded with U+FFFD in place of the bad bytes (Fastify's
 * default body reader decodes with Buffer#toString('utf8')) and accepted, so Xtremepush got text the sender never
 * sent; events/door.ts refuses NUL and lone surrogates, but invalid bytes were gone before it looked. Both doors
 * must refuse such a body with a 400.
 */
describe('a body that is not valid UTF-8', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { XTREMEPUSH_WEBHOOKS: JSON.stringify([WEBHOOK_CONNECTION]) } });
  });
  after(async () => {
    await stack?.close();
  });

  const invalid = (head: string, tail: string) => Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(tail)]);
  const post = async (path: string, authorization: string, body: Buffer) => {
    const res = await fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
    return { status: res.status, body: await res.text() };
  };

  test('is refused by the ingest API, not delivered with its bytes replaced', async () => {
    const body = invalid(
      '{"userId":"utf8-user","event":"Signed Up","context":{"consent":{"categoryPreferences":{"marketing":true}}},"properties":{"note":"',
      '"}}',
    );
    const res = await post('/v1/track', `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`, body);
    assert.equal(res.status, 400, `answered ${res.status}: ${res.body}`);
  });

  test('is refused by the webhook receiver, not recorded with its bytes replaced', async () => {
    const res = await post(`/webhooks/xtremepush/${WEBHOOK_CONNECTION.name}/channel`, `Bearer ${WEBHOOK_CONNECTION.auth.token}`, invalid('{"note":"', '"}'));
    assert.equal(res.status, 400, `answered ${res.status}: ${res.body}`);
  });
});
