import { randomUUID } from 'node:crypto';
import { describeIssues, parseEvent, type AcceptedEvent, type EventType } from '../events/schema';

/** An event failed validation; `problems` name each offending field, e.g. `batch[2].event: is required`. */
export class InvalidEventError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid event: ${problems.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}

/**
 * Validates events and gives each the messageId (generated when absent) and receivedAt that make it a durable,
 * deduplicated delivery. All or nothing: one invalid event rejects the whole request, so a 2xx always means every
 * event was taken.
 */
export function acceptEvents(items: Array<{ type?: EventType; body: unknown; path: string }>, now = new Date()): AcceptedEvent[] {
  const problems: string[] = [];
  const accepted: AcceptedEvent[] = [];
  for (const item of items) {
    const parsed = parseEvent(item.type, item.body);
    if (!parsed.success) {
      problems.push(...describeIssues(parsed.error, item.path));
      continue;
    }
    accepted.push({ ...parsed.data, messageId: parsed.data.messageId ?? randomUUID(), receivedAt: now.toISOString() });
  }
  if (problems.length > 0) throw new InvalidEventError(problems);
  return accepted;
}
