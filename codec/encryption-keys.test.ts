import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/load';
import { ConfigError } from '../errors';

const key = () => randomBytes(32).toString('base64');

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected loadConfig to throw');
}

describe('PAYLOAD_ENCRYPTION_KEYS', () => {
  test('unset: no encryption, and no codec endpoint settings are required', () => {
    const config = loadConfig({}, '/srv/app');
    assert.equal(config.temporal.payloadEncryptionKeys, undefined);
    assert.deepEqual(config.codecServer.corsOrigins, ['http://127.0.0.1:8233', 'http://localhost:8233']);
  });

  test('parses keyId:base64key entries in order: the first encrypts', () => {
    const [a, b] = [key(), key()];
    const config = loadConfig({ PAYLOAD_ENCRYPTION_KEYS: `k2026:${a}, k2025:${b}` }, '/srv/app');
    assert.deepEqual(
      config.temporal.payloadEncryptionKeys?.map((k) => [k.id, k.key.toString('base64')]),
      [
        ['k2026', a],
        ['k2025', b],
      ],
    );
  });

  test('errors name the variable and the key id at fault, never the key', () => {
    const short = randomBytes(16).toString('base64');
    const bare = key();
    const found = problems({ PAYLOAD_ENCRYPTION_KEYS: `good:${key()},short:${short},good:${key()},${bare}` });
    assert.deepEqual(found, [
      'PAYLOAD_ENCRYPTION_KEYS: key "short" must be 32 bytes in base64, e.g. from `openssl rand -base64 32` (got 16 bytes)',
      'PAYLOAD_ENCRYPTION_KEYS: key id "good" is listed twice',
      "PAYLOAD_ENCRYPTION_KEYS: entry 4 must be keyId:base64key, the key id made of letters, digits, '.', '_' or '-'",
    ]);
    assert.ok(!found.join('\n').includes(short) && !found.join('\n').includes(bare));
  });

  test('CODEC_SERVER_TOKEN must be long enough, CODEC_CORS_ORIGIN must be origins; the UI port moves the default origin', () => {
    assert.deepEqual(problems({ CODEC_SERVER_TOKEN: 'short', CODEC_CORS_ORIGIN: 'not-a-url' }), [
      'CODEC_SERVER_TOKEN: must be at least 16 characters',
      'CODEC_CORS_ORIGIN: must be origins such as http://127.0.0.1:8233',
    ]);
    assert.deepEqual(loadConfig({ TEMPORAL_UI_PORT: '9233' }, '/srv/app').codecServer.corsOrigins, ['http://127.0.0.1:9233', 'http://localhost:9233']);
    assert.deepEqual(loadConfig({ CODEC_CORS_ORIGIN: 'https://temporal.example.com/' }, '/srv/app').codecServer.corsOrigins, ['https://temporal.example.com']);
  });
});
