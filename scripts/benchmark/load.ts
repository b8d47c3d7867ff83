/**
 * Load through our ingest API with autocannon, and the wait for every accepted event to reach the simulator.
 * Each event is unique (its own messageId and userId), consented, and mapped (`Order Completed` -> purchase), so
 * every accepted event must end as exactly one hit; the hit's `receivedAt` is when it was delivered.
 */
import type { Simulator } from '../../simulator';
import { runAutocannon, type AutocannonInstance, type AutocannonRequest } from './autocannon';
import { abortable, percentiles, sleep, type Log, type Percentiles } from './support';

/** What was sent and what the API accepted, per event id (the id is both messageId and userId). */
export class EventLedger {
  readonly sentAt = new Map<string, number>();
  readonly accepted = new Set<string>();
  readonly statusCounts: Record<string, number> = {};
  firstSentAt = Number.POSITIVE_INFINITY;
  lastAcceptedAt = 0;
  requests = 0;
  private next = 0;

  constructor(
    readonly prefix: string,
    readonly batch: number,
    /** Events in all (closed loop); unbounded when absent (open loop runs for a duration). */
    readonly limit?: number,
  ) {}

  /** Ids of the next request's events, stamped as sent now. */
  take(): string[] {
    const count = this.limit === undefined ? this.batch : Math.max(1, Math.min(this.batch, this.limit - this.next));
    const now = Date.now();
    const ids = Array.from({ length: count }, () => `${this.prefix}${this.next++}`);
    for (const id of ids) this.sentAt.set(id, now);
    this.firstSentAt = Math.min(this.firstSentAt, now);
    this.requests += 1;
    return ids;
  }

  answered(status: number, ids: readonly string[]): void {
    this.statusCounts[status] = (this.statusCounts[status] ?? 0) + 1;
    if (status !== 200) return;
    for (const id of ids) this.accepted.add(id);
    this.lastAcceptedAt = Date.now();
  }

  get rejectedRequests(): number {
    return Object.entries(this.statusCounts).reduce((sum, [status, count]) => (status === '200' ? sum : sum + count), 0);
  }
}

function trackEvent(id: string, n: number) {
  return {
    messageId: id,
    userId: id,
    event: 'Order Completed',
    properties: { order_id: `order-${id}`, revenue: 10 + (n % 90), currency: 'EUR' },
    timestamp: new Date().toISOString(),
    context: { consent: { categoryPreferences: { marketing: true } } },
  };
}

/**
 * One autocannon request whose body is built per send: `setupRequest` runs right before each request is written,
 * so the time stamped there is the send time; `onResponse` runs before that connection's next setupRequest, so the
 * ids kept in the connection's context are the answered request's.
 */
function ingestRequest(ledger: EventLedger, writeKey: string): AutocannonRequest {
  const authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const single = ledger.batch === 1;
  return {
    method: 'POST',
    path: single ? '/v1/track' : '/v1/batch',
    setupRequest(request, context) {
      const ids = ledger.take();
      context.ids = ids;
      const events = ids.map((id, i) => trackEvent(id, i));
      const body = single ? events[0] : { batch: events.map((event) => ({ type: 'track', ...event })) };
      return { ...request, headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) };
    },
    onResponse(status, _body, context) {
      ledger.answered(status, (context.ids as string[] | undefined) ?? []);
    },
  };
}

/**
 * Polls the simulator until every accepted event has its hit. Returns each event's first hit time. Fails, naming
 * how many arrived and one that did not, when the deadline passes.
 */
export async function waitForHits(options: {
  simulator: Simulator;
  ledger: EventLedger;
  timeoutMs: number;
  log: Log;
  what: string;
}): Promise<Map<string, number>> {
  const { simulator, ledger } = options;
  const deadline = Date.now() + options.timeoutMs;
  let lastReport = 0;
  for (;;) {
    const arrived = new Map<string, number>();
    for (const hit of simulator.hits()) {
      if (ledger.accepted.has(hit.user_id) && !arrived.has(hit.user_id)) arrived.set(hit.user_id, hit.receivedAt);
    }
    if (arrived.size >= ledger.accepted.size) return arrived;
    if (Date.now() - lastReport >= 5000) {
      lastReport = Date.now();
      options.log(`${options.what}: ${arrived.size}/${ledger.accepted.size} events at the simulator`);
    }
    if (Date.now() > deadline) {
      const missing = [...ledger.accepted].find((id) => !arrived.has(id));
      throw new Error(
        `${options.what}: timed out after ${Math.round(options.timeoutMs / 1000)} s after the last request: ` +
          `${arrived.size} of ${ledger.accepted.size} accepted events reached the simulator (not arrived, e.g. ${missing})`,
      );
    }
    await sleep(200);
  }
}

export interface ClosedLoopResult {
  events: number;
  acceptedEvents: number;
  batch: number;
  connections: number;
  requests: number;
  rejectedRequests: number;
  statusCounts: Record<string, number>;
  /** First request sent -> last request answered. */
  acceptSeconds: number;
  acceptedEventsPerSecond: number;
  /** First request sent -> last hit at the simulator. */
  endToEndSeconds: number;
  deliveredEventsPerSecond: number;
  /**
   * The events not yet at the simulator when the ingest API had accepted the last one, and the rate they then arrived
   * at with nothing more coming in: the engine no longer also starts workflows. Null when none were left.
   */
  backlog: { events: number; seconds: number; eventsPerSecond: number } | null;
  /** Ingest API answer times (autocannon's), ms. */
  ingestLatencyMs: { mean: number; p50: number; p99: number; max: number };
}

/** Saturation: a fixed number of events as fast as `connections` closed-loop connections post them. */
export async function closedLoop(options: {
  apiUrl: string;
  writeKey: string;
  simulator: Simulator;
  prefix: string;
  events: number;
  batch: number;
  connections: number;
  drainTimeoutMs: number;
  log: Log;
  signal?: AbortSignal;
}): Promise<ClosedLoopResult> {
  const ledger = new EventLedger(options.prefix, options.batch, options.events);
  const requests = Math.ceil(options.events / options.batch);
  // autocannon refuses more connections than requests.
  const connections = Math.min(options.connections, requests);
  options.log(`saturation: ${options.events} events in ${requests} requests of ${options.batch}, ${connections} connections`);
  let instance: AutocannonInstance | undefined;
  const stop = () => instance?.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const result = await abortable(
      runAutocannon(
        { url: options.apiUrl, connections, amount: requests, timeout: 60, requests: [ingestRequest(ledger, options.writeKey)] },
        (started) => (instance = started),
      ),
      options.signal,
    );
    const acceptSeconds = (ledger.lastAcceptedAt - ledger.firstSentAt) / 1000;
    options.log(
      `saturation: ${ledger.accepted.size}/${options.events} events accepted in ${acceptSeconds.toFixed(1)} s; answers ${JSON.stringify(ledger.statusCounts)}`,
    );
    if (ledger.accepted.size === 0) throw new Error(`saturation: the ingest API accepted nothing: answers ${JSON.stringify(ledger.statusCounts)}`);
    const arrived = await abortable(
      waitForHits({ simulator: options.simulator, ledger, timeoutMs: options.drainTimeoutMs, log: options.log, what: 'saturation' }),
      options.signal,
    );
    const lastHitAt = Math.max(...arrived.values());
    const endToEndSeconds = (lastHitAt - ledger.firstSentAt) / 1000;
    const backlogEvents = [...arrived.values()].filter((at) => at > ledger.lastAcceptedAt).length;
    const backlogSeconds = (lastHitAt - ledger.lastAcceptedAt) / 1000;
    return {
      events: options.events,
      acceptedEvents: ledger.accepted.size,
      batch: options.batch,
      connections,
      requests: ledger.requests,
      rejectedRequests: ledger.rejectedRequests,
      statusCounts: ledger.statusCounts,
      acceptSeconds,
      acceptedEventsPerSecond: ledger.accepted.size / acceptSeconds,
      endToEndSeconds,
      deliveredEventsPerSecond: ledger.accepted.size / endToEndSeconds,
      backlog: backlogEvents > 0 ? { events: backlogEvents, seconds: backlogSeconds, eventsPerSecond: backlogEvents / backlogSeconds } : null,
      ingestLatencyMs: { mean: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    stop();
  }
}

export interface OpenLoopResult {
  /** Events per request. */
  batch: number;
  targetEventsPerSecond: number;
  requestsPerSecond: number;
  /** Accepted events over the phase's duration. */
  offeredEventsPerSecond: number;
  seconds: number;
  acceptedEvents: number;
  rejectedRequests: number;
  statusCounts: Record<string, number>;
  /** Request sent -> hit at the simulator, per event, ms. */
  latencyMs: Percentiles;
}

/** Staggered autocannon instances: arrivals in bursts of 1/INSTANCES s rather than one burst per second. */
const INSTANCES = 10;

/**
 * Open loop at a fixed rate, for latency without queueing of our own making. autocannon's `overallRate` releases
 * each connection's share at each second boundary (all connections of one instance together), so a single
 * instance would send the whole second's events in one burst; up to INSTANCES instances, started 1/INSTANCES s
 * apart, spread them out. Each connection sends at most one request per second (autocannon gives a connection
 * with a zero share no limit at all, so connections never exceed the rate).
 */
export async function openLoop(options: {
  apiUrl: string;
  writeKey: string;
  simulator: Simulator;
  prefix: string;
  eventsPerSecond: number;
  batch: number;
  seconds: number;
  drainTimeoutMs: number;
  log: Log;
  signal?: AbortSignal;
}): Promise<OpenLoopResult> {
  const ledger = new EventLedger(options.prefix, options.batch);
  const requestsPerSecond = Math.max(1, Math.round(options.eventsPerSecond / options.batch));
  const instances = Math.min(INSTANCES, requestsPerSecond);
  options.log(`open loop: ${requestsPerSecond} requests/s of ${options.batch} events (${requestsPerSecond * options.batch} events/s) for ${options.seconds} s`);
  const running: AutocannonInstance[] = [];
  const stopAll = () => running.forEach((instance) => instance.stop());
  options.signal?.addEventListener('abort', stopAll, { once: true });
  try {
    const started = Date.now();
    const runs = Array.from({ length: instances }, async (_, i) => {
      const rate = Math.floor(requestsPerSecond / instances) + (i < requestsPerSecond % instances ? 1 : 0);
      await sleep((i * 1000) / instances);
      await runAutocannon(
        {
          url: options.apiUrl,
          connections: rate,
          overallRate: rate,
          duration: options.seconds,
          timeout: 60,
          requests: [ingestRequest(ledger, options.writeKey)],
        },
        (instance) => running.push(instance),
      );
    });
    await abortable(Promise.all(runs), options.signal);
    const seconds = (Date.now() - started) / 1000;
    options.log(`open loop: ${ledger.accepted.size} events accepted in ${seconds.toFixed(1)} s; answers ${JSON.stringify(ledger.statusCounts)}`);
    if (ledger.accepted.size === 0) throw new Error(`open loop: the ingest API accepted nothing: answers ${JSON.stringify(ledger.statusCounts)}`);
    const arrived = await abortable(
      waitForHits({ simulator: options.simulator, ledger, timeoutMs: options.drainTimeoutMs, log: options.log, what: 'open loop' }),
      options.signal,
    );
    const latencies = [...arrived].map(([id, at]) => at - ledger.sentAt.get(id)!);
    return {
      batch: options.batch,
      targetEventsPerSecond: options.eventsPerSecond,
      requestsPerSecond,
      offeredEventsPerSecond: ledger.accepted.size / options.seconds,
      seconds: options.seconds,
      acceptedEvents: ledger.accepted.size,
      rejectedRequests: ledger.rejectedRequests,
      statusCounts: ledger.statusCounts,
      latencyMs: percentiles(latencies),
    };
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
    stopAll();
  }
}
