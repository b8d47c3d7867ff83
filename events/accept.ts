import { createHash, randomUUID } from 'node:crypto';
import { doorProblems } from './door';
import { parseEvent, type AcceptedEvent, type EventType } from './schema';
import { describeIssues } from '../errors/issues';
import { trustedEventTime } from './time';

export interface IncomingEvent {
  /** Implied by a per-type route; a batch item names its own. */
  type?: EventType;
  body: unknown;
  /** Names the event in problems, e.g. `batch[2]`. */
  path: string;
}

export interface RejectedEvent {
  index: number;
  problems: string[];
}

export interface AcceptedBatch {
  /** The valid events, each with its index in the request. */
  accepted: Array<{ index: number; event: AcceptedEvent }>;
  rejected: RejectedEvent[];
}

export interface AcceptOptions {
  now?: Date;
  /** The request's own `sentAt` (batch level), for clock-skew correction. */
  sentAt?: string;
  /**
   * Mixed into the messageIds of events sent without one (default: random, so a request sent twice is two requests).
   * A request retried after a 503 is given its first attempt's salt again, so it gets the same ids and is delivered
   * once (client/retried-requests.ts).
   */
  idSalt?: string;
}

/**
 * Validates each event on its own: an invalid one is rejected with its problems and never costs the valid ones beside
 * it. Each accepted event gets its messageId (derived when absent), receivedAt and trusted time; a `writeKey` sent in
 * the body is dropped, so it never reaches workflow history.
 */
export function acceptEvents(items: readonly IncomingEvent[], options: AcceptOptions = {}): AcceptedBatch {
  const now = options.now ?? new Date();
  const receivedAt = now.toISOString();
  const salt = options.idSalt ?? randomUUID();
  const digest = requestDigest(items);
  const accepted: AcceptedBatch['accepted'] = [];
  const rejected: RejectedEvent[] = [];
  items.forEach((item, index) => {
    const door = doorProblems(item.body, item.path);
    const parsed = door.length === 0 ? parseEvent(item.type, item.body) : null;
    if (!parsed?.success) {
      rejected.push({ index, problems: parsed ? describeIssues(parsed.error, { prefix: item.path }) : door });
      return;
    }
    const { writeKey: _writeKey, ...event } = parsed.data as typeof parsed.data & { writeKey?: unknown };
    const messageId = event.messageId ?? `sxp-${sha256(`${salt}:${digest}:${index}`).slice(0, 32)}`;
    accepted.push({ index, event: { ...event, messageId, receivedAt, at: trustedEventTime(event, now, options.sentAt) } as AcceptedEvent });
  });
  return { accepted, rejected };
}

/** What identifies a request's content: the same events in the same order. */
export function requestDigest(items: readonly IncomingEvent[]): string {
  const hash = createHash('sha256');
  items.forEach((item, i) => hash.update(`${i}:${serialized(item.body)}\n`));
  return hash.digest('hex');
}

/** An event nested too deep for JSON.stringify is rejected at the door; here it only needs to stay the same. */
function serialized(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch {
    return 'unserializable';
  }
}

/** Events sent without a messageId get one derived from the request: they need a salt that a retry can find again. */
export function needsDerivedIds(items: readonly IncomingEvent[]): boolean {
  return items.some((item) => !(item.body && typeof item.body === 'object' && typeof (item.body as { messageId?: unknown }).messageId === 'string'));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
