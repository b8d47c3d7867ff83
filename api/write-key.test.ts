import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { isKnownKey, writeKeyOf } from './write-key';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;

describe('writeKeyOf', () => {
  test('reads the HTTP Basic username, ignoring an empty password', () => {
    assert.equal(writeKeyOf(basic('wk_live_123:'), undefined), 'wk_live_123');
  });

  test('reads the Basic username when a password is present', () => {
    assert.equal(writeKeyOf(basic('wk_live_123:secret'), undefined), 'wk_live_123');
  });

  test('the Basic scheme is case-insensitive', () => {
    assert.equal(writeKeyOf(`basic ${Buffer.from('abc12345:').toString('base64')}`, undefined), 'abc12345');
  });

  test('the Basic header wins over a writeKey in the body', () => {
    assert.equal(writeKeyOf(basic('from-header:'), { writeKey: 'from-body' }), 'from-header');
  });

  test('reads writeKey from the body when there is no Authorization header', () => {
    assert.equal(writeKeyOf(undefined, { writeKey: 'from-body', batch: [] }), 'from-body');
  });

  test('a non-Basic Authorization header falls back to the body', () => {
    assert.equal(writeKeyOf('Bearer abc', { writeKey: 'from-body' }), 'from-body');
  });

  test('no key anywhere, or a non-string body key, gives undefined', () => {
    assert.equal(writeKeyOf(undefined, undefined), undefined);
    assert.equal(writeKeyOf(undefined, null), undefined);
    assert.equal(writeKeyOf(undefined, {}), undefined);
    assert.equal(writeKeyOf(undefined, { writeKey: 12345678 }), undefined);
    assert.equal(writeKeyOf('Bearer abc', 'text body'), undefined);
  });
});

describe('isKnownKey', () => {
  const keys = ['write-key-0001', 'write-key-0002'];

  test('true for any configured key', () => {
    assert.equal(isKnownKey('write-key-0001', keys), true);
    assert.equal(isKnownKey('write-key-0002', keys), true);
  });

  test('false for an unknown key of the same or a different length', () => {
    assert.equal(isKnownKey('write-key-0003', keys), false);
    assert.equal(isKnownKey('write-key-00010', keys), false);
    assert.equal(isKnownKey('write-key', keys), false);
  });

  test('false for a missing or empty key', () => {
    assert.equal(isKnownKey(undefined, keys), false);
    assert.equal(isKnownKey('', keys), false);
  });

  test('false when no keys are configured', () => {
    assert.equal(isKnownKey('write-key-0001', []), false);
  });

  test('end to end: a Basic header key is checked against the configured keys', () => {
    assert.equal(isKnownKey(writeKeyOf(basic('write-key-0002:'), undefined), keys), true);
    assert.equal(isKnownKey(writeKeyOf(basic('intruder-key:'), undefined), keys), false);
  });
});
