import { isKnownEvent, type AcceptedEvent } from '../events/schema';
import type { IdentityStore, Traits } from './store';

/** Identify, alias and group calls describe a user; every other call only reads what they stored. */
export function describesIdentity(event: AcceptedEvent): boolean {
  return isKnownEvent(event) && (event.type === 'identify' || event.type === 'alias' || event.type === 'group') && event.userId !== undefined;
}

/**
 * Writes what an identify, alias or group says about its user, dated by the event's trusted time so that the newest
 * wins per trait and per link whatever order the writes arrive in. Idempotent: ingest writes it before answering,
 * and the event's delivery writes it again in case that first write failed. With `subject` (the user's keyed hash,
 * when a privacy key is set), nothing is written about a person on the suppression list.
 */
export async function applyIdentityEvent(store: IdentityStore, event: AcceptedEvent, subject?: string): Promise<'written' | 'suppressed' | 'nothing'> {
  if (!isKnownEvent(event) || !describesIdentity(event) || !event.userId) return 'nothing';
  if (subject && (await store.isSuppressed(subject))) return 'suppressed';
  if (event.type === 'identify') {
    await store.recordIdentify({ userId: event.userId, anonymousId: event.anonymousId, traits: event.traits ?? {}, at: event.at });
  } else if (event.type === 'alias') {
    await store.linkAlias(event.previousId, event.userId, event.at);
  } else if (event.type === 'group') {
    await store.recordIdentify({ userId: event.userId, anonymousId: event.anonymousId, traits: groupTraits(event.groupId, event.traits), at: event.at });
  }
  return 'written';
}

/**
 * A group's traits describe the group, not the user: they are stored as `group.<trait>` beside `groupId`, so they
 * never overwrite the user's own (a group's `name` is not the user's), and a mappings file can still send them.
 */
export function groupTraits(groupId: string, traits: Traits = {}): Traits {
  return Object.fromEntries([['groupId', groupId], ...Object.entries(traits).map(([key, value]) => [`group.${key}`, value])]);
}
