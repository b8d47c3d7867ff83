import { z } from 'zod';

/**
 * The Segment HTTP tracking API's event shapes, as Datafly-, Segment- and RudderStack-style clients send them.
 * Unknown fields are kept (passthrough): they are the sender's data and may matter to a mapping later.
 */
const isoTimestamp = z.iso.datetime({ offset: true, local: false });
const jsonObject = z.record(z.string(), z.unknown());
const requiredString = (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : 'must be a string');
/** Ids arrive as strings or numbers and are kept as strings; 500 characters is far beyond any real id. */
const id = z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(500));

/** Workflow ids embed the messageId, and Temporal measures ids in UTF-8 bytes. */
export const MAX_MESSAGE_ID_BYTES = 200;

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
  messageId: z
    .string()
    .min(1)
    .refine((value) => Buffer.byteLength(value) <= MAX_MESSAGE_ID_BYTES, `must be at most ${MAX_MESSAGE_ID_BYTES} bytes`)
    .optional(),
  userId: id.optional(),
  anonymousId: id.optional(),
  timestamp: isoTimestamp.optional(),
  originalTimestamp: isoTimestamp.optional(),
  sentAt: isoTimestamp.optional(),
  context,
  /** Which destinations get the event: `{"All": false, "Xtremepush": true}`. */
  integrations: jsonObject.optional(),
};

const track = z.looseObject({
  ...common,
  type: z.literal('track'),
  event: z.string({ error: requiredString }).trim().min(1, 'must not be empty'),
  properties: jsonObject.optional(),
});

const identify = z.looseObject({ ...common, type: z.literal('identify'), traits: jsonObject.optional() });

const viewFields = { name: z.string().optional(), category: z.string().optional(), properties: jsonObject.optional() };
const page = z.looseObject({ ...common, type: z.literal('page'), ...viewFields });
/** A mobile app's page view. */
const screen = z.looseObject({ ...common, type: z.literal('screen'), ...viewFields });

/** Associates the user with a group (a company, an account); its traits describe the group. */
const group = z.looseObject({
  ...common,
  type: z.literal('group'),
  groupId: z.union([z.string(), z.number()], { error: requiredString }).transform(String).pipe(z.string().min(1).max(500)),
  traits: jsonObject.optional(),
});

/** Segment alias: `previousId` (an anonymousId or an older user id) becomes `userId`. */
const alias = z.looseObject({
  ...common,
  type: z.literal('alias'),
  previousId: z.union([z.string(), z.number()], { error: requiredString }).transform(String).pipe(z.string().min(1).max(500)),
});

export const KNOWN_EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

/**
 * A call type this service does not know yet (Segment adds them over time): accepted, so it never costs the events
 * beside it, and ended with a drop reason of its own.
 */
const unsupported = z.looseObject({
  ...common,
  type: z
    .string({ error: requiredString })
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .refine((type) => !(KNOWN_EVENT_TYPES as readonly string[]).includes(type))
    .brand<'UnsupportedType'>(),
});

const requireSomeId = (e: { userId?: string; anonymousId?: string }) => e.userId !== undefined || e.anonymousId !== undefined;
const someIdIssue = { message: 'userId or anonymousId is required', path: ['userId'] };

const knownEventSchema = z
  .discriminatedUnion('type', [track, identify, page, screen, group, alias])
  .refine(requireSomeId, someIdIssue)
  .refine((e) => e.type !== 'alias' || e.userId !== undefined, { message: 'alias needs the userId that previousId becomes', path: ['userId'] });
const unsupportedEventSchema = unsupported.refine(requireSomeId, someIdIssue);

export type KnownEvent = z.infer<typeof knownEventSchema>;
export type UnsupportedEvent = z.infer<typeof unsupportedEventSchema>;
export type SegmentEvent = KnownEvent | UnsupportedEvent;
export type EventType = KnownEventType;

/** What ingest adds to an event: the messageId and times that make it durable and dated. */
export interface Acceptance {
  messageId: string;
  /** When this service received it. */
  receivedAt: string;
  /**
   * When it happened, as trusted for every "newest wins" decision and the hit's timestamp: the client's time
   * corrected for its clock skew, and never more than a few minutes past `receivedAt` (events/time.ts).
   */
  at: string;
}

/** An event as accepted by ingest. */
export type AcceptedEvent = SegmentEvent & Acceptance;
/** An accepted event of a call type this service handles. */
export type KnownAcceptedEvent = KnownEvent & Acceptance;

export function isKnownEvent(event: AcceptedEvent): event is KnownAcceptedEvent {
  return isKnownEventType(event.type);
}

/** Body of /v1/batch; each item names its own type. Segment limits a batch to 500 KB and 2,500 events. */
export const batchBodySchema = z.looseObject({
  batch: z.array(z.unknown(), { error: 'must be an array of events' }).min(1, 'batch must hold at least one event').max(2500),
  context: jsonObject.optional(),
  /** Clients such as analytics-node date the whole request once. */
  sentAt: isoTimestamp.optional(),
});

export function isKnownEventType(type: unknown): type is KnownEventType {
  return typeof type === 'string' && (KNOWN_EVENT_TYPES as readonly string[]).includes(type);
}

/**
 * The per-type endpoints (/v1/track, ...) imply the type, so the body may omit it. A known type selects its schema;
 * anything else is parsed as an unsupported call type, so its own problems (not the union's) are reported.
 */
export function parseEvent(type: EventType | undefined, body: unknown): z.ZodSafeParseResult<SegmentEvent> {
  const withType = type && body && typeof body === 'object' && !Array.isArray(body) ? { ...body, type } : body;
  const declared = (withType as { type?: unknown } | null)?.type;
  return isKnownEventType(declared) ? knownEventSchema.safeParse(withType) : unsupportedEventSchema.safeParse(withType);
}
