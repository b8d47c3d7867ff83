import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvent, type AcceptedEvent } from '../events/schema';
import { decideConsent, readConsent, type ConsentPolicy } from './rules';

function withContext(context?: Record<string, unknown>): AcceptedEvent {
  const parsed = parseEvent('track', { userId: 'u1', event: 'Order Completed', ...(context ? { context } : {}) });
  if (!parsed.success) assert.fail(`test event is invalid: ${parsed.error.message}`);
  return { ...parsed.data, messageId: 'msg-1', receivedAt: '2026-06-06T12:00:00.000Z', at: '2026-06-06T12:00:00.000Z' } as AcceptedEvent;
}

const segment = (categoryPreferences: Record<string, boolean>) => withContext({ consent: { categoryPreferences } });
const rudder = (allowedConsentIds?: string[], deniedConsentIds?: string[]) => withContext({ consentManagement: { allowedConsentIds, deniedConsentIds } });

const MARKETING_DENY: ConsentPolicy = { categories: ['marketing'], whenMissing: 'deny' };
const MARKETING_GRANT: ConsentPolicy = { categories: ['marketing'], whenMissing: 'grant' };

describe('decideConsent: Segment categoryPreferences', () => {
  test('"Marketing": true allows (category names are case-insensitive)', () => {
    assert.deepEqual(decideConsent(segment({ Marketing: true }), MARKETING_DENY), { allowed: true, granted: ['marketing'] });
  });

  test('"Marketing": false denies and names the category', () => {
    const decision = decideConsent(segment({ Marketing: false }), MARKETING_DENY);
    assert.equal(decision.allowed, false);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.denied, ['marketing']);
    assert.deepEqual(decision.missing, []);
    assert.match(decision.detail, /denied: marketing/);
  });

  test('an explicit false denies even when missing consent would be granted', () => {
    assert.equal(decideConsent(segment({ marketing: false }), MARKETING_GRANT).allowed, false);
  });

  test('the policy category is case-insensitive too', () => {
    const policy: ConsentPolicy = { categories: ['MARKETING'], whenMissing: 'deny' };
    assert.equal(decideConsent(segment({ marketing: true }), policy).allowed, true);
    assert.equal(decideConsent(segment({ Marketing: false }), policy).allowed, false);
  });

  test('other categories do not stand in for the required one', () => {
    const decision = decideConsent(segment({ Analytics: true }), MARKETING_DENY);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.missing, ['marketing']);
  });
});

describe('decideConsent: RudderStack consentManagement', () => {
  test('allowedConsentIds grants', () => {
    assert.equal(decideConsent(rudder(['Marketing']), MARKETING_DENY).allowed, true);
  });

  test('deniedConsentIds denies', () => {
    const decision = decideConsent(rudder([], ['marketing']), MARKETING_GRANT);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.denied, ['marketing']);
  });

  test('denied wins over allowed for the same id', () => {
    assert.equal(decideConsent(rudder(['marketing'], ['MARKETING']), MARKETING_DENY).allowed, false);
  });
});

describe('decideConsent: both shapes at once', () => {
  test('a refusal in one shape wins over a grant in the other', () => {
    const contradictory = withContext({
      consent: { categoryPreferences: { Marketing: false } },
      consentManagement: { allowedConsentIds: ['marketing'] },
    });
    assert.equal(decideConsent(contradictory, MARKETING_DENY).allowed, false);
    const reversed = withContext({
      consent: { categoryPreferences: { Marketing: true } },
      consentManagement: { deniedConsentIds: ['Marketing'] },
    });
    assert.equal(decideConsent(reversed, MARKETING_DENY).allowed, false);
  });
});

describe('decideConsent: no consent information', () => {
  test('whenMissing deny refuses and says no consent was given', () => {
    const decision = decideConsent(withContext(), MARKETING_DENY);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.denied, []);
    assert.deepEqual(decision.missing, ['marketing']);
    assert.match(decision.detail, /no consent given for: marketing/);
  });

  test('whenMissing grant allows', () => {
    assert.deepEqual(decideConsent(withContext(), MARKETING_GRANT), { allowed: true, granted: ['marketing'] });
  });

  test('an empty categoryPreferences object counts as missing', () => {
    assert.equal(decideConsent(segment({}), MARKETING_DENY).allowed, false);
    assert.equal(decideConsent(segment({}), MARKETING_GRANT).allowed, true);
  });

  test('no required categories: always allowed', () => {
    assert.deepEqual(decideConsent(withContext(), { categories: [], whenMissing: 'deny' }), { allowed: true, granted: [] });
  });
});

describe('decideConsent: several categories', () => {
  const both: ConsentPolicy = { categories: ['marketing', 'analytics'], whenMissing: 'deny' };

  test('all granted: allowed', () => {
    assert.deepEqual(decideConsent(segment({ Marketing: true, Analytics: true }), both), {
      allowed: true,
      granted: ['marketing', 'analytics'],
    });
  });

  test('one denied: refused, naming the denied one', () => {
    const decision = decideConsent(segment({ Marketing: true, Analytics: false }), both);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.denied, ['analytics']);
    assert.deepEqual(decision.missing, []);
  });

  test('one missing with whenMissing deny: refused, naming the missing one', () => {
    const decision = decideConsent(segment({ Marketing: true }), both);
    assert.ok(!decision.allowed);
    assert.deepEqual(decision.missing, ['analytics']);
    assert.match(decision.detail, /consent required for marketing, analytics/);
  });

  test('one missing with whenMissing grant: allowed', () => {
    assert.equal(decideConsent(segment({ Marketing: true }), { ...both, whenMissing: 'grant' }).allowed, true);
  });

  test('categories may come from both shapes', () => {
    const event = withContext({ consent: { categoryPreferences: { Marketing: true } }, consentManagement: { allowedConsentIds: ['analytics'] } });
    assert.equal(decideConsent(event, both).allowed, true);
  });
});

describe('readConsent', () => {
  test('lower-cases every category from both shapes', () => {
    const event = withContext({
      consent: { categoryPreferences: { Marketing: true, Analytics: false } },
      consentManagement: { allowedConsentIds: ['Personalisation'], deniedConsentIds: ['ADS'] },
    });
    assert.deepEqual([...readConsent(event).entries()].sort(), [
      ['ads', false],
      ['analytics', false],
      ['marketing', true],
      ['personalisation', true],
    ]);
  });

  test('an event without consent context reads as empty', () => {
    assert.equal(readConsent(withContext()).size, 0);
  });
});
