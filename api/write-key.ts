import { timingSafeEqual } from 'node:crypto';

/** Segment clients send the write key as the HTTP Basic username (password empty); some put it in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  const fromBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/** Constant-time comparison against every configured key, so timing reveals neither key nor match position. */
export function isKnownKey(candidate: string | undefined, keys: readonly string[]): boolean {
  if (!candidate) return false;
  const given = Buffer.from(candidate);
  let known = false;
  for (const key of keys) {
    const expected = Buffer.from(key);
    const same = given.length === expected.length && timingSafeEqual(given, expected);
    known = known || same;
  }
  return known;
}
