import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent, type KnownAcceptedEvent } from '../events/schema';
import { trustedEventTime } from '../events/time';
import { eventHitSchema } from '../xtremepush/hit';
import { mapEvent, sourceEventName, type MappingResult, type StitchedIdentity } from './map-event';
import { DEFAULT_PRESET, type Mappings } from './preset';

const RECEIVED_AT = '2026-06-06T12:00:00.000Z';

/** An event as ingest accepts it: validated by the real schema, then given a messageId and receivedAt. */
function accepted(body: Record<string, unknown>, extra: Partial<Pick<KnownAcceptedEvent, 'receivedAt' | 'at'>> = {}): KnownAcceptedEvent {
  const parsed = parseEvent(undefined, { userId: 'crm-12345', ...body });
  if (!parsed.success) assert.fail(`test event is invalid: ${parsed.error.message}`);
  const at = trustedEventTime(parsed.data, new Date(RECEIVED_AT));
  return { ...parsed.data, messageId: 'msg-1', receivedAt: RECEIVED_AT, at, ...extra } as KnownAcceptedEvent;
}

const identity = (storedTraits: Record<string, unknown> = {}): StitchedIdentity => ({ userId: 'crm-12345', storedTraits });

function sent(result: MappingResult) {
  assert.equal(result.action, 'send', `expected the event to be sent, got ${JSON.stringify(result)}`);
  return (result as Extract<MappingResult, { action: 'send' }>).hit;
}

describe('DEFAULT_PRESET', () => {
  test('lists exactly the six Default preset event mappings and drops everything else', () => {
    assert.deepEqual(Object.fromEntries(DEFAULT_PRESET.events), {
      page: 'page_view',
      'Product Viewed': 'product_viewed',
      'Product Added': 'add_to_cart',
      'Checkout Started': 'checkout_started',
      'Order Completed': 'purchase',
      'Signed Up': 'sign_up',
    });
    assert.equal(DEFAULT_PRESET.defaults.action, 'drop');
  });
});

describe('mapEvent with the Default preset', () => {
  const trackCases: Array<[string, string]> = [
    ['Product Viewed', 'product_viewed'],
    ['Product Added', 'add_to_cart'],
    ['Checkout Started', 'checkout_started'],
    ['Order Completed', 'purchase'],
    ['Signed Up', 'sign_up'],
  ];
  for (const [source, target] of trackCases) {
    test(`track "${source}" -> ${target}`, () => {
      const result = mapEvent(accepted({ type: 'track', event: source }), identity(), DEFAULT_PRESET);
      assert.equal(result.sourceEvent, source);
      assert.equal(sent(result).event, target);
    });
  }

  test('page -> page_view, with name and category in value', () => {
    const result = mapEvent(accepted({ type: 'page', name: 'Home', category: 'Landing', properties: { path: '/' } }), identity(), DEFAULT_PRESET);
    assert.equal(result.sourceEvent, 'page');
    const hit = sent(result);
    assert.equal(hit.event, 'page_view');
    assert.deepEqual(hit.value, { name: 'Home', category: 'Landing', path: '/' });
  });

  test('an unmapped track event is dropped with reason unmapped_event', () => {
    const result = mapEvent(accepted({ type: 'track', event: 'Coupon Applied' }), identity(), DEFAULT_PRESET);
    assert.equal(result.action, 'drop');
    assert.equal(result.sourceEvent, 'Coupon Applied');
    assert.equal(result.action === 'drop' && result.reason, 'unmapped_event');
    assert.match(result.action === 'drop' ? result.detail : '', /Coupon Applied/);
  });

  test('event names match exactly: a different case is unmapped', () => {
    const result = mapEvent(accepted({ type: 'track', event: 'order completed' }), identity(), DEFAULT_PRESET);
    assert.equal(result.action, 'drop');
  });

  test('identify, group and alias are not in the Default preset: what they say is stored, nothing is sent', () => {
    for (const body of [
      { type: 'identify', traits: { email: 'a@b.c' } },
      { type: 'group', groupId: 'g1' },
      { type: 'alias', previousId: 'anon-1' },
    ]) {
      const result = mapEvent(accepted(body), identity(), DEFAULT_PRESET);
      assert.equal(result.action, 'store', JSON.stringify(result));
      assert.equal(result.sourceEvent, body.type);
    }
  });

  test('screen is not in the Default preset: dropped as unmapped, with a readable reason', () => {
    const result = mapEvent(accepted({ type: 'screen', name: 'Basket' }), identity(), DEFAULT_PRESET);
    assert.equal(result.action === 'drop' && result.reason, 'unmapped_event');
    assert.match(result.action === 'drop' ? result.detail : '', /"screen" has no Xtremepush event/);
  });

  test('a mapped screen is sent with its name, category and properties in value', () => {
    const mappings: Mappings = { ...DEFAULT_PRESET, events: new Map([...DEFAULT_PRESET.events, ['screen', 'screen_view']]) };
    const hit = sent(mapEvent(accepted({ type: 'screen', name: 'Basket', category: 'Shop', properties: { items: 2 } }), identity(), mappings));
    assert.equal(hit.event, 'screen_view');
    assert.deepEqual(hit.value, { name: 'Basket', category: 'Shop', items: 2 });
  });

  test('event and property names of Object.prototype are ordinary names: unmapped, and passed as data', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__defineGetter__']) {
      const result = mapEvent(accepted({ type: 'track', event: name }), identity(), DEFAULT_PRESET);
      assert.equal(result.action === 'drop' && result.reason, 'unmapped_event', name);
    }
    const hit = sent(
      mapEvent(accepted({ type: 'track', event: 'Signed Up', properties: { toString: 'x', constructor: 1, valueOf: true } }), identity(), DEFAULT_PRESET),
    );
    assert.deepEqual(hit.value, { toString: 'x', constructor: 1, valueOf: true });
  });

  test("the README's purchase example yields exactly the documented hit", () => {
    const event = accepted({
      type: 'track',
      event: 'Order Completed',
      userId: 'crm-12345',
      properties: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
      timestamp: '2026-06-06T11:36:00.000Z',
    });
    const result = mapEvent(event, identity({ email: 'jane.doe@example.com' }), DEFAULT_PRESET);
    assert.deepEqual(result, {
      action: 'send',
      sourceEvent: 'Order Completed',
      hit: {
        user_id: 'crm-12345',
        event: 'purchase',
        timestamp: '2026-06-06 11:36:00 +00:00',
        user_attributes: { email: 'jane.doe@example.com' },
        value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
      },
    });
    assert.ok(eventHitSchema.safeParse(sent(result)).success, 'the hit must satisfy the event hit schema');
  });

  test('user_id comes from the stitched identity, not from the event', () => {
    const event = accepted({ type: 'track', event: 'Signed Up', userId: 'event-user' });
    const hit = sent(mapEvent(event, { userId: 'stitched-user', storedTraits: {} }, DEFAULT_PRESET));
    assert.equal(hit.user_id, 'stitched-user');
  });

  test('firstName, lastName and phone map to first_name, last_name and phone', () => {
    const hit = sent(
      mapEvent(
        accepted({ type: 'track', event: 'Signed Up' }),
        identity({ email: 'jane.doe@example.com', firstName: 'Jane', lastName: 'Doe', phone: '+353861234567', plan: 'gold' }),
        DEFAULT_PRESET,
      ),
    );
    assert.deepEqual(hit.user_attributes, {
      email: 'jane.doe@example.com',
      first_name: 'Jane',
      last_name: 'Doe',
      phone: '+353861234567',
    });
  });

  test('snake_case first_name / last_name traits are read too, camelCase first', () => {
    const hit = sent(
      mapEvent(accepted({ type: 'track', event: 'Signed Up' }), identity({ first_name: 'Snake', firstName: 'Camel', last_name: 'Doe' }), DEFAULT_PRESET),
    );
    assert.deepEqual(hit.user_attributes, { first_name: 'Camel', last_name: 'Doe' });
  });

  test('context.traits win over stored traits', () => {
    const event = accepted({
      type: 'track',
      event: 'Signed Up',
      context: { traits: { email: 'new@example.com' } },
    });
    const hit = sent(mapEvent(event, identity({ email: 'old@example.com', firstName: 'Jane' }), DEFAULT_PRESET));
    assert.deepEqual(hit.user_attributes, { email: 'new@example.com', first_name: 'Jane' });
  });

  test('null traits are not sent as attributes', () => {
    const event = accepted({ type: 'track', event: 'Signed Up', context: { traits: { email: null, firstName: 'Jane' } } });
    const hit = sent(mapEvent(event, identity({ phone: null }), DEFAULT_PRESET));
    assert.deepEqual(hit.user_attributes, { first_name: 'Jane' });
  });

  test('the timestamp is converted to UTC from an offset timestamp', () => {
    const event = accepted({ type: 'track', event: 'Signed Up', timestamp: '2026-06-06T13:36:00+02:00' });
    assert.equal(sent(mapEvent(event, identity(), DEFAULT_PRESET)).timestamp, '2026-06-06 11:36:00 +00:00');
  });

  test('the UTC conversion crosses a day boundary', () => {
    const event = accepted({ type: 'track', event: 'Signed Up', timestamp: '2026-01-01T01:30:05+05:00' });
    assert.equal(sent(mapEvent(event, identity(), DEFAULT_PRESET)).timestamp, '2025-12-31 20:30:05 +00:00');
  });

  test("the timestamp is the event's trusted time: its timestamp, else originalTimestamp, else receivedAt", () => {
    const withOriginal = accepted({ type: 'track', event: 'Signed Up', originalTimestamp: '2026-06-05T10:00:00Z' });
    assert.equal(sent(mapEvent(withOriginal, identity(), DEFAULT_PRESET)).timestamp, '2026-06-05 10:00:00 +00:00');

    const withBoth = accepted({
      type: 'track',
      event: 'Signed Up',
      timestamp: '2026-06-04T09:00:00Z',
      originalTimestamp: '2026-06-05T10:00:00Z',
    });
    assert.equal(sent(mapEvent(withBoth, identity(), DEFAULT_PRESET)).timestamp, '2026-06-04 09:00:00 +00:00');

    const withNeither = accepted({ type: 'track', event: 'Signed Up' });
    assert.equal(sent(mapEvent(withNeither, identity(), DEFAULT_PRESET)).timestamp, '2026-06-06 12:00:00 +00:00');
  });

  test('no value and no user_attributes keys when there is nothing to put in them', () => {
    const hit = sent(mapEvent(accepted({ type: 'track', event: 'Signed Up', properties: {} }), identity(), DEFAULT_PRESET));
    assert.deepEqual(Object.keys(hit).sort(), ['event', 'timestamp', 'user_id']);
    assert.equal('value' in hit, false);
    assert.equal('user_attributes' in hit, false);
  });

  test('a page without name, category or properties has no value key', () => {
    const hit = sent(mapEvent(accepted({ type: 'page' }), identity(), DEFAULT_PRESET));
    assert.equal(hit.event, 'page_view');
    assert.equal('value' in hit, false);
  });

  test('traits not in the mappings do not produce user_attributes', () => {
    const hit = sent(mapEvent(accepted({ type: 'track', event: 'Signed Up' }), identity({ plan: 'gold' }), DEFAULT_PRESET));
    assert.equal('user_attributes' in hit, false);
  });
});

describe('mapEvent with defaults.action pass_through', () => {
  const passThrough: Mappings = { ...DEFAULT_PRESET, defaults: { action: 'pass_through' } };

  test('an unmapped event keeps its source name', () => {
    const hit = sent(mapEvent(accepted({ type: 'track', event: 'Coupon Applied', properties: { code: 'X' } }), identity(), passThrough));
    assert.equal(hit.event, 'Coupon Applied');
    assert.deepEqual(hit.value, { code: 'X' });
  });

  test('a mapped event is still renamed', () => {
    assert.equal(sent(mapEvent(accepted({ type: 'track', event: 'Order Completed' }), identity(), passThrough)).event, 'purchase');
  });

  test('identify passes through as "identify" with its traits as user_attributes and no value', () => {
    const event = accepted({ type: 'identify', traits: { email: 'jane.doe@example.com', lastName: 'Doe' } });
    const hit = sent(mapEvent(event, identity({ email: 'old@example.com' }), passThrough));
    assert.equal(hit.event, 'identify');
    assert.deepEqual(hit.user_attributes, { email: 'jane.doe@example.com', last_name: 'Doe' });
    assert.equal('value' in hit, false);
  });
});

describe('sourceEventName', () => {
  test('is the event name of a track and the call type otherwise', () => {
    assert.equal(sourceEventName(accepted({ type: 'track', event: 'Product Added' })), 'Product Added');
    assert.equal(sourceEventName(accepted({ type: 'page', name: 'Home' })), 'page');
    assert.equal(sourceEventName(accepted({ type: 'identify' })), 'identify');
  });
});
