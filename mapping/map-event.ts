import type { ConsentPreferences } from '../consent/rules';
import type { KnownAcceptedEvent } from '../events/schema';
import { describesIdentity } from '../identity/apply';
import { formatHitTimestamp, type EventHit } from '../xtremepush/hit';
import type { Mappings } from './preset';

export interface StitchedIdentity {
  userId: string;
  /** Traits remembered from earlier identify calls of this user. */
  storedTraits: Record<string, unknown>;
}

export type MappingResult =
  | { action: 'send'; sourceEvent: string; hit: EventHit }
  /** An identify, alias or group with no Xtremepush event of its own: what it says about the user is stored. */
  | { action: 'store'; sourceEvent: string; detail: string }
  | { action: 'drop'; sourceEvent: string; reason: 'unmapped_event'; detail: string };

/** The name the preset matches on: a track's event name, or the call type (page, screen, identify, group, alias). */
export function sourceEventName(event: { type: string; event?: unknown }): string {
  return event.type === 'track' && typeof event.event === 'string' ? event.event : event.type;
}

/** Turns a stitched event into the Xtremepush hit the mappings describe, or says why it is not sent. */
export function mapEvent(event: KnownAcceptedEvent, identity: StitchedIdentity, mappings: Mappings, consentPreferences?: ConsentPreferences): MappingResult {
  const sourceEvent = sourceEventName(event);
  const mapped = mappings.events.get(sourceEvent) ?? (mappings.defaults.action === 'pass_through' ? sourceEvent : undefined);
  if (!mapped) {
    if (describesIdentity(event)) {
      return {
        action: 'store',
        sourceEvent,
        detail: `the ${event.type} updated what is stored for the user; no Xtremepush event is mapped for "${sourceEvent}"`,
      };
    }
    return {
      action: 'drop',
      sourceEvent,
      reason: 'unmapped_event',
      detail: `"${sourceEvent}" has no Xtremepush event in the mappings (defaults.action: drop)`,
    };
  }
  const hit: EventHit = { user_id: identity.userId, event: mapped, timestamp: formatHitTimestamp(event.at) };
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
  for (const [attribute, sources] of traitMappings) {
    const source = sources.find((name) => Object.hasOwn(traits, name) && traits[name] !== undefined && traits[name] !== null);
    if (source) attributes[attribute] = traits[source];
  }
  return attributes;
}

/** Event properties ride in `value`; a page's or screen's name and category are properties of the view too. */
function eventProperties(event: KnownAcceptedEvent): Record<string, unknown> {
  switch (event.type) {
    case 'track':
      return { ...event.properties };
    case 'page':
    case 'screen':
      return withoutUndefined({ name: event.name, category: event.category, ...event.properties });
    case 'group':
      return { groupId: event.groupId, ...event.traits };
    default:
      return {};
  }
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

function renameProperties(properties: Record<string, unknown>, renames: Mappings['properties']): Record<string, unknown> {
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    const target = renames.has(key) ? renames.get(key) : key;
    if (target !== null && target !== undefined) renamed[target] = value;
  }
  return renamed;
}
