import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../config/load';
import { ConfigError } from '../errors';

const SECRET = 'tok-secret-1234567890abcdef';

function problemsOf(webhooks: string): string[] {
  try {
    loadConfig({ XTREMEPUSH_WEBHOOKS: webhooks });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

test('XTREMEPUSH_WEBHOOKS: unset means no connections; a valid list gets its defaults', () => {
  assert.deepEqual(loadConfig({}).webhooks, []);
  assert.deepEqual(loadConfig({ XTREMEPUSH_WEBHOOKS: JSON.stringify([{ name: 'main', auth: { type: 'bearer', token: SECRET } }]) }).webhooks, [
    { name: 'main', auth: { type: 'bearer', token: SECRET }, unsubscribeCategories: ['marketing'] },
  ]);
});

test('XTREMEPUSH_WEBHOOKS: invalid JSON is named without quoting the credentials around the error', () => {
  // V8's own message would read: Unexpected token 'o', ...","token":tok-secret-"... is not valid JSON
  const problems = problemsOf(`[{"name":"main","auth":{"type":"bearer","token":${SECRET}}}]`);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^XTREMEPUSH_WEBHOOKS: is not valid JSON/);
  assert.ok(!problems[0]!.includes('tok-secret'), problems[0]);
});

test('XTREMEPUSH_WEBHOOKS: each problem names the connection and field', () => {
  const problems = problemsOf(
    JSON.stringify([
      { name: 'main', auth: { type: 'basic', username: 'xp:hooks', password: 'short' } },
      { name: 'Other', auth: { type: 'oauth' } },
    ]),
  );
  assert.deepEqual(
    problems.filter((p) => !p.startsWith('XTREMEPUSH_WEBHOOKS: ')),
    [],
  );
  for (const field of ['[0].auth.username', '[0].auth.password', '[1].name', '[1].auth.type']) {
    assert.ok(
      problems.some((p) => p.startsWith(`XTREMEPUSH_WEBHOOKS: ${field}: `)),
      `${field} in ${JSON.stringify(problems)}`,
    );
  }
  const duplicate = { name: 'main', auth: { type: 'bearer', token: SECRET } };
  assert.deepEqual(problemsOf(JSON.stringify([duplicate, duplicate])), [
    'XTREMEPUSH_WEBHOOKS: [1].name: is used by an earlier connection; names must be unique',
  ]);
  assert.deepEqual(problemsOf('{"name":"main"}'), [
    'XTREMEPUSH_WEBHOOKS: must be a JSON array of connections such as [{"name":"main","auth":{"type":"bearer","token":"..."}}]',
  ]);
});
