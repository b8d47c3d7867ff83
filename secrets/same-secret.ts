import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether a secret a caller presented equals the expected one, in constant time: both are hashed to fixed-length
 * digests first, so timing reveals neither the secret's content nor its length.
 */
export function isSameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
