import { randomUUID } from 'node:crypto';
import type { FailureClass } from '../workflows/vocabulary';
import type { Classification } from './classify';
import type { XtremepushClient, XtremepushTarget } from './client';
import { checkCredentials, explainRefusal, failureClassOf, type CredentialCheck } from './credentials';
import type { EventHit } from './hit';
import type { IntegrationRegion, RegionHosts } from './regions';

export interface ChannelSettings {
  /** Events in one `hit/events` request, at most Xtremepush's 1,000. */
  maxBatchEvents: number;
  /** A request leaves once no attempt has joined it for this long: attempts that keep coming keep filling it. */
  batchWindowMs: number;
  /** The longest an attempt waits for others to share its request, however many keep joining (at least the window). */
  batchMaxWaitMs: number;
  /**
   * How long a request waits to fill, however slowly attempts join, while every attempt in it came BACKLOG_AGE_MS or
   * more after its event was ready to send (a backlog being worked off). 0: never.
   */
  batchBacklogWaitMs: number;
  /** A backlog's request stops waiting once it holds this many events, so attempts waiting never take every worker slot. */
  backlogBatchEvents: number;
  /** Requests to Xtremepush in flight at once for this integration. */
  maxInFlight: number;
  maxRequestsPerSecond: number;
  /** Upper bound of one request. */
  timeoutMs: number;
  /** How long a success vouches for the integration; after that, or after a failure, one request at a time finds out. */
  trustMs: number;
  /** How long refused credentials keep the channel closed before it checks them again. */
  openForMs: number;
  /** Bounds on a Retry-After (0 or a date in the past must not remove all backoff; an hour must not stall for good). */
  retryAfter: { floorMs: number; ceilingMs: number };
}

/** What the channel tells its owner: each request made (metrics), and credentials refused (the log). */
export interface ChannelHooks {
  request?: (request: { status: number | null; events: number }) => void;
  refused?: (message: string) => void;
}

export interface ChannelIntegration extends XtremepushTarget {
  id: string;
  region: IntegrationRegion;
}

/** One event's part in a call to Xtremepush: what this service sent for it and what came back. */
export type EventExchange =
  | {
      sent: true;
      url: string;
      /** The request that carried the event: several events share one when batched. */
      batch: { id: string; size: number };
      response: { status: number; body: unknown } | null;
      classification: Classification;
    }
  /** Not sent: the channel is closed on refused credentials, or the attempt's time ran out before its turn. */
  | { sent: false; failureClass: FailureClass; message: string; circuitOpen: boolean };

interface Entry {
  hit: EventHit;
  deadline: number;
  signal?: AbortSignal;
  enqueuedAt: number;
  resolve(exchange: EventExchange): void;
}

/**
 * An attempt this late is behind already: a little more wait for company costs it proportionally little, and spares
 * Xtremepush most of the requests of a backlog (hundreds of events a second arrive in clumps, seconds apart).
 */
const BACKLOG_AGE_MS = 1_000;

/** Below this, a request could not get an answer before its attempt is given up: the event is not sent. */
const MIN_REQUEST_MS = 250;

const ABANDONED: EventExchange = {
  sent: false,
  failureClass: 'transient',
  message: 'not sent: the attempt was given up before its turn came',
  circuitOpen: false,
};

/**
 * Everything between this worker's delivery attempts and one integration's Xtremepush project:
 * - before the first send (and after refused credentials), the token is checked against the configured host with a
 *   read-only call, so a token of the other region sends nothing into the void;
 * - refused credentials close the channel: attempts are answered `auth`/`configuration` without a call, and park;
 * - attempts that arrive together share a `hit/events` request (up to `maxBatchEvents`, sent once none has joined for
 *   `batchWindowMs` or the first has waited `batchMaxWaitMs`; attempts all behind wait up to `batchBacklogWaitMs`);
 *   a batch Xtremepush refuses as bad is split in halves until the bad event stands alone;
 * - a 429 pauses the whole integration for its Retry-After; requests in flight and per second are capped;
 * - an attempt whose deadline passes, or whose activity is cancelled, before its request leaves is never sent.
 */
export class DeliveryChannel {
  private readonly queue: Entry[] = [];
  /** Halves of a refused batch: each goes out as a request of its own, before new events. */
  private readonly splits: Entry[][] = [];
  private inFlight = 0;
  private tokens: number;
  private tokensAt: number;
  private healthyUntil = 0;
  private pausedUntil = 0;
  private closedUntil = 0;
  private refusal: { failureClass: FailureClass; message: string } | null = null;
  private verification: Promise<void> | null = null;
  private verified = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  /** When the latest attempt that was not behind joined the queue: while one is queued, nobody waits for the backlog. */
  private lastPromptAt = -Infinity;

  constructor(
    private readonly integration: ChannelIntegration,
    private readonly client: XtremepushClient,
    private readonly regionHosts: RegionHosts,
    private readonly settings: ChannelSettings,
    private readonly hooks: ChannelHooks = {},
  ) {
    this.tokens = settings.maxRequestsPerSecond;
    this.tokensAt = Date.now();
  }

  /**
   * One delivery attempt of one event; resolves with what happened to it, never rejects. `recheck`: a probe (perhaps
   * on another worker) found the credentials working, so a channel closed here checks them again instead of refusing.
   * `readySince` (epoch ms): when the event was ready to send; without it the attempt counts as not behind.
   */
  send(hit: EventHit, options: { deadline: number; signal?: AbortSignal; recheck?: boolean; readySince?: number }): Promise<EventExchange> {
    const now = Date.now();
    if (options.recheck && this.closedUntil > now) this.closedUntil = 0;
    if (options.readySince === undefined || now - options.readySince < BACKLOG_AGE_MS) this.lastPromptAt = now;
    return new Promise((resolve) => {
      this.queue.push({ hit, deadline: options.deadline, signal: options.signal, enqueuedAt: now, resolve });
      this.pump();
    });
  }

  /** Checks the credentials before any attempt asks for it (at worker start), so a refusal shows at once. */
  verifyNow(): Promise<void> {
    this.verify();
    return this.verification ?? Promise.resolve();
  }

  /** The circuit breaker's probe: checks the credentials now and, if they work, opens the channel again. */
  async probe(): Promise<{ healthy: boolean; message: string }> {
    const check = await checkCredentials(this.client, this.integration, this.regionHosts);
    this.apply(check);
    if (this.refusal && this.closedUntil > Date.now()) return { healthy: false, message: this.refusal.message };
    if (check.verdict === 'unreachable' || check.verdict === 'busy') return { healthy: false, message: describeUnverified(check) };
    return { healthy: true, message: 'Xtremepush accepted the credentials' };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    for (;;) {
      this.dropAbandoned();
      const now = Date.now();
      if (this.closedUntil > now) return this.refuseQueued();
      if (this.splits.length === 0 && this.queue.length === 0) return;
      if (!this.verified) return this.verify();
      if (this.splits.length === 0 && this.queue.length < this.settings.maxBatchEvents) {
        const due = this.batchDue();
        if (due > now) return this.wakeAt(due);
      }
      const wait = this.capacityWait(now);
      // No capacity yet: the queue keeps filling, so the next request carries more events.
      if (wait > 0) return this.wakeAt(now + wait);
      this.takeToken(now);
      void this.dispatch(this.splits.shift() ?? this.queue.splice(0, this.settings.maxBatchEvents));
    }
  }

  /**
   * When the queued attempts leave: once none has joined for the batch window, so that attempts arriving in a stream
   * share one request, but never later than the first one's longest wait; when all of them are behind, not before the
   * backlog wait.
   */
  private batchDue(): number {
    const { batchWindowMs, batchMaxWaitMs, batchBacklogWaitMs, backlogBatchEvents } = this.settings;
    const first = this.queue[0]!.enqueuedAt;
    const due = Math.min(first + Math.max(batchMaxWaitMs, batchWindowMs), this.queue.at(-1)!.enqueuedAt + batchWindowMs);
    const behind = this.lastPromptAt < first && this.queue.length < backlogBatchEvents;
    return behind ? Math.max(due, first + batchBacklogWaitMs) : due;
  }

  /** Milliseconds until a request may leave: the pause after a 429, the in-flight cap, the rate cap. */
  private capacityWait(now: number): number {
    if (this.pausedUntil > now) return this.pausedUntil - now;
    const cap = this.healthyUntil > now ? this.settings.maxInFlight : 1;
    if (this.inFlight >= cap) return Infinity; // woken when a request ends
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.settings.maxRequestsPerSecond);
  }

  private refill(now: number): void {
    const rate = this.settings.maxRequestsPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.tokensAt) * rate) / 1000);
    this.tokensAt = now;
  }

  private takeToken(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }

  private wakeAt(at: number): void {
    if (!Number.isFinite(at) || (this.timer && this.timerAt <= at)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Infinity;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** One check at a time; the attempts queued meanwhile wait for its verdict. */
  private verify(): void {
    this.verification ??= (async () => {
      this.inFlight += 1;
      try {
        const check = await checkCredentials(this.client, this.integration, this.regionHosts);
        this.apply(check);
        if (check.verdict === 'unreachable' || check.verdict === 'busy') this.failQueued('transient', describeUnverified(check));
      } finally {
        this.inFlight -= 1;
        this.verification = null;
        this.pump();
      }
    })();
  }

  private apply(check: CredentialCheck): void {
    const failureClass = failureClassOf(check);
    if (failureClass && check.verdict !== 'valid' && check.verdict !== 'busy' && check.verdict !== 'unreachable') {
      const { message, fix } = explainRefusal(check, this.integration, this.regionHosts);
      this.refuse(failureClass, `${message}. Fix: ${fix}. Nothing is sent until a probe finds it fixed.`);
      this.hooks.refused?.(this.refusal!.message);
      return;
    }
    if (check.verdict === 'unreachable' || check.verdict === 'busy') return;
    // Valid, or refused in a way that says nothing against the credentials: sending may begin.
    this.verified = true;
    this.refusal = null;
    this.closedUntil = 0;
    if (check.verdict === 'valid') this.healthyUntil = Date.now() + this.settings.trustMs;
  }

  private refuse(failureClass: FailureClass, message: string): void {
    this.refusal = { failureClass, message };
    this.closedUntil = Date.now() + this.settings.openForMs;
    this.verified = false;
    this.healthyUntil = 0;
  }

  private refuseQueued(): void {
    const { failureClass, message } = this.refusal!;
    for (const entry of this.takeAll()) entry.resolve({ sent: false, failureClass, message, circuitOpen: true });
  }

  private failQueued(failureClass: FailureClass, message: string): void {
    for (const entry of this.takeAll()) entry.resolve({ sent: false, failureClass, message, circuitOpen: false });
  }

  private takeAll(): Entry[] {
    return [...this.splits.splice(0).flat(), ...this.queue.splice(0)];
  }

  /** Attempts whose activity was cancelled or whose deadline is too near for an answer leave the queue unsent. */
  private dropAbandoned(): void {
    const now = Date.now();
    const keep = (entry: Entry) => {
      if (!entry.signal?.aborted && entry.deadline - now >= MIN_REQUEST_MS) return true;
      entry.resolve(ABANDONED);
      return false;
    };
    this.queue.splice(0, this.queue.length, ...this.queue.filter(keep));
    for (let i = this.splits.length - 1; i >= 0; i--) {
      const kept = this.splits[i]!.filter(keep);
      if (kept.length > 0) this.splits[i] = kept;
      else this.splits.splice(i, 1);
    }
  }

  /** Sends one request; a batch refused as bad (or too large) is split until each bad event stands alone. */
  private async dispatch(live: Entry[]): Promise<void> {
    this.inFlight += 1;
    try {
      const batch = { id: randomUUID(), size: live.length };
      const timeoutMs = Math.min(this.settings.timeoutMs, Math.min(...live.map((e) => e.deadline)) - Date.now());
      const signal = live.length === 1 ? live[0]!.signal : undefined;
      const exchange = await this.client.sendEvents(
        this.integration,
        live.map((e) => e.hit),
        { timeoutMs, signal },
      );
      this.hooks.request?.({ status: exchange.response?.status ?? null, events: live.length });
      const { classification } = exchange;
      const splittable =
        classification.outcome === 'failed' && (classification.failureClass === 'bad_request' || classification.failureClass === 'payload_too_large');
      if (splittable && live.length > 1) {
        const half = Math.ceil(live.length / 2);
        this.splits.unshift(live.slice(0, half), live.slice(half));
        return;
      }
      this.learn(classification);
      const response = exchange.response ? { status: exchange.response.status, body: exchange.response.body } : null;
      for (const entry of live) entry.resolve({ sent: true, url: exchange.request.url, batch, response, classification });
    } finally {
      this.inFlight -= 1;
      this.pump();
    }
  }

  private learn(classification: Classification): void {
    const now = Date.now();
    if (classification.outcome === 'accepted') {
      this.healthyUntil = now + this.settings.trustMs;
      return;
    }
    switch (classification.failureClass) {
      case 'auth':
      case 'configuration':
        this.refuse(classification.failureClass, classification.message);
        return;
      case 'throttled':
        this.pausedUntil = now + this.boundedRetryAfter(classification.retryAfterMs);
        this.healthyUntil = 0;
        return;
      case 'transient':
        this.healthyUntil = 0;
    }
  }

  /** A Retry-After within bounds, with up to 20 % jitter (within the ceiling) so those it held back do not all return at once. */
  boundedRetryAfter(retryAfterMs: number | undefined): number {
    const { floorMs, ceilingMs } = this.settings.retryAfter;
    const base = Math.min(ceilingMs, Math.max(floorMs, retryAfterMs ?? floorMs));
    return Math.min(ceilingMs, Math.round(base * (1 + Math.random() * 0.2)));
  }
}

function describeUnverified(check: Extract<CredentialCheck, { verdict: 'unreachable' | 'busy' }>): string {
  return check.verdict === 'unreachable'
    ? `not sent: the App Token could not be checked, Xtremepush did not answer (${check.reason}); retried with backoff`
    : `not sent: the App Token could not be checked, Xtremepush answered HTTP ${check.status}; retried with backoff`;
}
