import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envSchema, projectsFor } from './main';

test('main: env defaults', () => {
  const env = envSchema.parse({});
  assert.equal(env.SIMULATOR_EU_PORT, 4010);
  assert.equal(env.SIMULATOR_US_PORT, 4011);
  assert.deepEqual(env.SIMULATOR_EU_TOKENS, ['sandbox-eu-token']);
  assert.deepEqual(env.SIMULATOR_US_TOKENS, ['sandbox-us-token']);
});

test('main: env parsing and validation', () => {
  const env = envSchema.parse({ SIMULATOR_EU_PORT: '0', SIMULATOR_US_TOKENS: ' a, b ,' });
  assert.equal(env.SIMULATOR_EU_PORT, 0);
  assert.deepEqual(env.SIMULATOR_US_TOKENS, ['a', 'b']);
  assert.deepEqual(projectsFor('us', env.SIMULATOR_US_TOKENS), [
    { name: 'sandbox-us-1', token: 'a' },
    { name: 'sandbox-us-2', token: 'b' },
  ]);
  assert.equal(envSchema.safeParse({ SIMULATOR_EU_PORT: 'abc' }).success, false);
  assert.equal(envSchema.safeParse({ SIMULATOR_US_PORT: '70000' }).success, false);
  assert.equal(envSchema.safeParse({ SIMULATOR_EU_TOKENS: ' , ' }).success, false);
  assert.equal(envSchema.safeParse({ SIMULATOR_EU_TOKENS: 'x', SIMULATOR_US_TOKENS: 'x' }).success, false);
});
