import { createHash } from 'node:crypto';

/** A fixed-length stand-in for an id in workflow ids: Temporal caps ids at 1,000 bytes, and ids are shown in plain view. */
export function idDigest(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}
