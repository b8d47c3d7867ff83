import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EU_TOKEN, startTestStack, type TestStack } from './harness';

/**
 * The README's "Your first event", as a new user pastes it: the two curl commands run back to back with no pause,
 * twenty times, and each time Xtremepush (the simulator) gets exactly the hit the README shows.
 */
const readme = fs.readFileSync(path.join(__dirname, '../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Your first event'), readme.indexOf('\n## ', readme.indexOf('## Your first event') + 1));
const curls = [...section.matchAll(/curl [^\n]*? (http:\/\/127\.0\.0\.1:8080(\/v1\/\w+)) -d '([^']+)'/g)].map((m) => ({
  path: m[2]!,
  body: JSON.parse(m[3]!) as unknown,
}));
const shownHit = JSON.parse(/The purchase arrives as\s+`(\{.*?\})`/s.exec(section)![1]!.replace(/\s*\n\s*/g, '')) as Record<string, unknown>;

let stack: TestStack;
before(async () => {
  stack = await startTestStack();
});
after(async () => {
  await stack?.close();
});

test('the README example is an identify then a purchase, and shows the hit it produces', () => {
  assert.deepEqual(
    curls.map((c) => c.path),
    ['/v1/identify', '/v1/track'],
  );
  assert.equal(shownHit.event, 'purchase');
});

test('pasted twenty times in a row, it produces exactly the hit the README shows, every time', async () => {
  for (let i = 0; i < 20; i++) {
    const before = stack.simulator.hits({ event: 'purchase' }).length;
    const workflowIds: string[] = [];
    for (const { path: urlPath, body } of curls) {
      const res = await stack.post(urlPath, body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      workflowIds.push(res.body.deliveries[0].workflowId);
    }
    await Promise.all(workflowIds.map((id) => stack.service.deliveries.result(id)));
    const hits = stack.simulator.received().filter((r) => r.path === '/api/external/hit/event' && (r.body as { event?: string }).event === 'purchase');
    assert.equal(stack.simulator.hits({ event: 'purchase' }).length, before + 1, `run ${i}: one purchase`);
    const { apptoken, timestamp, ...sent } = hits.at(-1)!.body as Record<string, unknown>;
    const { apptoken: _shownToken, timestamp: _shownTimestamp, ...shown } = shownHit;
    assert.equal(apptoken, EU_TOKEN);
    assert.match(String(timestamp), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+00:00$/);
    assert.deepEqual(sent, shown, `run ${i}: the hit differs from the README's`);
  }
});
