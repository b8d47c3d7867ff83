/**
 * Seed 000's Default preset as data: Segment/GA4-style names to Xtremepush event names, identify traits to
 * Xtremepush profile attributes. Everything not listed is dropped (`defaults.action: drop`). A mappings file
 * (mapping/mappings-file.ts) changes any of it.
 */
export interface Mappings {
  /**
   * Source event name (a track's `event`, or the call type: `page`, `screen`, `identify`, `group`, `alias`) ->
   * Xtremepush event name. A Map: names come from events, and a plain object would answer `toString` or `__proto__`.
   */
  events: ReadonlyMap<string, string>;
  /** Xtremepush user_attributes key -> trait names it is read from, first present wins. */
  traits: ReadonlyMap<string, readonly string[]>;
  /** Event property -> the name it has in `value`, or null to leave it out. Unlisted properties pass unchanged. */
  properties: ReadonlyMap<string, string | null>;
  /** Fixed values added to every hit (they win over the event's own). */
  constants: { value?: Record<string, unknown>; user_attributes?: Record<string, unknown> };
  defaults: { action: 'drop' | 'pass_through' };
}

export const DEFAULT_PRESET: Mappings = {
  events: new Map([
    ['page', 'page_view'],
    ['Product Viewed', 'product_viewed'],
    ['Product Added', 'add_to_cart'],
    ['Checkout Started', 'checkout_started'],
    ['Order Completed', 'purchase'],
    ['Signed Up', 'sign_up'],
  ]),
  traits: new Map([
    ['email', ['email']],
    ['first_name', ['firstName', 'first_name']],
    ['last_name', ['lastName', 'last_name']],
    ['phone', ['phone']],
  ]),
  properties: new Map(),
  constants: {},
  defaults: { action: 'drop' },
};
