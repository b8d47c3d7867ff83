import { ApplicationFailure, log, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { EventHit } from '../xtremepush/hit';
import { keyword, SA, type AttemptRecord, type DeliveryFailureDetails, type DeliveryResult } from './contracts';
import { countOutcome, recordLatency } from './metrics';
import type { DropReason, FinalFailure } from './vocabulary';

/*
 * How a delivery ends. Each ending sets every search attribute it concerns in one upsert (one billable action), counts
 * the outcome once (workflow metrics are not emitted again on replay) and says in the details what happened.
 */

export function delivered(integrationId: string, receivedAt: string, hit: EventHit, userId: string, attempts: AttemptRecord): DeliveryResult {
  upsertSearchAttributes([
    { key: SA.outcome, value: 'delivered' },
    { key: SA.xtremepushEvent, value: keyword(hit.event) },
    { key: SA.failureClass, value: null },
  ]);
  countOutcome(integrationId, 'delivered');
  recordLatency(integrationId, receivedAt);
  setCurrentDetails(`Delivered **${hit.event}** (attempt ${attempts.count})`);
  return { outcome: 'delivered', xtremepushEvent: hit.event, userId, attempts, hit };
}

export function stored(integrationId: string, userId: string, detail: string): DeliveryResult {
  upsertSearchAttributes([{ key: SA.outcome, value: 'stored' }]);
  countOutcome(integrationId, 'stored');
  setCurrentDetails(`Stored: ${detail}`);
  return { outcome: 'stored', userId, detail };
}

export function dropped(integrationId: string, reason: DropReason, detail: string): DeliveryResult {
  upsertSearchAttributes([
    { key: SA.outcome, value: 'dropped' },
    { key: SA.dropReason, value: reason },
  ]);
  countOutcome(integrationId, 'dropped', reason);
  setCurrentDetails(`Dropped: ${reason}. ${detail}`);
  log.info(`delivery dropped: ${reason}`, { integration: integrationId, reason, detail });
  return { outcome: 'dropped', reason, detail };
}

/** Ends the workflow as Failed: the type is the class, the message says what to do, the details hold the attempts. */
export function failed(integrationId: string, failureClass: FinalFailure, message: string, attempts: AttemptRecord, hit: EventHit | null): ApplicationFailure {
  upsertSearchAttributes([
    { key: SA.outcome, value: 'failed' },
    { key: SA.failureClass, value: failureClass },
    ...(hit ? [{ key: SA.xtremepushEvent, value: keyword(hit.event) }] : []),
  ]);
  countOutcome(integrationId, 'failed', failureClass);
  setCurrentDetails(`Failed: ${failureClass}. ${message}`);
  log.warn(`delivery failed: ${failureClass}`, { integration: integrationId, failureClass, message, attempts: attempts.count });
  const details: DeliveryFailureDetails = { failureClass, attempts, hit };
  return ApplicationFailure.create({ type: failureClass, message, nonRetryable: true, details: [details] });
}
