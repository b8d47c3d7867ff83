import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Integration } from '../config/schema';
import type { MessageLog } from '../identity/message-log';
import type { IdentityStore } from '../identity/store';
import { holdDigest } from '../events/ids';
import { holdWorkflowId } from '../workflows/contracts';
import type { DeliveryChannel } from '../xtremepush/channel';

export interface ActivityDeps {
  /** Integrations by id, tokens included: activities read them at run time so no secret enters history. */
  integrations: ReadonlyMap<string, Integration>;
  /** This worker's channel to each integration's Xtremepush project, shared by every delivery attempt. */
  channels: ReadonlyMap<string, DeliveryChannel>;
  identityStore: IdentityStore;
  /** Where webhook calls are recorded. */
  messageLog: MessageLog;
  /** For activities that start or signal other workflows (holds, circuit breakers). */
  temporal: Client;
  taskQueue: string;
  circuitProbeIntervalMs: number;
  /** The secret of the keyed hash naming a person (privacy/subject.ts); unset: no suppression list, no XpUserHash. */
  privacyHashKey?: string;
  logger: Logger;
}

export function integrationOf(deps: ActivityDeps, integrationId: string): Integration {
  const integration = deps.integrations.get(integrationId);
  // A delivery for an integration this worker does not know is a deployment mistake, not a data problem: keep retrying
  // (the operator sees the failing activity in the UI) rather than losing the event.
  if (!integration) throw new Error(`integration "${integrationId}" is not configured on this worker; add it to the worker's configuration`);
  return integration;
}

export function channelOf(deps: ActivityDeps, integrationId: string): DeliveryChannel {
  const channel = deps.channels.get(integrationId);
  if (!channel) throw new Error(`integration "${integrationId}" is not configured on this worker; add it to the worker's configuration`);
  return channel;
}

/** The hold collecting an anonymousId's events for one integration of this deployment (its task queue). */
export function holdWorkflowIdOf(deps: Pick<ActivityDeps, 'taskQueue'>, integrationId: string, anonymousId: string): string {
  return holdWorkflowId(integrationId, holdDigest(deps.taskQueue, anonymousId));
}

/**
 * A value the identity store refuses (PostgreSQL's data exceptions and program limits, or our own input checks) fails
 * the same way on every retry: it ends the delivery as `invalid_event`, naming the problem. Anything else (the store
 * unreachable, say) is thrown on, to be retried.
 */
export function asDataError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  const isDataError = (typeof code === 'string' && /^(22|54)/.test(code)) || (error as Error).name === 'InvalidStoreInput';
  if (!isDataError) return error;
  return ApplicationFailure.create({
    type: 'invalid_event',
    nonRetryable: true,
    message: `the identity store refused a value of this event: ${(error as Error).message}`,
  });
}
