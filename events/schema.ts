import { z } from 'zod';

/**
 * The Segment HTTP tracking API's event shapes, as Datafly-, Segment- and RudderStack-style clients send them.
 * Unknown fields are kept (passthrough): they are the sender's data and may matter to a mapping later.
 */
const isoTimestamp = z.iso.datetime({ offset: true, local: false });
const jsonObject = z.record(z.string(), z.unknown());
const requiredString = (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string');

const context = z
  .looseObject({
    traits: jsonObject.optional(),
    consent: z.looseObject({ categoryPreferences: z.record(z.string(), z.boolean()).optional() }).optional(),
    consentManagement: z
      .looseObject({
        allowedConsentIds: z.array(z.string()).optional(),
        deniedConsentIds: z.array(z.string()).optional(),
      })
      .optional(),
  })
  .optional();

const common = {
  messageId: z.string().min(1).max(200).optional(),
  userId: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(500)).optional(),
  anonymousId: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(500)).optional(),
  timestamp: isoTimestamp.optional(),
  originalTimestamp: isoTimestamp.optional(),
  sentAt: isoTimestamp.optional(),
  context,
  integrations: jsonObject.optional(),
};

const track = z.looseObject({
  ...common,
  type: z.literal('track'),
  event: z.string({ error: requiredString }).trim().min(1, 'must not be empty'),
  properties: jsonObject.optional(),
});

const identify = z.looseObject({
  ...common,
  type: z.literal('identify'),
  traits: jsonObject.optional(),
});

const page = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: z.string().optional(),
  category: z.string().optional(),
  properties: jsonObject.optional(),
});

/** Segment alias: `previousId` (an anonymousId or an older user id) becomes `userId`. */
const alias = z.looseObject({
  ...common,
  type: z.literal('alias'),
  previousId: z.union([z.string(), z.number()], { error: requiredString }).transform(String).pipe(z.string().min(1).max(500)),
});

const requireSomeId = (e: { userId?: string; anonymousId?: string }) => e.userId !== undefined || e.anonymousId !== undefined;
const someIdIssue = { message: 'userId or anonymousId is required', path: ['userId'] };

export const segmentEventSchema = z
  .discriminatedUnion('type', [track, identify, page, alias])
  .refine(requireSomeId, someIdIssue)
  .refine((e) => e.type !== 'alias' || e.userId !== undefined, { message: 'alias needs the userId that previousId becomes', path: ['userId'] });

export type EventType = SegmentEvent['type'];
export type SegmentEvent = z.infer<typeof segmentEventSchema>;

/** An event as accepted by ingest: validated, with the messageId and receivedAt that make it durable and dated. */
export type AcceptedEvent = SegmentEvent & { messageId: string; receivedAt: string };

/** Body of /v1/batch; each item names its own type. Segment limits a batch to 500 KB, not to a count. */
export const batchBodySchema = z.looseObject({
  batch: z.array(z.unknown()).min(1, 'batch must hold at least one event').max(2500),
  context: jsonObject.optional(),
});

/** The per-type endpoints (/v1/track, ...) imply the type, so the body may omit it. */
export function parseEvent(type: EventType | undefined, body: unknown) {
  const withType = type && body && typeof body === 'object' && !Array.isArray(body) ? { ...body, type } : body;
  return segmentEventSchema.safeParse(withType);
}

/** Names the offending fields of a zod error in one line, e.g. `event: event name is required; userId: ...`. */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))]
      .join('')
      .replace(/^\./, '');
    return `${path || '(body)'}: ${issue.message}`;
  });
}
