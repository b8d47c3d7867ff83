import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { doorProblems, MAX_EVENT_BYTES, MAX_NESTING_DEPTH } from './door';

const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { n: nested(depth - 1) });

describe('doorProblems', () => {
  test('an ordinary event passes', () => {
    assert.deepEqual(doorProblems({ type: 'track', userId: 'ü-✓-𝄞', properties: { list: [1, { a: null }] } }), []);
  });

  test('a NUL character in a value or a property name is named by its path', () => {
    assert.deepEqual(doorProblems({ userId: 'a\u0000b' }, 'batch[2]'), ['batch[2].userId: contains a NUL character (\\u0000)']);
    assert.deepEqual(doorProblems({ traits: { 'bad\u0000key': 1 } }), ['traits.bad\u0000key: the property name contains a NUL character (\\u0000)']);
  });

  test('a lone surrogate is refused, a well-formed pair is not', () => {
    assert.deepEqual(doorProblems({ messageId: 'x\uD800' }), ['messageId: is not valid Unicode (it holds a lone surrogate)']);
    assert.deepEqual(doorProblems({ messageId: 'x\uD834\uDD1E' }), []);
  });

  test('a __proto__ property name is refused wherever it is', () => {
    const event = JSON.parse('{"type":"track","properties":{"list":[{"__proto__":{"polluted":true}}]}}') as unknown;
    assert.deepEqual(doorProblems(event), ['properties.list[0].__proto__: the property name __proto__ is not allowed']);
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test(`nesting deeper than ${MAX_NESTING_DEPTH} levels is refused, without recursion`, () => {
    assert.deepEqual(doorProblems(nested(MAX_NESTING_DEPTH - 1)), []);
    assert.match(doorProblems(nested(MAX_NESTING_DEPTH + 1))[0]!, /nested deeper than 32 levels/);
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    assert.match(doorProblems({ properties: { deep } })[0]!, /^properties\.deep(\[0\])+: nested deeper/);
  });

  test('an event over 32 KB is refused with its size; the size check can be left to the caller', () => {
    const big = { properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } };
    assert.match(doorProblems(big)[0]!, /the event is \d+ bytes; the limit is 32768 bytes \(32 KB\) per event/);
    assert.deepEqual(doorProblems(big, '', null), []);
  });
});
