import { createHmac } from 'node:crypto';

/**
 * A keyed hash naming a person without saying who: in search attributes (never encrypted), the suppression list and
 * the privacy log. HMAC with a secret (PRIVACY_HASH_KEY), so nobody without it can test a guessed id against it.
 */
export function subjectHash(key: string, kind: 'user' | 'anonymous', id: string): string {
  return createHmac('sha256', key).update(`${kind}:${id}`).digest('hex').slice(0, 32);
}

/** The hashes of an event's ids, to find its deliveries by either. */
export function eventSubjectHashes(key: string, ids: { userId?: string; anonymousId?: string }): string[] {
  return [...(ids.userId ? [subjectHash(key, 'user', ids.userId)] : []), ...(ids.anonymousId ? [subjectHash(key, 'anonymous', ids.anonymousId)] : [])];
}
