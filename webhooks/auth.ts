import { createHash, timingSafeEqual } from 'node:crypto';
import type { WebhookConnection } from './config';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Compares the Authorization header with what the connection expects, in constant time over fixed-length digests so
 * that neither content nor length leaks. Basic and Bearer are both checked as the full header value.
 */
export function isAuthorised(connection: WebhookConnection, authorization: string | undefined): boolean {
  const expected =
    connection.auth.type === 'basic'
      ? `Basic ${Buffer.from(`${connection.auth.username}:${connection.auth.password}`).toString('base64')}`
      : `Bearer ${connection.auth.token}`;
  return timingSafeEqual(digest(authorization?.trim() ?? ''), digest(expected));
}
