/** The name Segment-style clients use for this destination in an event's `integrations` object. */
export const DESTINATION_NAME = 'Xtremepush';

/**
 * Segment's `integrations` object: a destination named with `false` is off; one named with anything else (`true`, or
 * an object of options) is on; an unnamed one follows `All`, on unless `All` is `false`. An integration is named by
 * its own id (most specific) or by `Xtremepush`.
 */
export function isIntegrationEnabled(integrations: Record<string, unknown> | undefined, integrationId: string): boolean {
  if (!integrations) return true;
  for (const name of [integrationId, DESTINATION_NAME]) {
    if (Object.hasOwn(integrations, name)) return integrations[name] !== false;
  }
  return !Object.hasOwn(integrations, 'All') || integrations.All !== false;
}
