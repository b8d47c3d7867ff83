import { sleep } from '../../scripts/benchmark/support';
import { planBarrage, runBarrage, type BarrageReport } from './barrage';
import type { PrivatePostgres } from './postgres';
import type { Log } from './processes';
import { DELIVERY_TIMEOUT_MS, type Stack } from './stack';
import type { EndCheck } from './verify';

/** How big each scenario is: the short form (npm test) and the long form (npm run reliability) differ only here. */
export interface Sizes {
  /** Valid events per scenario. */
  events: number;
  perSecond: number;
  batchSize: number;
  /** 503 answers (or connection resets) in a storm. */
  storm: number;
  /** Slow answers after the storm, each landing after the client gave up on it. */
  slow: number;
  /** 429 answers with Retry-After 0. */
  throttles: number;
  /** 429 answers with a large Retry-After, and how large. */
  longThrottles: number;
  longRetryAfterSeconds: number;
  /** Hostile requests in the barrage. */
  barrage: number;
  /** How long the end check waits for every workflow to close. */
  waitMs: number;
}

export const SHORT: Sizes = {
  events: 120,
  perSecond: 60,
  batchSize: 10,
  storm: 30,
  slow: 3,
  throttles: 10,
  longThrottles: 2,
  longRetryAfterSeconds: 3,
  barrage: 2_000,
  waitMs: 150_000,
};

export const LONG: Sizes = {
  events: 1_500,
  perSecond: 100,
  batchSize: 20,
  storm: 300,
  slow: 10,
  throttles: 40,
  longThrottles: 2,
  longRetryAfterSeconds: 30,
  barrage: 5_000,
  waitMs: 900_000,
};

/** What a fault gets: the running stack, and where it says what it did and saw. */
export interface FaultContext {
  stack: Stack;
  sizes: Sizes;
  log: Log;
  notes: string[];
  /** Where a fault records a service process that stopped working without exiting (e.g. never reconnected). */
  crashes: string[];
  /** Set by a scenario that needs PostgreSQL of its own. */
  postgres?: PrivatePostgres;
  /** Set by the barrage scenario. */
  barrage?: BarrageReport;
}

export interface Scenario {
  id: string;
  title: string;
  /** Restarts PostgreSQL, so it needs a cluster of its own. */
  privatePostgres?: boolean;
  /**
   * Duplicates come only from requests that landed after the client had given up on them, unless a process dies
   * between reading an answer and recording it in its workflow (the delivery then sends the event again).
   */
  duplicatesOnlyFromLateAnswers: boolean;
  /** Done once the load is a third of the way in. */
  fault(context: FaultContext): Promise<void>;
  /** What shows that the fault really happened, so that a clean result is not a vacuous one: the missing evidence. */
  confirm?(result: ScenarioResult, sizes: Sizes): string[];
}

/**
 * A fault of the simulator's, confirmed by its answers: it answers 503, 429 or nothing (status 0) only when told to,
 * so each must have been given exactly as often as it was queued; each slow answer must have come after the client
 * had given up on its request.
 */
function simulatorFault(fault: {
  id: string;
  title: string;
  answers: (sizes: Sizes) => Record<string, number>;
  lateAnswers?: (sizes: Sizes) => number;
  inject: (context: FaultContext) => void;
}): Scenario {
  return {
    id: fault.id,
    title: fault.title,
    duplicatesOnlyFromLateAnswers: true,
    fault: async (context) => fault.inject(context),
    confirm(result, sizes) {
      const missing = Object.entries(fault.answers(sizes))
        .filter(([status, times]) => (result.xtremepushAnswers[status] ?? 0) !== times)
        .map(([status, times]) => `expected ${times} answers ${status} from the simulator, saw ${result.xtremepushAnswers[status] ?? 0}`);
      const late = fault.lateAnswers?.(sizes);
      if (late !== undefined && result.lateAnswers < late)
        missing.push(`expected ${late} requests landing after the client gave up, saw ${result.lateAnswers}`);
      return missing;
    },
  };
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'worker-sigkill',
    title: 'worker SIGKILL mid-load (one of two)',
    duplicatesOnlyFromLateAnswers: false,
    async fault({ stack, notes }) {
      // Answers slower than usual (but within the timeout) keep calls in flight when the kill comes.
      stack.simulator.failNext(50, { status: 200, delayMs: 500 });
      await sleep(500);
      const [victim] = stack.workers;
      await victim!.kill();
      notes.push(`${victim!.name} (pid ${victim!.pid}) killed with SIGKILL while answers were slow; the other worker carried on alone`);
    },
  },
  {
    id: 'api-sigkill',
    title: 'API SIGKILL mid-load, restarted',
    duplicatesOnlyFromLateAnswers: true,
    async fault({ stack, notes }) {
      await stack.api.kill();
      await sleep(2_000);
      const killed = Date.now();
      await stack.restartApi();
      notes.push(
        `API killed with SIGKILL, down 2 s, restarted on its port (ready ${Math.round((Date.now() - killed) / 100) / 10} s later); the client retried what got no answer`,
      );
    },
    confirm: (result) => (result.loadAnswers['no answer'] ? [] : ['no request of the load met the dead API']),
  },
  {
    id: 'dev-server-sigkill',
    title: 'Temporal dev server SIGKILL, restarted on its state file',
    duplicatesOnlyFromLateAnswers: false,
    async fault({ stack, notes, crashes, log }) {
      stack.devServer.kill();
      await sleep(2_000);
      await stack.devServer.restart();
      const restarted = Date.now();
      log('dev server restarted on its state file');
      // Nothing restarts the API or the workers: they must find the server again by themselves. The API's /ready asks
      // Temporal; a worker's says only that it runs, so the server itself is asked which workers poll it again.
      const pending = new Set(stack.processes.all());
      while (pending.size > 0 && Date.now() - restarted < 90_000) {
        if (pending.has(stack.api) && (await stack.api.isReady())) pending.delete(stack.api);
        for (const worker of await stack.pollingWorkers().catch(() => [])) pending.delete(worker);
        if (pending.size > 0) await sleep(500);
      }
      const seconds = Math.round((Date.now() - restarted) / 100) / 10;
      const ready = pending.size === 0 ? `the API answered and both workers polled again ${seconds} s later, none restarted` : 'not every process came back';
      notes.push(`dev server killed with SIGKILL, down 2 s, restarted on its state file; ${ready}`);
      for (const service of pending) crashes.push(`${service.name} did not reconnect to the restarted dev server within 90 s`);
    },
  },
  {
    id: 'postgres-restart',
    title: 'PostgreSQL restart (a private cluster)',
    privatePostgres: true,
    duplicatesOnlyFromLateAnswers: true,
    async fault({ postgres, notes }) {
      await postgres!.restart(3_000);
      notes.push('PostgreSQL stopped with -m immediate (every connection cut), down 3 s, started again');
    },
  },
  simulatorFault({
    id: '503-storm',
    title: '503 storm',
    answers: (sizes) => ({ 503: sizes.storm }),
    inject({ stack, sizes, notes }) {
      stack.simulator.failNext(sizes.storm, { status: 503 });
      notes.push(`the next ${sizes.storm} requests to Xtremepush answered 503`);
    },
  }),
  simulatorFault({
    id: '503-then-slow',
    title: '503 storm then slow answers',
    answers: (sizes) => ({ 503: sizes.storm }),
    lateAnswers: (sizes) => sizes.slow,
    inject({ stack, sizes, notes }) {
      const delayMs = DELIVERY_TIMEOUT_MS + 1_500;
      stack.simulator.failNext(sizes.storm, { status: 503 });
      stack.simulator.failNext(sizes.slow, { status: 200, delayMs });
      notes.push(
        `${sizes.storm} answers 503, then ${sizes.slow} answers 200 after ${delayMs} ms (the client gives up after ${DELIVERY_TIMEOUT_MS} ms; the events land)`,
      );
    },
  }),
  simulatorFault({
    id: '429-retry-after-0',
    title: '429 storm, Retry-After: 0',
    answers: (sizes) => ({ 429: sizes.throttles }),
    inject({ stack, sizes, notes }) {
      stack.simulator.failNext(sizes.throttles, { status: 429, retryAfterSeconds: 0 });
      notes.push(`the next ${sizes.throttles} requests answered 429 with Retry-After: 0`);
    },
  }),
  simulatorFault({
    id: '429-retry-after-large',
    title: '429 storm, large Retry-After',
    answers: (sizes) => ({ 429: sizes.longThrottles }),
    inject({ stack, sizes, notes }) {
      stack.simulator.failNext(sizes.longThrottles, { status: 429, retryAfterSeconds: sizes.longRetryAfterSeconds });
      notes.push(`the next ${sizes.longThrottles} requests answered 429 with Retry-After: ${sizes.longRetryAfterSeconds}`);
    },
  }),
  simulatorFault({
    id: 'connection-resets',
    title: 'connection resets',
    answers: (sizes) => ({ 0: sizes.storm }),
    inject({ stack, sizes, notes }) {
      stack.simulator.failNext(sizes.storm, { status: 503, reset: true });
      notes.push(`the next ${sizes.storm} requests had their connection closed without an answer`);
    },
  }),
  {
    id: 'bad-input-barrage',
    title: 'bad-input barrage mixed with valid traffic',
    duplicatesOnlyFromLateAnswers: true,
    async fault(context) {
      const requests = planBarrage(`barrage-${Date.now().toString(36)}`, context.sizes.barrage);
      context.barrage = await runBarrage(context.stack.apiUrl, requests);
      context.notes.push(
        `${requests.length} requests to the ingest API and the webhook receiver, ${context.sizes.barrage}+ of them hostile, the others odd or plain valid ones, alongside the valid load`,
      );
    },
    confirm(result, sizes) {
      const hostile = Object.values(result.barrage?.refusedByAnswer ?? {}).reduce((sum, n) => sum + n, 0);
      return hostile >= sizes.barrage ? [] : [`the barrage sent ${hostile} hostile requests, not ${sizes.barrage}`];
    },
  },
];

export const SHORT_FORM = ['503-then-slow', 'worker-sigkill', 'connection-resets', 'bad-input-barrage'];

export interface ScenarioResult {
  scenario: Scenario;
  /** Why it did not run (e.g. no private PostgreSQL cluster could be started). */
  skipped?: string;
  /** Valid events sent: the load's, and the barrage's odd but valid ones (each counted once, however often retried). */
  sent: number;
  accepted: number;
  /** Valid events the API never accepted, whatever the client retried. */
  notAccepted: number;
  /** Answers to the valid load, by status (503 and `no answer` are retried by the client). */
  loadAnswers: Record<string, number>;
  /** Events of the load accepted when the fault came: fewer than all of them, or the fault did not come mid-load. */
  acceptedAtFault: number;
  /** Answers of the simulator to requests that carry events, by status (0: the connection was closed unanswered). */
  xtremepushAnswers: Record<string, number>;
  /** Requests to Xtremepush that landed events after the client had given up on them. */
  lateAnswers: number;
  check?: EndCheck;
  barrage?: BarrageReport;
  /** Processes that exited by themselves, 5xx answers other than 503, hostile requests answered 5xx or not at all. */
  crashes: string[];
  notes: string[];
  seconds: number;
}
