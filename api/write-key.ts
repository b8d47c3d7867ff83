import { isSameSecret } from '../secrets/same-secret';

/** Segment clients send the write key as the HTTP Basic username (password empty); some put it in the body. */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  const basic = /^Basic\s+(.+)$/i.exec(authorization ?? '');
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  const fromBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/** Compared with every configured key in constant time, so timing reveals neither a key nor which one matched. */
export function isKnownKey(candidate: string | undefined, keys: readonly string[]): boolean {
  if (!candidate) return false;
  let known = false;
  for (const key of keys) known = isSameSecret(candidate, key) || known;
  return known;
}
