/**
 * When an event happened, as far as a client's clock can be trusted. Devices run fast or slow, and a client could
 * date an event in 2099 to win every "newest wins" decision, so:
 * - Segment's clock-skew correction: with `sentAt` (the client's clock when it sent the request) the event's own time
 *   is moved by the difference between the client's clock and ours: `receivedAt - (sentAt - timestamp)`, with
 *   `originalTimestamp` standing in for a missing `timestamp`;
 * - an event that still lies more than FUTURE_TOLERANCE_MS after its receipt is treated as received now, and none is
 *   dated before 1970 (a correction can overshoot; stores and Xtremepush's timestamp format need a real date).
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface ClientTimes {
  timestamp?: string;
  originalTimestamp?: string;
  sentAt?: string;
}

export function trustedEventTime(event: ClientTimes, receivedAt: Date, batchSentAt?: string): string {
  const received = receivedAt.getTime();
  const device = event.timestamp ?? event.originalTimestamp;
  const sentAt = event.sentAt ?? batchSentAt;
  let at = device === undefined ? received : Date.parse(device);
  if (device !== undefined && sentAt !== undefined) at = received - (Date.parse(sentAt) - Date.parse(device));
  if (!Number.isFinite(at) || at > received + FUTURE_TOLERANCE_MS) at = received;
  at = Math.max(at, 0);
  return new Date(at).toISOString();
}
