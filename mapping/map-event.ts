import type { AcceptedEvent } from '../events/schema';
import type { ConsentPreferences } from '../consent/rules';
import { formatHitTimestamp, type EventHit } from '../xtremepush/hit';
import type { Mappings } from './preset';

export interface StitchedIdentity {
  userId: string;
  /** Traits remembered from earlier identify calls of this user. */
  storedTraits: Record<string, unknown>;
}

export type MappingResult =
  | { action: 'send'; sourceEvent: string; hit: EventHit }
  | { action: 'drop'; sourceEvent: string; reason: 'unmapped_event' | 'user_id_policy'; detail: string };

/** The name the preset matches on: a track's event name, or the call type for page and identify. */
export function sourceEventName(event: AcceptedEvent): string {
  return event.type === 'track' ? event.event : event.type;
}

/** Turns a stitched event into the Xtremepush hit the mappings describe, or says why it is not sent. */
export function mapEvent(
  event: AcceptedEvent,
  identity: StitchedIdentity,
  mappings: Mappings,
  consentPreferences?: ConsentPreferences,
): MappingResult {
  const sourceEvent = sourceEventName(event);
  const mapped = mappings.events[sourceEvent] ?? (mappings.defaults.action === 'pass_through' ? sourceEvent : undefined);
  if (!mapped) {
    return { action: 'drop', sourceEvent, reason: 'unmapped_event', detail: `"${sourceEvent}" has no Xtremepush event in the mappings (defaults.action: drop)` };
  }
  const hit: EventHit = {
    user_id: identity.userId,
    event: mapped,
    timestamp: formatHitTimestamp(event.timestamp ?? event.originalTimestamp ?? event.receivedAt),
  };
  const userAttributes = {
    ...mapTraits({ ...identity.storedTraits, ...(event.type === 'identify' ? event.traits : {}), ...event.context?.traits }, mappings.traits),
    ...mappings.constants.user_attributes,
  };
  if (Object.keys(userAttributes).length > 0) hit.user_attributes = userAttributes;
  const value = { ...renameProperties(eventProperties(event), mappings.properties), ...mappings.constants.value };
  if (Object.keys(value).length > 0) hit.value = value;
  if (consentPreferences) hit.consent_preferences = consentPreferences;
  return { action: 'send', sourceEvent, hit };
}

function mapTraits(traits: Record<string, unknown>, traitMappings: Mappings['traits']): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [attribute, sources] of Object.entries(traitMappings)) {
    const source = sources.find((name) => traits[name] !== undefined && traits[name] !== null);
    if (source) attributes[attribute] = traits[source];
  }
  return attributes;
}

/** Event properties ride in `value`; a page's name and category are properties of the page view too. */
function eventProperties(event: AcceptedEvent): Record<string, unknown> {
  const pageFields = event.type === 'page' ? { name: event.name, category: event.category } : {};
  const properties = { ...pageFields, ...(event.type === 'track' || event.type === 'page' ? event.properties : {}) };
  return Object.fromEntries(Object.entries(properties).filter(([, v]) => v !== undefined));
}

function renameProperties(properties: Record<string, unknown>, renames: Mappings['properties']): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    const target = key in renames ? renames[key] : key;
    if (target !== null && target !== undefined) renamed[target] = value;
  }
  return renamed;
}
