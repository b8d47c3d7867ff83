import { ApplicationFailure, WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { mapLimit, sleep } from '../../scripts/benchmark/support';
import type { Simulator } from '../../simulator';
import { WORKFLOW_TYPES, type DeliveryResult } from '../../workflows/contracts';
import type { AbandonWatch } from './abandon-watch';
import type { AcceptedEvent } from './load';

/** What the end check found for the events the API accepted (and the webhooks it recorded). */
export interface EndCheck {
  accepted: number;
  /** How the accepted events ended: `delivered`, `dropped: unmapped_event`, `failed: retries_exhausted`, ... */
  endings: Record<string, number>;
  /** Ended otherwise than they had to (a valid event not delivered, an unmapped one sent), with examples. */
  wrongEndings: number;
  /** Hits beyond one per delivered event. */
  duplicates: number;
  /**
   * Hits carried by requests that landed after the client had given up on them (it timed out): it could not know
   * they had landed and sent them again, so these duplicates are the ones at-least-once delivery allows.
   */
  lateLanded: number;
  /** Accepted events whose workflow does not exist, or that ended delivered without reaching the simulator. */
  lost: number;
  /** Workflows still running when the wait ended. */
  stillRunning: number;
  /** Workflow ids with other than one execution (each accepted event must have exactly one outcome). */
  notOneExecution: number;
  /** Valid webhooks whose recording did not complete. */
  unrecorded: number;
  /** Refused events whose delivery workflow exists all the same. */
  startedAnyway: number;
  /** A few workflow ids per problem (a dozen in all), to start an investigation from. */
  examples: string[];
}

type Ending = { kind: 'missing' } | { kind: 'running' } | { kind: 'ended'; ending: string };

/**
 * Waits (up to `waitMs`) for every accepted event's workflow to close, then checks each one: exactly one execution,
 * a terminal outcome, the one it had to end with, and, when delivered, hits at the simulator for its user. The
 * refused events' workflows must not exist.
 */
export async function checkEnd(
  client: Client,
  simulator: Simulator,
  watch: Pick<AbandonWatch, 'landedUnseen' | 'idle'>,
  input: { events: readonly AcceptedEvent[]; recordings: readonly string[]; refused: readonly string[]; waitMs: number },
): Promise<EndCheck> {
  const deadline = Date.now() + input.waitMs;
  const endings = await mapLimit(input.events, 32, (event) => endingOf(client, event.workflowId, deadline));
  const recordings = await mapLimit(input.recordings, 32, (workflowId) => endingOf(client, workflowId, deadline));
  const executions = await executionsById(client, input.events);
  const refused = await mapLimit(input.refused, 32, (workflowId) => endingOf(client, workflowId, 0));

  // A slow answer the client gave up on may still be on its way after the event was delivered again.
  await watch.idle(30_000);
  const late = watch.landedUnseen();
  const hits = new Map<string, number>();
  for (const hit of simulator.hits()) hits.set(hit.user_id, (hits.get(hit.user_id) ?? 0) + 1);

  const check: EndCheck = {
    accepted: input.events.length,
    endings: {},
    wrongEndings: 0,
    duplicates: 0,
    lateLanded: 0,
    lost: 0,
    stillRunning: 0,
    notOneExecution: 0,
    unrecorded: 0,
    startedAnyway: 0,
    examples: [],
  };
  const example = (problem: string, workflowId: string) => {
    if (check.examples.length < 12 && check.examples.filter((e) => e.startsWith(problem)).length < 3) check.examples.push(`${problem}: ${workflowId}`);
  };
  input.events.forEach((event, i) => {
    const ending = endings[i]!;
    const landed = hits.get(event.userId) ?? 0;
    if ((executions.get(event.workflowId) ?? 0) !== 1) {
      check.notOneExecution += 1;
      example(`${executions.get(event.workflowId) ?? 0} executions`, event.workflowId);
    }
    if (ending.kind === 'missing') {
      check.lost += 1;
      return example('accepted but no workflow', event.workflowId);
    }
    if (ending.kind === 'running') {
      check.stillRunning += 1;
      return example('still running', event.workflowId);
    }
    check.endings[ending.ending] = (check.endings[ending.ending] ?? 0) + 1;
    if (ending.ending === 'delivered') {
      if (landed === 0) {
        check.lost += 1;
        example('delivered without a hit', event.workflowId);
      }
      check.duplicates += Math.max(0, landed - 1);
      check.lateLanded += late.get(event.userId) ?? 0;
      if (landed - 1 > (late.get(event.userId) ?? 0)) example(`${landed} hits, ${late.get(event.userId) ?? 0} of them landed unseen`, event.workflowId);
    }
    const expected = event.expect === 'delivered' ? ending.ending === 'delivered' && landed > 0 : ending.ending.startsWith('dropped') && landed === 0;
    if (!expected) {
      check.wrongEndings += 1;
      example(`ended ${ending.ending} with ${landed} hits, expected ${event.expect}`, event.workflowId);
    }
  });
  refused.forEach((ending, i) => {
    if (ending.kind === 'missing') return;
    check.startedAnyway += 1;
    example('refused but started', input.refused[i]!);
  });
  recordings.forEach((recording, i) => {
    if (recording.kind === 'ended' && recording.ending === 'completed') return;
    check.unrecorded += 1;
    example(`webhook recording ${recording.kind === 'ended' ? recording.ending : recording.kind}`, input.recordings[i]!);
  });
  return check;
}

/** Polls until the workflow closes or the deadline passes; a delivery's ending is its outcome or failure type. */
async function endingOf(client: Client, workflowId: string, deadline: number): Promise<Ending> {
  const handle = client.workflow.getHandle(workflowId);
  for (;;) {
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { kind: 'missing' };
      // Temporal itself may be coming back (a scenario restarted it): ask again.
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
      continue;
    }
    if (status === 'RUNNING') {
      if (Date.now() > deadline) return { kind: 'running' };
      await sleep(1_000);
      continue;
    }
    if (status === 'FAILED') {
      const error = await handle.result().then(
        () => null,
        (e: unknown) => e,
      );
      const cause = error instanceof WorkflowFailedError ? error.cause : null;
      return { kind: 'ended', ending: `failed: ${cause instanceof ApplicationFailure ? cause.type : (cause?.message ?? 'unknown')}` };
    }
    if (status !== 'COMPLETED') return { kind: 'ended', ending: status.toLowerCase() };
    const result = (await handle.result()) as DeliveryResult | null | Record<string, unknown>;
    const outcome = result && 'outcome' in result ? (result as DeliveryResult) : null;
    if (!outcome) return { kind: 'ended', ending: 'completed' };
    return { kind: 'ended', ending: outcome.outcome === 'dropped' ? `dropped: ${outcome.reason}` : outcome.outcome };
  }
}

/**
 * Executions of each delivery workflow id (continued-as-new runs are one execution going on), from visibility. It is
 * written asynchronously, so it is read again for a few seconds while it disagrees with one execution per event.
 */
async function executionsById(client: Client, events: readonly AcceptedEvent[]): Promise<Map<string, number>> {
  for (let attempt = 1; ; attempt++) {
    const counts = new Map<string, number>();
    for await (const execution of client.workflow.list({ query: `WorkflowType = '${WORKFLOW_TYPES.deliverEvent}'` })) {
      if (execution.status.name === 'CONTINUED_AS_NEW') continue;
      counts.set(execution.workflowId, (counts.get(execution.workflowId) ?? 0) + 1);
    }
    if (attempt === 10 || events.every((e) => counts.get(e.workflowId) === 1)) return counts;
    await sleep(1_000);
  }
}
