import { mapLimit } from '../../scripts/benchmark/support';
import { MARKETING_GRANTED, WRITE_KEY } from '../harness';
import { sampleMessageEvent } from '../../cli/commands/webhook';
import { expectedEvent, workflowIdOf, type AcceptedEvent } from './load';
import { WEBHOOK_CONNECTION } from './stack';

/**
 * Hostile and odd requests to the ingest API and the webhook receiver. Hostile ones must be refused with a 4xx and
 * nothing started; odd but valid ones (names of Object.prototype, the longest ids allowed, the write key in the body)
 * must be accepted and end as any event does. A 5xx, or no answer at all, is a crash.
 */
type Expectation =
  /** A hostile request; the delivery workflow of the messageId it names, if any, must not exist. */
  | { answer: 'refused'; messageId: string | null }
  | { answer: 'accepted'; event: AcceptedEvent }
  /** A valid webhook: recorded by a workflow that must complete. */
  | { answer: 'recorded' };

export interface BarrageRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  expect: Expectation;
}

export interface BarrageReport {
  requests: number;
  /** Requests carrying one valid (or odd but valid) event each, which must be accepted. */
  validSent: number;
  /** Answers to the hostile requests, by HTTP status (`no answer` when there was none). */
  refusedByAnswer: Record<string, number>;
  /** Odd but valid events accepted, for the end check. */
  accepted: AcceptedEvent[];
  /** Workflow ids of the valid webhooks recorded, for the end check. */
  recordings: string[];
  /** Delivery workflow ids of refused events that named their messageId: none of them may exist. */
  refusedWorkflowIds: string[];
  /** Every kind of request with its answers, e.g. `NUL in userId` -> `{"400": 129}`. */
  byKind: Record<string, Record<string, number>>;
  /** Requests answered otherwise than expected, one line per kind with its count. */
  unexpected: string[];
  /** 5xx answers and requests without an answer. */
  crashes: number;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const WRITE_KEY_AUTH = { ...JSON_TYPE, authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` };
const WEBHOOK_AUTH = { ...JSON_TYPE, authorization: `Bearer ${WEBHOOK_CONNECTION.auth.token}` };
const MESSAGE_EVENTS = `/webhooks/xtremepush/${WEBHOOK_CONNECTION.name}`;
const CHANNEL = `${MESSAGE_EVENTS}/channel`;

const LONE_SURROGATE = '"\\ud800"';

/** 500 CJK characters (1,500 bytes), different for each request: the longest id the API takes. */
const cjk = (seed: number) => Array.from({ length: 500 }, (_, k) => String.fromCodePoint(0x4e00 + ((seed * 31 + k) % 0x5000))).join('');

const track = (name: string, extra: Record<string, unknown> = {}) => ({
  messageId: `m-${name}`,
  userId: `u-${name}`,
  event: 'Product Viewed',
  context: MARKETING_GRANTED,
  ...extra,
});

/**
 * The heavy bodies, built once: building them for every round would hold this process (and the simulator in it)
 * for seconds, and Xtremepush's answers would time out for reasons of the test's own.
 */
const HUGE = 'x'.repeat(600 * 1024);
/** JSON nested 20,000 levels deep: parsers and walkers that recurse run out of stack on it. */
const DEEP_OBJECT = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
const HEAVY = {
  hugeTrack: JSON.stringify({ userId: 'u-huge', event: 'Product Viewed', properties: { blob: HUGE } }),
  hugeChannel: JSON.stringify({ blob: HUGE }),
  bigEvent: JSON.stringify({ batch: [{ type: 'track', userId: 'u-big', event: 'Product Viewed', properties: { blob: 'x'.repeat(40_000) } }] }),
  manyEvents: JSON.stringify({ batch: Array.from({ length: 2_501 }, (_, i) => ({ type: 'track', userId: `u-many-${i}`, event: 'Product Viewed' })) }),
  deepTrack: `{"userId":"u-deep","event":"Product Viewed","properties":${DEEP_OBJECT}}`,
  deepBatch: `{"batch":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
  deepChannel: DEEP_OBJECT,
};

const refused = (kind: string, path: string, body: string | Buffer, headers: Record<string, string> = WRITE_KEY_AUTH): BarrageRequest => ({
  kind,
  path,
  headers,
  body,
  expect: { answer: 'refused', messageId: messageIdOf(body) },
});

/** An odd but valid track, answered 200: delivered if its event is mapped, else dropped. */
function accepted(kind: string, body: ReturnType<typeof track>, headers: Record<string, string> = WRITE_KEY_AUTH): BarrageRequest {
  const event = expectedEvent(body.messageId, String(body.userId), body.event === 'Product Viewed' ? 'delivered' : 'dropped');
  return { kind, path: '/v1/track', headers, body: JSON.stringify(body), expect: { answer: 'accepted', event } };
}

/** One round of every case; `n` makes its ids unique. */
function round(prefix: string, n: number): BarrageRequest[] {
  const name = (kind: string) => `${prefix}-${kind}-${n}`;
  return [
    // Malformed and mistyped bodies.
    refused('malformed JSON', '/v1/track', '{"userId": "u", "event": '),
    refused('malformed JSON', '/v1/batch', '{"batch": [{"type": "track",]}'),
    refused('empty body', '/v1/track', ''),
    refused('wrong types', '/v1/track', JSON.stringify({ userId: { id: 1 }, event: 42 })),
    refused('wrong types', '/v1/track', JSON.stringify(track(name('types-props'), { properties: 'not an object' }))),
    refused('wrong types', '/v1/batch', JSON.stringify({ batch: 'not an array' })),
    refused('wrong types', '/v1/identify', JSON.stringify([track(name('array-body'))])),
    refused('wrong types', '/v1/track', 'null'),
    refused('wrong types', '/v1/track', JSON.stringify(track(name('types-time'), { timestamp: 'yesterday' }))),
    refused('wrong content type', '/v1/track', '<track/>', { ...WRITE_KEY_AUTH, 'content-type': 'application/xml' }),
    refused('unknown route', '/v1/nothing-here', JSON.stringify(track(name('route')))),
    // Huge and deep bodies.
    refused('huge body', '/v1/track', HEAVY.hugeTrack),
    refused('event over 32 KB', '/v1/batch', HEAVY.bigEvent),
    refused('batch over 2,500 events', '/v1/batch', HEAVY.manyEvents),
    refused('deep body', '/v1/track', HEAVY.deepTrack),
    refused('deep body', '/v1/batch', HEAVY.deepBatch),
    // Prototype keys, NUL, lone surrogates, invalid UTF-8.
    refused('__proto__ key', '/v1/track', `{"userId":"u-${name('proto')}","event":"Product Viewed","__proto__":{"polluted":true}}`),
    refused('__proto__ key', '/v1/identify', `{"userId":"u-${name('proto-traits')}","traits":{"__proto__":{"isAdmin":true}}}`),
    refused('NUL in userId', '/v1/track', JSON.stringify(track(name('nul'), { userId: `u-${name('nul')}\u0000admin` }))),
    refused('NUL in traits', '/v1/identify', JSON.stringify({ userId: `u-${name('nul-traits')}`, traits: { email: 'a\u0000@example.com' } })),
    refused('lone surrogate in traits', '/v1/identify', `{"userId":"u-${name('surrogate')}","traits":{"firstName":${LONE_SURROGATE}}}`),
    refused('lone surrogate in messageId', '/v1/track', `{"messageId":${LONE_SURROGATE},"userId":"u-${name('surrogate-id')}","event":"Product Viewed"}`),
    refused(
      'invalid UTF-8',
      '/v1/track',
      Buffer.concat([
        Buffer.from(`{"userId":"u-${name('utf8')}","event":"Product Viewed","properties":{"note":"`),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from('"}}'),
      ]),
    ),
    // Long and odd ids.
    refused('userId over 500 characters', '/v1/track', JSON.stringify(track(name('long-user'), { userId: 'u'.repeat(501) }))),
    refused('messageId over 200 bytes', '/v1/track', JSON.stringify(track(name('long-message'), { messageId: `${'\u4e00'.repeat(67)}-${n}` }))),
    // Wrong credentials.
    refused('wrong write key', '/v1/track', JSON.stringify(track(name('key'))), {
      ...JSON_TYPE,
      authorization: `Basic ${Buffer.from('wrong-write-key:').toString('base64')}`,
    }),
    refused('no credentials', '/v1/track', JSON.stringify(track(name('no-key'))), JSON_TYPE),
    refused('malformed credentials', '/v1/track', JSON.stringify(track(name('bad-basic'))), { ...JSON_TYPE, authorization: 'Basic %%%not-base64' }),
    refused('wrong writeKey in the body', '/v1/track', JSON.stringify(track(name('body-key'), { writeKey: 'wrong-write-key' })), JSON_TYPE),
    // The same on the webhook receiver.
    refused(
      'webhook: NUL in error_message',
      MESSAGE_EVENTS,
      JSON.stringify(withProperties(sampleMessageEvent('message_failure', `u-${name('wh-nul')}`), { error_message: 'bounced\u0000' })),
      WEBHOOK_AUTH,
    ),
    refused('webhook: lone surrogate in /channel body', CHANNEL, `{"campaign":${LONE_SURROGATE}}`, WEBHOOK_AUTH),
    refused(
      'webhook: invalid UTF-8',
      CHANNEL,
      Buffer.concat([Buffer.from(`{"campaign":"${name('wh-utf8')}","note":"`), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]),
      WEBHOOK_AUTH,
    ),
    refused('webhook: malformed JSON', MESSAGE_EVENTS, '{"event": "message_send", ', WEBHOOK_AUTH),
    refused(
      'webhook: time in milliseconds',
      MESSAGE_EVENTS,
      JSON.stringify({ ...sampleMessageEvent('message_send', `u-${name('wh-ms')}`), time: Date.now() }),
      WEBHOOK_AUTH,
    ),
    refused('webhook: deep body', CHANNEL, HEAVY.deepChannel, WEBHOOK_AUTH),
    refused('webhook: __proto__ key', CHANNEL, '{"__proto__":{"polluted":true}}', WEBHOOK_AUTH),
    refused('webhook: huge body', CHANNEL, HEAVY.hugeChannel, WEBHOOK_AUTH),
    refused('webhook: wrong credentials', MESSAGE_EVENTS, JSON.stringify(sampleMessageEvent('message_send', `u-${name('wh-auth')}`)), {
      ...JSON_TYPE,
      authorization: 'Bearer wrong-token-0000000000',
    }),
    refused(
      'webhook: unknown connection',
      '/webhooks/xtremepush/nobody',
      JSON.stringify(sampleMessageEvent('message_send', `u-${name('wh-conn')}`)),
      WEBHOOK_AUTH,
    ),
    // Odd but valid: accepted, and they end as any event does.
    accepted('event name __proto__', track(name('ev-proto'), { event: '__proto__' })),
    accepted('event name constructor', track(name('ev-ctor'), { event: 'constructor' })),
    accepted('event name toString', track(name('ev-tostring'), { event: 'toString' })),
    accepted('constructor.prototype in properties', track(name('ctor-props'), { properties: { constructor: { prototype: { polluted: true } } } })),
    accepted('anonymousId of 500 CJK characters', track(name('cjk'), { anonymousId: cjk(n) })),
    accepted('userId of 500 characters', track(name('500'), { userId: `u-${name('500')}-`.padEnd(500, 'z') })),
    accepted('odd messageId', track(name('odd-id'), { messageId: `m-${name('odd-id')} ../%2e%2e/?#&= \u202e ünï 🚀` })),
    accepted('numeric userId', track(name('numeric'), { userId: 9_000_000_000 + n })),
    accepted('writeKey in the body', track(name('body-key-ok'), { writeKey: WRITE_KEY }), JSON_TYPE),
    // Valid traffic mixed in.
    accepted('valid track', track(name('valid'))),
    accepted('valid track', track(name('valid-plain'), { properties: { note: 'plain' } })),
    {
      kind: 'webhook: valid message event',
      path: MESSAGE_EVENTS,
      headers: WEBHOOK_AUTH,
      body: JSON.stringify(sampleMessageEvent('message_send', `u-${name('wh-ok')}`)),
      expect: { answer: 'recorded' },
    },
    {
      kind: 'webhook: valid channel call',
      path: CHANNEL,
      headers: WEBHOOK_AUTH,
      body: JSON.stringify({ campaign: name('channel-ok') }),
      expect: { answer: 'recorded' },
    },
  ];
}

function withProperties(event: ReturnType<typeof sampleMessageEvent>, properties: Record<string, unknown>) {
  return { ...event, properties: { ...event.properties, ...properties } };
}

/**
 * At least `hostile` hostile requests, with the valid ones of their rounds mixed in: whole rounds of every case,
 * shuffled so that no kind arrives in a burst.
 */
export function planBarrage(prefix: string, hostile: number): BarrageRequest[] {
  const requests: BarrageRequest[] = [];
  for (let n = 0; requests.filter((r) => r.expect.answer === 'refused').length < hostile; n++) requests.push(...round(prefix, n));
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [requests[i], requests[j]] = [requests[j]!, requests[i]!];
  }
  return requests;
}

/** The parts of the API's answers the barrage reads: deliveries and rejections (ingest), the recording (webhooks). */
interface Answer {
  deliveries?: Array<{ workflowId: string }>;
  rejected?: unknown[];
  workflowId?: string;
}

export async function runBarrage(apiUrl: string, requests: readonly BarrageRequest[]): Promise<BarrageReport> {
  const report: BarrageReport = {
    requests: requests.length,
    validSent: requests.filter((r) => r.expect.answer === 'accepted').length,
    refusedByAnswer: {},
    accepted: [],
    recordings: [],
    refusedWorkflowIds: [],
    byKind: {},
    unexpected: [],
    crashes: 0,
  };
  const unexpected = new Map<string, number>();
  await mapLimit(requests, 16, async (request) => {
    const res = await fetch(`${apiUrl}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(30_000),
    }).catch(() => null);
    const status = res?.status ?? null;
    const body = (res ? await res.json().catch(() => null) : null) as Answer | null;
    if (status === null || status >= 500) report.crashes += 1;
    let answer = String(status ?? 'no answer');
    let asExpected: boolean;
    switch (request.expect.answer) {
      case 'refused': {
        // Segment's batch rule: a valid batch body is answered 200 naming each invalid event, and accepts the others.
        const everyEventRejected = status === 200 && body?.deliveries?.length === 0 && (body.rejected?.length ?? 0) > 0;
        answer = everyEventRejected ? '200, every event rejected' : answer;
        report.refusedByAnswer[answer] = (report.refusedByAnswer[answer] ?? 0) + 1;
        asExpected = everyEventRejected || (status !== null && status >= 400 && status < 500);
        if (asExpected && request.expect.messageId) report.refusedWorkflowIds.push(workflowIdOf(request.expect.messageId));
        break;
      }
      case 'accepted': {
        const { event } = request.expect;
        asExpected = status === 200 && (body?.deliveries ?? []).some((d) => d.workflowId === event.workflowId);
        if (asExpected) report.accepted.push(event);
        break;
      }
      case 'recorded': {
        const workflowId = status === 200 ? body?.workflowId : undefined;
        asExpected = workflowId !== undefined;
        if (workflowId !== undefined) report.recordings.push(workflowId);
      }
    }
    const kind = (report.byKind[request.kind] ??= {});
    kind[answer] = (kind[answer] ?? 0) + 1;
    if (!asExpected) {
      const line = `${request.kind} (${request.expect.answer === 'refused' ? 'expected 4xx' : 'expected 200'}) answered ${status ?? 'nothing'}`;
      unexpected.set(line, (unexpected.get(line) ?? 0) + 1);
    }
  });
  report.unexpected = [...unexpected].map(([line, times]) => `${line} × ${times}`);
  return report;
}

/** The messageId a single event names, when it is one a workflow id could hold (the heavy bodies name none). */
function messageIdOf(body: string | Buffer): string | null {
  if (typeof body !== 'string' || body.length > 64 * 1024) return null;
  try {
    const { messageId } = JSON.parse(body) as { messageId?: unknown };
    return typeof messageId === 'string' && messageId.isWellFormed() && Buffer.byteLength(messageId) <= 200 ? messageId : null;
  } catch {
    return null;
  }
}
