/**
 * Identity store: per-user traits (from `identify`), anonymousId/alias links,
 * per-user consent overrides, the suppression list, the privacy log and retry salts.
 * Types only; ./index.ts opens it. Two implementations share one schema, one set of
 * migrations and one set of SQL queries (see ./queries.ts):
 *  - `embedded`: PGlite (Postgres in WASM), in memory or in a data directory;
 *  - `postgres`: a `pg` Pool, for deployments with several workers.
 */

export type Traits = Record<string, unknown>;
export interface ConsentRecord {
  category: string;
  granted: boolean;
  /** ISO-8601, UTC. */
  at: string;
  /** An Xtremepush webhook (unsubscribe, re-subscribe), or an opt-in made in the consent manager after a revocation. */
  source?: ConsentSource;
}
export type ConsentSource = 'webhook' | 'cmp';

/** The latest decision a user's consent manager sent with an event, per category. */
export interface ConsentObservation {
  category: string;
  granted: boolean;
  /** ISO-8601, UTC: the event's time. */
  at: string;
}

/** Everything the delivery of an event needs about its user, read in one round trip. */
export interface Profile {
  /** Null: the event's anonymousId is linked to no user yet. */
  userId: string | null;
  traits: Traits;
  consent: ConsentRecord[];
  observed: ConsentObservation[];
  /** The keyed hash given with the read is on the suppression list. */
  suppressed: boolean;
}

export interface IdentityStore {
  /** Merges traits into the user's stored traits. Newer `at` wins per key; an identify that is OLDER than what is stored only fills keys that are missing. Idempotent (activities are retried). Links anonymousId -> userId when given. */
  recordIdentify(input: { userId: string; anonymousId?: string; traits: Traits; at: string /* ISO-8601 */ }): Promise<void>;
  /** Links a previous id (anonymous or an older user id) to userId (Segment alias) unless a newer link exists. Idempotent. */
  linkAlias(previousId: string, userId: string, at: string): Promise<void>;
  /** The userId an anonymousId (or aliased previous id) is linked to, or null. */
  resolveUserId(anonymousOrPreviousId: string): Promise<string | null>;
  /** The user (the userId, or the one the anonymousId links to) with traits, consent decisions and observations. */
  loadProfile(ids: { userId?: string; anonymousId?: string }, subject?: string): Promise<Profile>;
  /** Per-user consent overrides: category (lower-cased) -> granted. Newer `at` wins; on a tie a revocation wins. */
  setConsent(input: { userId: string; category: string; granted: boolean; at: string; source?: ConsentSource }): Promise<void>;
  /**
   * Records what the consent manager said for a category, unless a newer observation is stored; returns what was
   * stored before (null: nothing) and whether this one is now the newest.
   */
  observeConsent(input: ConsentObservation & { userId: string }): Promise<{ previous: boolean | null; newest: boolean }>;
  /** Per-category consent decisions, with when each was made, so a newer decision elsewhere can win over it. */
  getConsentRecords(userId: string): Promise<ConsentRecord[]>;
  /**
   * Removes everything stored about a person (traits, links from and to their ids and the given anonymousIds, consent
   * decisions and observations, campaign message events, webhook channel calls naming them), or with `dryRun` counts
   * it. Idempotent.
   */
  eraseSubject(input: { userId: string; anonymousIds: readonly string[]; dryRun: boolean }): Promise<ErasedData>;
  /** Whether the keyed hash of a person is on the suppression list. */
  isSuppressed(subject: string): Promise<boolean>;
  /** Adds a person's keyed hash to the suppression list; false when it was there already. */
  suppress(subject: string): Promise<boolean>;
  /** Removes it; false when it was not there. */
  unsuppress(subject: string): Promise<boolean>;
  listSuppressed(): Promise<Array<{ subject: string; at: string }>>;
  recordPrivacyAction(entry: Omit<PrivacyLogEntry, 'at'>): Promise<void>;
  /** Newest first. */
  listPrivacyLog(limit?: number): Promise<PrivacyLogEntry[]>;
  /** A request answered 503: the salt of the messageIds derived for its events, so its retry derives the same ones. */
  rememberRetry(digest: string, salt: string): Promise<void>;
  /** The salt of a request answered 503 within the last day, or null. */
  retrySalt(digest: string): Promise<string | null>;
  close(): Promise<void>;
}

/** What erasing a person removed (or, in a dry run, would remove), and the anonymousIds that were theirs. */
export interface ErasedData {
  anonymousIds: string[];
  traits: number;
  links: number;
  consentDecisions: number;
  consentObservations: number;
  messageEvents: number;
  channelWebhooks: number;
}

/** One erase or suppression, naming the person only by keyed hash. */
export interface PrivacyLogEntry {
  at: string;
  action: 'erase' | 'suppress' | 'unsuppress';
  subject: string;
  counts: Record<string, number>;
  ticket: string | null;
}
