import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/load';
import { EU_TOKEN, MARKETING_GRANTED, US_TOKEN, eventually, hitRequests, send, startTestStack, type StoreKind, type TestStack } from './harness';
import { ConfigError } from '../errors';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-mappings-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let unique = 0;
const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${unique++}`;

for (const store of ['postgres', 'embedded'] as StoreKind[]) {
  describe(`consent (${store} identity store)`, () => {
    let stack: TestStack;
    before(async () => {
      stack = await startTestStack({
        store,
        env: {
          XTREMEPUSH_CONSENT_PREFERENCES: JSON.stringify({
            marketing: { channel: 'email', group: 'Group Marketing' },
            sms: { channel: 'sms', group: 'SMS Offers' },
          }),
        },
      });
    });
    after(async () => {
      await stack?.close();
    });

    const cases: Array<[string, Record<string, unknown> | undefined, 'delivered' | 'dropped']> = [
      ['Segment, granted', { consent: { categoryPreferences: { Marketing: true } } }, 'delivered'],
      ['Segment, denied', { consent: { categoryPreferences: { MARKETING: false } } }, 'dropped'],
      ['Segment, missing', { consent: { categoryPreferences: { Analytics: true } } }, 'dropped'],
      ['RudderStack, granted', { consentManagement: { allowedConsentIds: ['Marketing'] } }, 'delivered'],
      ['RudderStack, denied', { consentManagement: { allowedConsentIds: ['analytics'], deniedConsentIds: ['marketing'] } }, 'dropped'],
      ['RudderStack, missing', { consentManagement: { allowedConsentIds: ['analytics'] } }, 'dropped'],
      ['no consent at all', undefined, 'dropped'],
    ];
    for (const [name, context, expected] of cases) {
      test(`${name}: ${expected}`, async () => {
        const userId = id('consent');
        const outcome = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Signed Up', context }));
        assert.equal(outcome.outcome, expected);
        if (outcome.outcome === 'dropped') assert.equal(outcome.reason, 'consent');
        assert.equal(stack.simulator.hits({ user_id: userId }).length, expected === 'delivered' ? 1 : 0);
      });
    }

    test('the user consent goes to Xtremepush as consent_preferences (1 opt-in, 0 opt-out)', async () => {
      const userId = id('prefs');
      await stack.service.deliveries.result(
        await send(stack, '/v1/track', { userId, event: 'Signed Up', context: { consent: { categoryPreferences: { Marketing: true, SMS: false } } } }),
      );
      assert.deepEqual(stack.simulator.hits({ user_id: userId })[0]!.consent_preferences, {
        email: { 'Group Marketing': 1 },
        sms: { 'SMS Offers': 0 },
      });
    });

    test('dropped deliveries can be listed by reason through search attributes', async () => {
      const userId = id('listed');
      const workflowId = await send(stack, '/v1/track', { userId, event: 'Signed Up' });
      await stack.service.deliveries.result(workflowId);
      const query = `XpOutcome = 'dropped' AND XpDropReason = 'consent' AND WorkflowId = '${workflowId}'`;
      const found = await eventually(async () => {
        for await (const execution of stack.service.client.workflow.list({ query })) return execution.workflowId;
        return undefined;
      }, 'the consent drop to be visible');
      assert.equal(found, workflowId);
    });
  });
}

describe('user_id policy', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { XTREMEPUSH_USER_ID_PATTERN: '^crm-\\d+$' } });
  });
  after(async () => {
    await stack?.close();
  });

  test('an anonymous-looking user_id is not sent; a conforming one is', async () => {
    const blocked = await stack.service.deliveries.result(
      await send(stack, '/v1/track', { userId: '0f8c2a9e-5b1d-4c1e-9a55-1e2f3a4b5c6d', event: 'Signed Up', context: MARKETING_GRANTED }),
    );
    assert.equal(blocked.outcome === 'dropped' && blocked.reason, 'user_id_policy');
    const allowed = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId: 'crm-42', event: 'Signed Up', context: MARKETING_GRANTED }));
    assert.equal(allowed.outcome, 'delivered');
    assert.deepEqual(
      hitRequests(stack.simulator).map((r) => (r.body as { user_id: string }).user_id),
      ['crm-42'],
    );
  });
});

describe('field mappings file', () => {
  let stack: TestStack;
  before(async () => {
    const file = path.join(tmp, 'mappings.yaml');
    fs.writeFileSync(
      file,
      [
        'events:',
        '  Coupon Applied: coupon_applied',
        '  Order Completed: order_placed',
        '  Product Viewed: null',
        'properties:',
        '  revenue: amount',
        '  internal_note: null',
        'traits:',
        '  loyalty_tier: tier',
        '  phone: null',
        'constants:',
        '  value: { source: signal }',
        '  user_attributes: { brand: acme }',
      ].join('\n'),
    );
    stack = await startTestStack({ env: { XTREMEPUSH_MAPPINGS_FILE: file } });
  });
  after(async () => {
    await stack?.close();
  });

  test('renamed and added events, renamed and dropped fields, constants', async () => {
    const userId = id('mapped');
    await stack.service.deliveries.result(await send(stack, '/v1/identify', { userId, traits: { email: 'a@example.com', tier: 'gold', phone: '+1 555' } }));
    const order = await stack.service.deliveries.result(
      await send(stack, '/v1/track', {
        userId,
        event: 'Order Completed',
        properties: { order_id: 'ORD-9', revenue: 10, internal_note: 'vip' },
        context: MARKETING_GRANTED,
      }),
    );
    assert.equal(order.outcome, 'delivered');
    await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Coupon Applied', context: MARKETING_GRANTED }));
    const removed = await stack.service.deliveries.result(await send(stack, '/v1/track', { userId, event: 'Product Viewed', context: MARKETING_GRANTED }));
    assert.equal(removed.outcome === 'dropped' && removed.reason, 'unmapped_event');

    const hits = stack.simulator.hits({ user_id: userId });
    assert.deepEqual(
      hits.map((h) => h.event),
      ['order_placed', 'coupon_applied'],
    );
    assert.deepEqual(hits[0]!.value, { order_id: 'ORD-9', amount: 10, source: 'signal' });
    assert.deepEqual(hits[0]!.user_attributes, { email: 'a@example.com', loyalty_tier: 'gold', brand: 'acme' });
  });

  test('a broken mappings file is refused at start, naming the file and the place at fault', () => {
    const broken = path.join(tmp, 'broken.yaml');
    fs.writeFileSync(broken, 'events:\n  Order Completed: 42\ndefaults:\n  action: shout\n');
    const error = (() => {
      try {
        loadConfig({ XTREMEPUSH_APP_TOKEN: EU_TOKEN, INGEST_WRITE_KEYS: 'write-key-1', XTREMEPUSH_MAPPINGS_FILE: broken });
      } catch (e) {
        return e;
      }
      return assert.fail('a broken mappings file was accepted');
    })();
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /XTREMEPUSH_MAPPINGS_FILE/);
    assert.match(error.message, /broken\.yaml/);
    assert.match(error.message, /events\.Order Completed/);
    assert.match(error.message, /defaults\.action/);

    fs.writeFileSync(broken, 'events: [unclosed\n');
    assert.throws(
      () => loadConfig({ XTREMEPUSH_APP_TOKEN: EU_TOKEN, INGEST_WRITE_KEYS: 'write-key-1', XTREMEPUSH_MAPPINGS_FILE: broken }),
      /XTREMEPUSH_MAPPINGS_FILE.*broken\.yaml.*line/s,
    );
  });
});

describe('several integrations', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({
      env: (simulator) => {
        const file = path.join(tmp, 'integrations.yaml');
        fs.writeFileSync(
          file,
          [
            'integrations:',
            '  - id: shop-eu',
            '    appTokenEnv: XP_EU_TOKEN',
            `    apiBaseUrl: ${simulator.urls.eu}`,
            '  - id: shop-us',
            '    appTokenEnv: XP_US_TOKEN',
            `    apiBaseUrl: ${simulator.urls.us}`,
            '    mappings:',
            '      events: { Order Completed: purchase_us }',
          ].join('\n'),
        );
        return { XP_EU_TOKEN: EU_TOKEN, XP_US_TOKEN: US_TOKEN, XTREMEPUSH_CONFIG_FILE: file };
      },
    });
  });
  after(async () => {
    await stack?.close();
  });

  test('each integration receives its own hit', async () => {
    const userId = id('multi');
    const res = await stack.post('/v1/track', { userId, event: 'Order Completed', context: MARKETING_GRANTED });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.deliveries.map((d: { workflowId: string }) => d.workflowId.split('-').slice(0, 3).join('-')).sort(), [
      'deliver-shop-eu',
      'deliver-shop-us',
    ]);
    await Promise.all(res.body.deliveries.map((d: { workflowId: string }) => stack.service.deliveries.result(d.workflowId)));
    const hits = stack.simulator.hits({ user_id: userId });
    assert.deepEqual(hits.map((h) => `${h.region}:${h.project}:${h.event}`).sort(), ['eu:eu-project:purchase', 'us:us-project:purchase_us']);
  });
});
