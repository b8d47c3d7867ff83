import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Integration } from '../config/schema';
import type { IdentityStore } from '../identity/store';
import type { XtremepushClient } from '../xtremepush/client';
import type { IntegrationGate } from './integration-gate';

export interface ActivityDeps {
  /** Integrations by id, tokens included: activities read them at run time so no secret enters history. */
  integrations: ReadonlyMap<string, Integration>;
  identityStore: IdentityStore;
  xtremepush: XtremepushClient;
  /** For activities that signal other workflows (holding anonymous events). */
  temporal: Client;
  taskQueue: string;
  /** This worker's view of each integration's health, shared by every delivery attempt. */
  gate: IntegrationGate;
  circuitProbeIntervalMs: number;
  logger: Logger;
}

export function integrationOf(deps: ActivityDeps, integrationId: string) {
  const integration = deps.integrations.get(integrationId);
  // A delivery for an integration this worker does not know is a deployment mistake, not a data problem: keep retrying
  // (the operator sees the failing activity in the UI) rather than losing the event.
  if (!integration) throw new Error(`integration "${integrationId}" is not configured on this worker; add it to the worker's configuration`);
  return integration;
}
