import { createHash } from 'node:crypto';

/** A fixed-length stand-in for an id in workflow ids: Temporal caps ids at 1,000 bytes, and ids are shown in plain view. */
export function idDigest(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

/** The digest naming an anonymousId's hold in one deployment (several may share a namespace). */
export function holdDigest(taskQueue: string, anonymousId: string): string {
  return idDigest(`${taskQueue}\n${anonymousId}`);
}
