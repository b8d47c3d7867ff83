import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ErasedData, IdentityStore, PrivacyLogEntry } from '../identity/store';
import { subjectHash } from '../privacy/subject';
import { eraseDeliverySignal, privacyWorkflowId, WORKFLOW_TYPES, type PrivacyRequest } from '../workflows/contracts';
import { PrivacyKeyMissingError } from '../errors';

/** What privacy requests need of the identity store: the store itself, or the running service's (privacyStoreOfService). */
export type PrivacyStore = Pick<IdentityStore, 'eraseSubject' | 'suppress' | 'unsuppress' | 'listSuppressed' | 'recordPrivacyAction' | 'listPrivacyLog'>;

/**
 * The identity store of the running service, asked through its worker (the embedded store belongs to the service's
 * process). Each request's execution names the person, so it is deleted once answered.
 */
export function privacyStoreOfService(client: Client, taskQueue: string, timeoutMs = 60_000): PrivacyStore {
  const run = async <T>(request: PrivacyRequest): Promise<T> => {
    const workflowId = privacyWorkflowId(randomUUID());
    try {
      return (await client.workflow.execute(WORKFLOW_TYPES.privacyRequest, {
        taskQueue,
        workflowId,
        args: [request],
        // No worker within this time: the service is not running, and the command must not wait for one.
        workflowExecutionTimeout: timeoutMs,
        staticSummary: `privacy request (${request.kind})`,
      })) as T;
    } finally {
      await deleteExecution(client, { workflowId });
    }
  };
  return {
    eraseSubject: (input) => run<ErasedData>({ kind: 'erase', ...input, anonymousIds: [...input.anonymousIds] }),
    suppress: (subject) => run<boolean>({ kind: 'suppress', subject }),
    unsuppress: (subject) => run<boolean>({ kind: 'unsuppress', subject }),
    listSuppressed: () => run<Array<{ subject: string; at: string }>>({ kind: 'listSuppressed' }),
    recordPrivacyAction: (entry) => run<void>({ kind: 'record', entry }),
    listPrivacyLog: (limit = 100) => run<PrivacyLogEntry[]>({ kind: 'log', limit }),
  };
}

/** The hashes a person's executions carry: for each of their ids, as a userId and as an anonymousId. */
export function personHashes(hashKey: string, ids: readonly string[]): string[] {
  return [...new Set(ids.flatMap((id) => [subjectHash(hashKey, 'user', id), subjectHash(hashKey, 'anonymous', id)]))];
}

/** `--user-id` of `inspect`, `replay` and `stats`: the deliveries of events that carried this userId. */
export function userIdFilter(hashKey: string | undefined, userId: string): { userHashes: string[] } {
  if (!hashKey) throw new PrivacyKeyMissingError();
  return { userHashes: [subjectHash(hashKey, 'user', userId)] };
}

export interface ErasureRequest {
  userId: string;
  /** AnonymousIds of the person beyond those the store links to them. */
  anonymousIds?: readonly string[];
  /** Count what would be removed; change nothing. */
  dryRun?: boolean;
  /** Also put the person on the suppression list. */
  suppress?: boolean;
  /** The operator's reference for the request, kept in the privacy log. */
  ticket?: string;
}

export interface ErasureReport {
  /** The person's keyed hash, as the privacy log and the suppression list name them. */
  subject: string;
  dryRun: boolean;
  /** Removed from the identity store (or, in a dry run, found there). */
  store: Omit<ErasedData, 'anonymousIds'>;
  /** How many anonymousIds were the person's: their executions were looked for too. */
  anonymousIds: number;
  executions: {
    /** By workflow type; in a dry run, what would be deleted. */
    found: Record<string, number>;
    /** Deliveries still waiting (held, parked, retrying) that ended `dropped: erased` before they were deleted. */
    endedAsErased: number;
    /** Gone from Temporal. */
    deleted: number;
    /** Deletion asked for, but Temporal still had them when the command stopped waiting: run erase again to check. */
    notYetDeleted: number;
  };
  /** Added to the suppression list by this request. */
  suppressed: boolean;
}

export interface ErasureProgress {
  done: number;
  total: number;
}

interface Execution {
  workflowId: string;
  runId: string;
  type: string;
  running: boolean;
}

const GRPC_NOT_FOUND = 5;

/** How long a delivery told to end as erased gets before it is terminated instead. */
const ERASE_SIGNAL_GRACE_MS = 30_000;
/** Temporal deletes an execution once its close is acknowledged (every 30 s by default on a cluster). */
const DELETION_WAIT_MS = 3 * 60_000;

/**
 * Removes a person: their data in the identity store, and every execution that names them in Temporal (deliveries,
 * holds, webhook recordings, found by the keyed hashes of their ids). Deliveries still waiting end `dropped: erased`
 * first, so the outcome is counted. Idempotent: a second run finds nothing. Recorded in the privacy log.
 */
export async function erasePerson(
  deps: { client: Client; store: PrivacyStore; hashKey: string | undefined },
  request: ErasureRequest,
  onProgress: (progress: ErasureProgress) => void = () => undefined,
): Promise<ErasureReport> {
  const { client, store, hashKey } = deps;
  if (!hashKey) throw new PrivacyKeyMissingError();
  const subject = subjectHash(hashKey, 'user', request.userId);
  const dryRun = request.dryRun === true;
  // The store is read first: it knows the anonymousIds whose executions name the person too.
  const found = await store.eraseSubject({ userId: request.userId, anonymousIds: request.anonymousIds ?? [], dryRun: true });
  const hashes = personHashes(hashKey, [request.userId, ...found.anonymousIds]);
  const executions = { found: {} as Record<string, number>, endedAsErased: 0, deleted: 0, notYetDeleted: 0 };

  const deleted = new Set<string>();
  // A delivery that continued as new while it was being ended shows up as a new run: look again until none is left.
  for (let pass = 0; pass < 3; pass += 1) {
    const listed = (await listExecutions(client, hashes)).filter((e) => !deleted.has(e.runId));
    if (listed.length === 0) break;
    if (pass === 0) for (const e of listed) executions.found[e.type] = (executions.found[e.type] ?? 0) + 1;
    if (dryRun) break;
    executions.endedAsErased += await endRunning(
      client,
      listed.filter((e) => e.running),
    );
    const requested: Execution[] = [];
    for (const execution of listed) {
      if (await deleteExecution(client, execution)) requested.push(execution);
      deleted.add(execution.runId);
    }
    const gone = await waitUntilGone(client, requested, onProgress);
    executions.deleted += gone;
    executions.notYetDeleted += requested.length - gone;
  }

  const { anonymousIds, ...counts } = dryRun ? found : await store.eraseSubject({ userId: request.userId, anonymousIds: found.anonymousIds, dryRun: false });
  const suppressed = !dryRun && request.suppress === true && (await store.suppress(subject));
  if (!dryRun) {
    const logged = { ...counts, executionsDeleted: executions.deleted, deliveriesEndedAsErased: executions.endedAsErased };
    await store.recordPrivacyAction({ action: 'erase', subject, counts: logged, ticket: request.ticket ?? null });
    if (request.suppress)
      await store.recordPrivacyAction({ action: 'suppress', subject, counts: { added: suppressed ? 1 : 0 }, ticket: request.ticket ?? null });
  }
  return { subject, dryRun, store: counts, anonymousIds: anonymousIds.length, executions, suppressed };
}

/** Puts a person on the suppression list (or, `lift`, takes them off); logged. False: nothing changed. */
export async function setSuppression(
  deps: { store: PrivacyStore; hashKey: string | undefined },
  request: { userId: string; lift?: boolean; ticket?: string },
): Promise<{ subject: string; changed: boolean }> {
  if (!deps.hashKey) throw new PrivacyKeyMissingError();
  const subject = subjectHash(deps.hashKey, 'user', request.userId);
  const changed = request.lift ? await deps.store.unsuppress(subject) : await deps.store.suppress(subject);
  const action = request.lift ? 'unsuppress' : 'suppress';
  await deps.store.recordPrivacyAction({ action, subject, counts: { [request.lift ? 'removed' : 'added']: changed ? 1 : 0 }, ticket: request.ticket ?? null });
  return { subject, changed };
}

async function listExecutions(client: Client, hashes: readonly string[]): Promise<Execution[]> {
  const executions: Execution[] = [];
  // Queries stay short however many anonymousIds a person had.
  for (let i = 0; i < hashes.length; i += 50) {
    const query = `XpUserHash IN (${hashes
      .slice(i, i + 50)
      .map((h) => `'${h}'`)
      .join(', ')})`;
    for await (const e of client.workflow.list({ query })) {
      executions.push({ workflowId: e.workflowId, runId: e.runId, type: e.type, running: e.status.name === 'RUNNING' });
    }
  }
  return [...new Map(executions.map((e) => [e.runId, e])).values()];
}

/** Waiting deliveries are told to end as erased; anything else still running (a hold, a recording) is terminated. */
async function endRunning(client: Client, running: readonly Execution[]): Promise<number> {
  let erased = 0;
  const told: Execution[] = [];
  for (const execution of running) {
    const handle = client.workflow.getHandle(execution.workflowId);
    try {
      if (execution.type === WORKFLOW_TYPES.deliverEvent) {
        await handle.signal(eraseDeliverySignal);
        told.push(execution);
      } else {
        await handle.terminate('the person was erased (cli erase)');
      }
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  const deadline = Date.now() + ERASE_SIGNAL_GRACE_MS;
  for (const execution of told) {
    const handle = client.workflow.getHandle(execution.workflowId);
    for (;;) {
      const { status } = await handle.describe();
      if (status.name === 'COMPLETED') erased += 1;
      if (status.name !== 'RUNNING') break;
      if (Date.now() > deadline) {
        await handle.terminate('the person was erased (cli erase); the delivery did not end by itself');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return erased;
}

/** Waits until Temporal no longer has the executions whose deletion was asked for; how many went. */
async function waitUntilGone(client: Client, requested: readonly Execution[], onProgress: (progress: ErasureProgress) => void): Promise<number> {
  if (requested.length === 0) return 0;
  let remaining = [...requested];
  const deadline = Date.now() + DELETION_WAIT_MS;
  onProgress({ done: 0, total: requested.length });
  while (remaining.length > 0 && Date.now() < deadline) {
    const still: Execution[] = [];
    for (const execution of remaining) {
      try {
        await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
        still.push(execution);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    remaining = still;
    onProgress({ done: requested.length - remaining.length, total: requested.length });
    if (remaining.length > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return requested.length - remaining.length;
}

/** Deletes one run (each run of a delivery that continued as new is listed on its own). False: it was gone already. */
async function deleteExecution(client: Client, execution: { workflowId: string; runId?: string }): Promise<boolean> {
  try {
    await client.workflowService.deleteWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: execution.workflowId, runId: execution.runId },
    });
    return true;
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) return false;
    throw error;
  }
}
