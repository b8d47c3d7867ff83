import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIntegrationEnabled } from './integrations';

test("Segment's integrations object: All, the destination's name, and the integration's own id", () => {
  const on = (integrations: Record<string, unknown> | undefined) => isIntegrationEnabled(integrations, 'shop-eu');
  assert.equal(on(undefined), true);
  assert.equal(on({}), true);
  assert.equal(on({ All: false }), false);
  assert.equal(on({ All: false, Xtremepush: true }), true);
  assert.equal(on({ All: false, Xtremepush: { region: 'eu' } }), true, 'options count as on');
  assert.equal(on({ Xtremepush: false }), false);
  assert.equal(on({ 'shop-eu': false }), false);
  assert.equal(on({ Xtremepush: false, 'shop-eu': true }), true, 'the integration id is the more specific name');
  assert.equal(on({ All: false, 'shop-us': true }), false, 'another integration named on does not turn this one on');
  assert.equal(on({ xtremepush: false }), true, 'names are case-sensitive, as in Segment');
  assert.equal(on(JSON.parse('{"All": true, "toString": false}') as Record<string, unknown>), true);
});
