import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PrivacyRequest } from './contracts';

const { runPrivacyRequest } = proxyLocalActivities<Activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 3 } });

/**
 * `cli erase`, `suppress` and `privacy log` while the service runs: the embedded identity store belongs to the
 * service's process, so the request runs there. Its history names the person: the caller deletes it once answered.
 */
export async function privacyRequest(request: PrivacyRequest): Promise<unknown> {
  return runPrivacyRequest(request);
}
