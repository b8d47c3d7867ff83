import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { batchBodySchema, isKnownEventType, parseEvent } from './schema';
import { describeIssues } from '../errors/issues';

function issuesOf(result: ReturnType<typeof parseEvent>): string[] {
  assert.equal(result.success, false, 'expected the event to be rejected');
  return describeIssues(result.error!);
}

describe('parseEvent', () => {
  test('accepts a valid track event', () => {
    const result = parseEvent(undefined, {
      type: 'track',
      event: 'Order Completed',
      userId: 'crm-12345',
      properties: { order_id: 'ORD-001', revenue: 129.99 },
      timestamp: '2026-06-06T11:36:00Z',
    });
    assert.ok(result.success);
    assert.equal(result.data.type, 'track');
    assert.equal(result.data.type === 'track' && result.data.event, 'Order Completed');
    assert.equal(result.data.userId, 'crm-12345');
    assert.deepEqual(result.data.type === 'track' && result.data.properties, { order_id: 'ORD-001', revenue: 129.99 });
    assert.equal(result.data.timestamp, '2026-06-06T11:36:00Z');
  });

  test('accepts a valid identify event with traits', () => {
    const result = parseEvent(undefined, {
      type: 'identify',
      userId: 'crm-12345',
      traits: { email: 'jane.doe@example.com', firstName: 'Jane' },
    });
    assert.ok(result.success);
    assert.equal(result.data.type, 'identify');
    assert.deepEqual(result.data.type === 'identify' && result.data.traits, { email: 'jane.doe@example.com', firstName: 'Jane' });
  });

  test('accepts a valid page event identified only by anonymousId', () => {
    const result = parseEvent(undefined, { type: 'page', anonymousId: 'anon-1', name: 'Home', category: 'Landing' });
    assert.ok(result.success);
    assert.equal(result.data.type, 'page');
    assert.equal(result.data.anonymousId, 'anon-1');
    assert.equal(result.data.userId, undefined);
    assert.equal(result.data.type === 'page' && result.data.name, 'Home');
  });

  test('the per-type endpoint implies the type when the body omits it', () => {
    const result = parseEvent('track', { event: 'Signed Up', userId: 'u1' });
    assert.ok(result.success);
    assert.equal(result.data.type, 'track');
    assert.equal(parseEvent(undefined, { event: 'Signed Up', userId: 'u1' }).success, false);
  });

  test('the endpoint type overrides a type in the body', () => {
    const result = parseEvent('identify', { type: 'track', event: 'x', userId: 'u1' });
    assert.ok(result.success);
    assert.equal(result.data.type, 'identify');
  });

  test('a track without an event name is rejected with "event: is required"', () => {
    const issues = issuesOf(parseEvent('track', { userId: 'u1' }));
    assert.deepEqual(issues, ['event: is required']);
  });

  test('a track with a non-string event name says it must be a string', () => {
    const issues = issuesOf(parseEvent('track', { userId: 'u1', event: 42 }));
    assert.deepEqual(issues, ['event: must be a string']);
  });

  test('a blank event name is rejected', () => {
    const issues = issuesOf(parseEvent('track', { userId: 'u1', event: '   ' }));
    assert.deepEqual(issues, ['event: must not be empty']);
  });

  test('an event with neither userId nor anonymousId is rejected naming userId', () => {
    const issues = issuesOf(parseEvent('track', { event: 'Signed Up' }));
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /^userId: /);
    assert.match(issues[0]!, /anonymousId/);
  });

  test('a numeric userId is coerced to a string', () => {
    const result = parseEvent('identify', { userId: 12345 });
    assert.ok(result.success);
    assert.equal(result.data.userId, '12345');
    assert.equal(typeof result.data.userId, 'string');
  });

  test('a numeric anonymousId is coerced to a string', () => {
    const result = parseEvent('page', { anonymousId: 7 });
    assert.ok(result.success);
    assert.equal(result.data.anonymousId, '7');
  });

  test('a bad timestamp is rejected naming the field', () => {
    const issues = issuesOf(parseEvent('track', { userId: 'u1', event: 'x', timestamp: 'yesterday' }));
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /^timestamp: /);
  });

  test('a bad originalTimestamp is named as originalTimestamp', () => {
    const issues = issuesOf(parseEvent('track', { userId: 'u1', event: 'x', originalTimestamp: '2026-13-45' }));
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /^originalTimestamp: /);
  });

  test('a timestamp with an offset is accepted', () => {
    const result = parseEvent('track', { userId: 'u1', event: 'x', timestamp: '2026-06-06T13:36:00+02:00' });
    assert.ok(result.success);
  });

  test('unknown fields are kept, at the top level and in context', () => {
    const result = parseEvent('track', {
      userId: 'u1',
      event: 'x',
      customField: { nested: true },
      context: { ip: '203.0.113.1', traits: { email: 'a@b.c' } },
    });
    assert.ok(result.success);
    const data = result.data as Record<string, unknown>;
    assert.deepEqual(data.customField, { nested: true });
    assert.equal((data.context as Record<string, unknown>).ip, '203.0.113.1');
  });

  test('every Segment call type is accepted: screen and group too', () => {
    const screen = parseEvent(undefined, { type: 'screen', userId: 'u1', name: 'Basket', properties: { items: 2 } });
    assert.ok(screen.success && screen.data.type === 'screen');
    const group = parseEvent(undefined, { type: 'group', userId: 'u1', groupId: 42, traits: { name: 'Acme' } });
    assert.ok(group.success && group.data.type === 'group' && group.data.groupId === '42');
    assert.deepEqual(describeIssues(parseEvent('group', { userId: 'u1' }).error!), ['groupId: is required']);
  });

  test('a call type this service does not know yet is accepted as it came, to be dropped with a reason of its own', () => {
    const result = parseEvent(undefined, { type: 'ad_impression', userId: 'u1', properties: { x: 1 } });
    assert.ok(result.success);
    assert.equal(result.data.type, 'ad_impression');
    assert.equal(isKnownEventType(result.data.type), false);
  });

  test('an event without a type, or with a type that is not a string, is rejected naming type', () => {
    assert.deepEqual(describeIssues(parseEvent(undefined, { userId: 'u1' }).error!), ['type: is required']);
    assert.deepEqual(describeIssues(parseEvent(undefined, { type: 7, userId: 'u1' }).error!), ['type: must be a string']);
  });

  test('a non-object body is rejected', () => {
    assert.equal(parseEvent('track', 'not an object').success, false);
    assert.equal(parseEvent('track', ['array']).success, false);
    assert.equal(parseEvent('track', null).success, false);
  });

  test('malformed consent preferences are rejected', () => {
    const result = parseEvent('track', { userId: 'u1', event: 'x', context: { consent: { categoryPreferences: { Marketing: 'yes' } } } });
    assert.equal(result.success, false);
    const issues = describeIssues(result.error!);
    assert.ok(
      issues.some((i) => i.startsWith('context.consent.categoryPreferences.Marketing: ')),
      JSON.stringify(issues),
    );
  });
});

describe('describeIssues', () => {
  test('joins a nested path with dots and array indices with brackets, after the prefix', () => {
    const result = parseEvent('track', {
      userId: 'u1',
      event: 'x',
      context: { consentManagement: { allowedConsentIds: ['ok', 3] } },
    });
    assert.equal(result.success, false);
    const issues = describeIssues(result.error!, { prefix: 'batch[2]' });
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /^batch\[2\]\.context\.consentManagement\.allowedConsentIds\[1\]: /);
  });

  test('an issue at the root is shown as (body)', () => {
    const result = batchBodySchema.safeParse('nope');
    assert.equal(result.success, false);
    const issues = describeIssues(result.error!);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!, /^\(body\): /);
  });
});

describe('batchBodySchema', () => {
  test('accepts a batch of events and keeps the shared context', () => {
    const result = batchBodySchema.safeParse({ batch: [{ type: 'track' }, { type: 'page' }], context: { library: 'x' }, writeKey: 'k' });
    assert.ok(result.success);
    assert.equal(result.data.batch.length, 2);
    assert.deepEqual(result.data.context, { library: 'x' });
    assert.equal((result.data as Record<string, unknown>).writeKey, 'k');
  });

  test('rejects an empty batch with a message naming the batch', () => {
    const result = batchBodySchema.safeParse({ batch: [] });
    assert.equal(result.success, false);
    assert.deepEqual(describeIssues(result.error!), ['batch: batch must hold at least one event']);
  });

  test('rejects a missing batch or one that is not an array', () => {
    assert.equal(batchBodySchema.safeParse({}).success, false);
    assert.equal(batchBodySchema.safeParse({ batch: { type: 'track' } }).success, false);
  });

  test('rejects more than 2500 events', () => {
    assert.equal(batchBodySchema.safeParse({ batch: new Array(2500).fill({}) }).success, true);
    assert.equal(batchBodySchema.safeParse({ batch: new Array(2501).fill({}) }).success, false);
  });
});
