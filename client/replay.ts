import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { replayWorkflowId, SA, WORKFLOW_TYPES, type DeliverEventInput } from '../workflows/contracts';

export interface ReplayCandidate {
  workflowId: string;
  runId: string;
  outcome: string | null;
  failureClass: string | null;
  /** Integration, region, source event and person's hashes of the original, carried to the replay so the same filters find it. */
  identifying: SearchAttributePair[];
}

export interface ReplayProgress {
  done: number;
  total: number;
}

export interface ReplayReport {
  selected: number;
  started: string[];
  /** Already replayed by an earlier run: not delivered again. */
  alreadyReplayed: number;
}

/** Closed deliveries matching a visibility query; running ones are left alone (they are still being delivered). */
export async function selectDeliveries(client: Client, query: string): Promise<ReplayCandidate[]> {
  const candidates: ReplayCandidate[] = [];
  for await (const execution of client.workflow.list({ query: `(${query}) AND ExecutionStatus != 'Running'` })) {
    if (execution.type !== 'deliverEvent') continue;
    candidates.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      outcome: (execution.searchAttributes.XpOutcome?.[0] as string | undefined) ?? null,
      failureClass: (execution.searchAttributes.XpFailureClass?.[0] as string | undefined) ?? null,
      identifying: [
        ...[SA.integration, SA.region, SA.sourceEvent].flatMap((key) => {
          const value = execution.typedSearchAttributes.get(key);
          return value === undefined ? [] : [{ key, value }];
        }),
        ...(execution.typedSearchAttributes.get(SA.userHash) ? [{ key: SA.userHash, value: execution.typedSearchAttributes.get(SA.userHash)! }] : []),
      ],
    });
  }
  return candidates;
}

/** Starts a new delivery of each candidate's original event, with the original settings, under a replay id. */
export async function replayDeliveries(
  client: Client,
  taskQueue: string,
  candidates: readonly ReplayCandidate[],
  onProgress: (progress: ReplayProgress) => void = () => undefined,
): Promise<ReplayReport> {
  const report: ReplayReport = { selected: candidates.length, started: [], alreadyReplayed: 0 };
  let done = 0;
  for (const candidate of candidates) {
    const history = await client.workflow.getHandle(candidate.workflowId, candidate.runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = await decodeFromPayloadsAtIndex<DeliverEventInput>(client.options.loadedDataConverter, 0, started?.input?.payloads);
    const workflowId = replayWorkflowId(candidate);
    try {
      await client.workflow.start(WORKFLOW_TYPES.deliverEvent, {
        taskQueue,
        workflowId,
        // A replay starts from the event, not from where the original run had got to, and as deliveries start now.
        args: [{ ...input, progress: undefined, combinedFirstStep: true }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: candidate.identifying,
        staticSummary: `replay of ${candidate.workflowId}`,
        staticDetails: `Replays run \`${candidate.runId}\` (it ended ${candidate.outcome ?? 'unknown'}${candidate.failureClass ? `: ${candidate.failureClass}` : ''}).`,
      });
      report.started.push(workflowId);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      report.alreadyReplayed += 1;
    }
    onProgress({ done: ++done, total: candidates.length });
  }
  return report;
}
