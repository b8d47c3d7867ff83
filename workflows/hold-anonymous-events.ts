import { condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { heldEventDoneSignal, identifiedSignal, registerHeldEventSignal, releaseHeldEventSignal, type HeldEvent, type HoldInput } from './contracts';

const { resolveUserId } = proxyActivities<Activities>({ startToCloseTimeout: '30s', summary: 'look up anonymousId link' });

/** A released delivery that does not report back within this time no longer holds up the ones after it. */
const RELEASE_ACK_TIMEOUT_MS = 2 * 60_000;

/**
 * Serialises everything that happens to one anonymousId: waiting deliveries register here, identifies signal here,
 * and once the user is known the held deliveries are released one at a time, in the order their events happened.
 * Because both sides meet in one workflow, no interleaving of an identify with new anonymous events loses one.
 */
export async function holdAnonymousEvents(input: HoldInput): Promise<{ released: number; userId: string | null }> {
  const pending: HeldEvent[] = [...(input.pending ?? [])];
  const done = new Set<string>();
  let userId = input.userId ?? null;
  let released = 0;

  setHandler(registerHeldEventSignal, (event) => {
    if (!pending.some((p) => p.workflowId === event.workflowId)) pending.push(event);
  });
  setHandler(identifiedSignal, (signal) => {
    userId ??= signal.userId;
  });
  setHandler(heldEventDoneSignal, ({ workflowId }) => void done.add(workflowId));

  // An identify whose signal came before this hold existed has already stored its link: look it up once. The lookup
  // must not overwrite an identify signalled while it ran (the store may have answered before that identify wrote).
  if (userId === null) {
    const stored = await resolveUserId(input.anonymousId);
    userId ??= stored;
  }

  for (;;) {
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof holdAnonymousEvents>({ ...input, pending, userId });
    }
    if (userId === null) {
      const remaining = Math.max(0, ...pending.map((p) => p.deadline)) - Date.now();
      if (remaining <= 0) return { released, userId };
      // Either the identify arrives, or every waiting delivery's window closes (they then drop themselves).
      await condition(() => userId !== null, remaining);
      continue;
    }
    const next = pending.sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
    if (!next) return { released, userId };
    pending.shift();
    try {
      await getExternalWorkflowHandle(next.workflowId).signal(releaseHeldEventSignal, { userId });
    } catch {
      continue; // Its window closed and it ended already.
    }
    released += 1;
    await condition(() => done.has(next.workflowId), RELEASE_ACK_TIMEOUT_MS);
  }
}
