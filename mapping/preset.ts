/**
 * Seed 000's Default preset as data: Segment/GA4-style names to Xtremepush event names, identify traits to
 * Xtremepush profile attributes. Everything not listed is dropped (`defaults.action: drop`).
 */
export interface Mappings {
  /** Source event name (a track's `event`, or `page`) -> Xtremepush event name. */
  events: Record<string, string>;
  /** Xtremepush user_attributes key -> trait names it is read from, first present wins. */
  traits: Record<string, string[]>;
  defaults: { action: 'drop' | 'pass_through' };
}

export const DEFAULT_PRESET: Mappings = {
  events: {
    page: 'page_view',
    'Product Viewed': 'product_viewed',
    'Product Added': 'add_to_cart',
    'Checkout Started': 'checkout_started',
    'Order Completed': 'purchase',
    'Signed Up': 'sign_up',
  },
  traits: {
    email: ['email'],
    first_name: ['firstName', 'first_name'],
    last_name: ['lastName', 'last_name'],
    phone: ['phone'],
  },
  defaults: { action: 'drop' },
};
