import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acceptEvents } from './accept';

const NOW = new Date('2026-11-24T12:00:00.000Z');

test('each event is accepted or rejected on its own, by its index', () => {
  const { accepted, rejected } = acceptEvents(
    [
      { body: { type: 'track', userId: 'u', event: 'Signed Up' }, path: 'batch[0]' },
      { body: { type: 'track', userId: 'u' }, path: 'batch[1]' },
      { body: { type: 'screen', userId: 'u', name: 'Home' }, path: 'batch[2]' },
      { body: { type: 'track', userId: 'u\u0000', event: 'x' }, path: 'batch[3]' },
    ],
    { now: NOW },
  );
  assert.deepEqual(
    accepted.map((a) => [a.index, a.event.type]),
    [
      [0, 'track'],
      [2, 'screen'],
    ],
  );
  assert.deepEqual(rejected, [
    { index: 1, problems: ['batch[1].event: is required'] },
    { index: 3, problems: ['batch[3].userId: contains a NUL character (\\u0000)'] },
  ]);
});

test('events without a messageId get one derived from the request and a salt: the same salt, the same ids', () => {
  const items = [
    { body: { type: 'track', userId: 'u', event: 'Signed Up' }, path: 'batch[0]' },
    { body: { type: 'track', userId: 'u', event: 'Signed Up' }, path: 'batch[1]' },
  ];
  const first = acceptEvents(items, { now: NOW, idSalt: 'salt-1' }).accepted.map((a) => a.event.messageId);
  const retried = acceptEvents(items, { now: new Date(NOW.getTime() + 60_000), idSalt: 'salt-1' }).accepted.map((a) => a.event.messageId);
  assert.deepEqual(retried, first, 'a retry given the first salt derives the same ids');
  assert.notEqual(first[0], first[1], 'two identical events of one request stay two events');
  const sentAgain = acceptEvents(items, { now: NOW }).accepted.map((a) => a.event.messageId);
  assert.ok(!sentAgain.some((m) => first.includes(m)), 'sent again without the salt: new events');
  assert.equal(acceptEvents([{ body: { ...items[0]!.body, messageId: 'given' }, path: '' }]).accepted[0]!.event.messageId, 'given');
});

test('receivedAt and the trusted time are set; a writeKey in the body never goes further', () => {
  const [event] = acceptEvents([{ body: { type: 'track', userId: 'u', event: 'x', writeKey: 'secret-key', timestamp: '2099-01-01T00:00:00Z' }, path: '' }], {
    now: NOW,
  }).accepted;
  assert.equal(event!.event.receivedAt, NOW.toISOString());
  assert.equal(event!.event.at, NOW.toISOString());
  assert.equal('writeKey' in event!.event, false);
});
