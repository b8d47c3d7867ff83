import { mapLimit, sleep } from '../../scripts/benchmark/support';
import { deliveryWorkflowId } from '../../workflows/contracts';
import { MARKETING_GRANTED, WRITE_KEY } from '../harness';

const INTEGRATION = 'xtremepush';
const AUTHORIZATION = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`;

/** An event the API answered 200 for, with what the end check needs to find it again. */
export interface AcceptedEvent {
  messageId: string;
  /** Unique per event, so the simulator's hits of this user are the hits of this event. */
  userId: string;
  workflowId: string;
  /** What it must end as: a mapped event with consent is delivered; an unmapped one is dropped. */
  expect: 'delivered' | 'dropped';
}

export interface LoadPlan {
  /** Makes messageIds and userIds unique to the run. */
  prefix: string;
  events: number;
  perSecond: number;
  /** Events per request: every fourth request is a single /v1/track, the others /v1/batch calls of this size. */
  batchSize: number;
}

export interface LoadReport {
  /** Events sent (each counted once, however often its request was retried). */
  sent: number;
  accepted: AcceptedEvent[];
  /** Every answer, by HTTP status, and `no answer` for requests that got none (refused, reset, timed out). */
  answers: Record<string, number>;
  /** Events whose request never got a 200 within the retry window, or were missing from its answer. */
  notAccepted: number;
}

export interface RunningLoad {
  /** Events accepted so far: scenarios inject their fault once the load is under way. */
  acceptedSoFar(): number;
  done: Promise<LoadReport>;
}

/** As Segment's clients do: requests that fail without an answer, or with a 5xx or 429, are retried with backoff. */
const RETRY_WINDOW_MS = 180_000;
const REQUEST_TIMEOUT_MS = 20_000;

/**
 * Valid traffic at a steady rate, so a fault lands mid-load: tracks of a mapped event with consent, each with its own
 * messageId (a retried request is deduplicated by it) and its own user.
 */
export function startLoad(apiUrl: string, plan: LoadPlan): RunningLoad {
  const requests = planRequests(plan);
  const answers: Record<string, number> = {};
  const accepted: AcceptedEvent[] = [];
  let notAccepted = 0;
  const count = (answer: string) => void (answers[answer] = (answers[answer] ?? 0) + 1);
  const started = Date.now();

  const send = async (request: PlannedRequest) => {
    await sleep(request.at - (Date.now() - started));
    const deadline = Date.now() + RETRY_WINDOW_MS;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0) await sleep(Math.min(2_000, 100 * 2 ** attempt));
      const res = await fetch(`${apiUrl}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: AUTHORIZATION },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      }).catch(() => null);
      count(res ? String(res.status) : 'no answer');
      if (!res || res.status >= 500 || res.status === 429) continue;
      const body = (await res.json().catch(() => ({}))) as { deliveries?: Array<{ workflowId: string }> };
      const returned = new Set((body.deliveries ?? []).map((d) => d.workflowId));
      for (const event of request.events) {
        if (res.status === 200 && returned.has(event.workflowId)) accepted.push(event);
        else notAccepted += 1;
      }
      return;
    }
    notAccepted += request.events.length;
  };

  return {
    acceptedSoFar: () => accepted.length,
    // Enough lanes that the rate holds while some requests wait for a retry.
    done: mapLimit(requests, 32, send).then(() => ({ sent: plan.events, accepted, answers, notAccepted })),
  };
}

interface PlannedRequest {
  /** Ms after the start. */
  at: number;
  path: string;
  body: unknown;
  events: AcceptedEvent[];
}

function planRequests(plan: LoadPlan): PlannedRequest[] {
  const requests: PlannedRequest[] = [];
  for (let first = 0; first < plan.events;) {
    const size = requests.length % 4 === 0 ? 1 : Math.min(plan.batchSize, plan.events - first);
    const events = Array.from({ length: size }, (_, i) => validEvent(`${plan.prefix}-${first + i}`));
    const bodies = events.map(({ messageId, userId }) => ({
      messageId,
      userId,
      event: 'Product Viewed',
      properties: { sku: messageId },
      context: MARKETING_GRANTED,
    }));
    requests.push({
      at: (first / plan.perSecond) * 1000,
      path: size === 1 ? '/v1/track' : '/v1/batch',
      body: size === 1 ? bodies[0] : { batch: bodies.map((b) => ({ type: 'track', ...b })) },
      events,
    });
    first += size;
  }
  return requests;
}

function validEvent(name: string): AcceptedEvent {
  return expectedEvent(`m-${name}`, `u-${name}`, 'delivered');
}

export function expectedEvent(messageId: string, userId: string, expect: AcceptedEvent['expect']): AcceptedEvent {
  return { messageId, userId, workflowId: workflowIdOf(messageId), expect };
}

/** The delivery workflow an event of this messageId gets (or, refused, must not get). */
export function workflowIdOf(messageId: string): string {
  return deliveryWorkflowId(INTEGRATION, messageId);
}
