/**
 * Request validation for the External API methods, with error texts that name the offending field
 * (for a batch: its index, e.g. "events[3].user_id is required").
 */
import { z } from 'zod';
import type { AcceptedEvent } from './state';
import { describeIssues, fieldPath } from '../errors/issues';

export const MAX_BATCH_EVENTS = 1000;

/** "YYYY-MM-DD HH:MM:SS", read as UTC, optionally followed by an offset like " +00:00". */
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: [+-](\d{2}):?(\d{2}))?$/;

export function isValidTimestamp(value: string): boolean {
  const m = TIMESTAMP_RE.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const sameDate = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 14 && Number(m[8]) < 60);
  return sameDate && hour < 24 && minute < 60 && second < 60 && offsetOk;
}

const required = (what: string) => (iss: { input: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`);

const nonEmptyString = z.string({ error: required('a string') }).min(1, { error: 'must not be empty' });

const plainObject = (what: string) => z.record(z.string(), z.unknown(), { error: required(what) });

const consentPreferences = z.record(
  z.string(),
  z.record(z.string(), z.literal([0, 1], { error: 'must be 0 (opt-out) or 1 (opt-in)' }), {
    error: 'must be an object of consent groups',
  }),
  { error: 'must be an object of channels' },
);

export const eventSchema = z.object(
  {
    user_id: nonEmptyString,
    event: nonEmptyString,
    value: z
      .union([z.string(), z.number(), z.record(z.string(), z.unknown())], {
        error: 'must be a string, a number or an object',
      })
      .optional(),
    user_attributes: plainObject('an object').optional(),
    timestamp: z
      .string({ error: 'must be a string "YYYY-MM-DD HH:MM:SS"' })
      .refine(isValidTimestamp, {
        error: 'must be "YYYY-MM-DD HH:MM:SS", optionally followed by an offset like " +00:00"',
      })
      .optional(),
    consent_preferences: consentPreferences.optional(),
  },
  { error: 'must be an object' },
);

const eventsArray = z
  .array(z.unknown(), { error: required('an array of events') })
  .min(1, { error: 'must contain at least 1 event' })
  .max(MAX_BATCH_EVENTS, { error: `must contain at most ${MAX_BATCH_EVENTS} events` });

const condition = z
  .array(z.tuple([z.string(), z.string(), z.unknown()], { error: 'must be [field, operator, value]' }), {
    error: required('an array of [field, operator, value] conditions'),
  })
  .min(1, { error: 'must contain at least one condition' });

const campaignId = z.union([z.string().min(1), z.number()], { error: required('a string or a number') });

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Xtremepush's wording: `events[3].user_id is required`. */
function issuesOf(error: z.ZodError, prefix: readonly PropertyKey[] = []): string[] {
  return describeIssues(error, { prefix: fieldPath(prefix), root: 'body', separator: ' ' });
}

function toAccepted(e: z.infer<typeof eventSchema>): AcceptedEvent {
  const out: AcceptedEvent = { user_id: e.user_id, event: e.event };
  if (e.timestamp !== undefined) out.timestamp = e.timestamp;
  if (e.value !== undefined) out.value = e.value;
  if (e.user_attributes !== undefined) out.user_attributes = e.user_attributes;
  if (e.consent_preferences !== undefined) out.consent_preferences = e.consent_preferences;
  return out;
}

/** `hit/event`: one event at the top level of the body. */
export function validateEvent(body: Record<string, unknown>): ValidationResult<AcceptedEvent> {
  const parsed = eventSchema.safeParse(body);
  return parsed.success ? { ok: true, value: toAccepted(parsed.data) } : { ok: false, errors: issuesOf(parsed.error) };
}

/** `hit/events`: every event is checked; any invalid event fails the whole batch. */
export function validateBatch(body: Record<string, unknown>): ValidationResult<AcceptedEvent[]> {
  const list = eventsArray.safeParse(body.events);
  if (!list.success) return { ok: false, errors: issuesOf(list.error, ['events']) };
  const accepted: AcceptedEvent[] = [];
  const errors: string[] = [];
  list.data.forEach((item, index) => {
    const parsed = eventSchema.safeParse(item);
    if (parsed.success) accepted.push(toAccepted(parsed.data));
    else errors.push(...issuesOf(parsed.error, ['events', index]));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: accepted };
}

/** `list/*` methods: `condition: [["user_id", "=", "..."]]`. */
export function validateUserCondition(body: Record<string, unknown>): ValidationResult<string> {
  const parsed = condition.safeParse(body.condition);
  if (!parsed.success) return { ok: false, errors: issuesOf(parsed.error, ['condition']) };
  const match = parsed.data.find(([field, op]) => field === 'user_id' && op === '=');
  if (!match || typeof match[2] !== 'string' || match[2] === '') {
    return { ok: false, errors: ['condition must contain ["user_id", "=", "<user id>"]'] };
  }
  return { ok: true, value: match[2] };
}

/** `info/campaign`: `id`. */
export function validateCampaignId(body: Record<string, unknown>): ValidationResult<string | number> {
  const parsed = campaignId.safeParse(body.id);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: issuesOf(parsed.error, ['id']) };
}
