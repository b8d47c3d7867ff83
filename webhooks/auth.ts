import { isSameSecret } from '../secrets/same-secret';
import type { WebhookConnection } from './config';

/**
 * Compares the Authorization header with what the connection expects, in constant time. Basic and Bearer are both
 * checked as the full header value.
 */
export function isAuthorised(connection: WebhookConnection, authorization: string | undefined): boolean {
  const expected =
    connection.auth.type === 'basic'
      ? `Basic ${Buffer.from(`${connection.auth.username}:${connection.auth.password}`).toString('base64')}`
      : `Bearer ${connection.auth.token}`;
  return isSameSecret(authorization?.trim() ?? '', expected);
}
