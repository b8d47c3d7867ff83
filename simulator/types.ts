/**
 * Public types of the Xtremepush simulator. Other folders depend on these exact names:
 * change them only together with their users.
 */
import type pino from 'pino';

export type Region = 'eu' | 'us';

export const REGIONS: readonly Region[] = ['eu', 'us'];

export interface SimulatorProject {
  name: string;
  token: string;
  /** Project only accepts OAuth 2.0: app-token calls are answered 403. */
  oauthOnly?: boolean;
  /** More than this many External API requests within one second are answered 429. */
  rateLimitPerSecond?: number;
}

export interface SimulatorOptions {
  /** Interface both servers listen on. Default '127.0.0.1'. */
  host?: string;
  /** port default 0 (ephemeral). */
  eu?: { port?: number; projects?: SimulatorProject[] };
  us?: { port?: number; projects?: SimulatorProject[] };
  /**
   * 'http' (default): errors are answered with their HTTP status.
   * 'envelope': 400/401/403 are answered with HTTP 200 and `{success:false, code}` in the body
   * (the real service may do either). 404/405/413/429/5xx always stay HTTP statuses.
   */
  errorStyle?: 'http' | 'envelope';
  /** Default: silent. One debug line is logged per request; app tokens are never logged. */
  logger?: pino.Logger;
}

export interface ReceivedRequest {
  /** Arrival order, shared by both regions, starting at 1 (restarts after reset()). */
  seq: number;
  region: Region;
  method: string;
  path: string;
  /** Parsed JSON body as received (includes apptoken); null when the body was not valid JSON. */
  body: unknown;
  /** Date.now() when the request arrived. */
  receivedAt: number;
  /** HTTP status answered. */
  status: number;
  /** JSON body answered. */
  response: unknown;
  /** Project the request landed in; null if rejected, faulted or sent to the wrong region. */
  project: string | null;
}

/** An event as Xtremepush accepted it, before it is stamped with where and when it landed. */
export interface AcceptedEvent {
  user_id: string;
  event: string;
  timestamp?: string;
  value?: unknown;
  user_attributes?: Record<string, unknown>;
  consent_preferences?: Record<string, Record<string, number>>;
}

export interface SimulatorHit extends AcceptedEvent {
  region: Region;
  project: string;
  receivedAt: number;
  /** seq of the request that carried the event (shared by all events of one batch). */
  seq: number;
}

export interface HitFilter {
  project?: string;
  user_id?: string;
  event?: string;
}

/**
 * A simulated failure. status >= 400 (or a `body`) answers that status/body instead of normal
 * processing; otherwise (e.g. `{status: 200, delayMs}`) the request is processed normally and only
 * the answer is delayed.
 */
export interface Fault {
  status: number;
  retryAfterSeconds?: number;
  body?: unknown;
  delayMs?: number;
  /** Close the connection without answering (after delayMs) instead of `status`: the request is recorded with status 0. */
  reset?: boolean;
}

export interface Simulator {
  urls: Record<Region, string>;
  /** Every External API request, in arrival order, including rejected ones. */
  received(): ReceivedRequest[];
  /** Events accepted into a project (batch requests expanded to one hit per event). */
  hits(filter?: HitFilter): SimulatorHit[];
  /** The next `count` External API requests (of that region, or any) get this fault. */
  failNext(count: number, fault: Fault, opts?: { region?: Region }): void;
  addProject(region: Region, project: SimulatorProject): void;
  /** Token becomes unknown: 401. */
  revokeToken(token: string): void;
  /** oauthOnly projects answer 403 to app-token calls. */
  setOauthOnly(token: string, oauthOnly: boolean): void;
  /**
   * Events of these user_ids are refused as invalid (400 naming the event), alone or in a batch, which then fails as a
   * whole: as Xtremepush refuses a request holding one event it will not take. An empty list ends it.
   */
  refuseUserIds(userIds: readonly string[]): void;
  /** Clears received requests, hits, pending faults and rate-limit windows; projects are kept. */
  reset(): void;
  close(): Promise<void>;
}
