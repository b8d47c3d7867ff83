/**
 * Schema migrations, applied in order by ../migrate.ts (one transaction, under an
 * advisory lock, recorded in `schema_migrations`). Never edit a released
 * migration: append a new one with the next version number.
 * Tables are created unqualified: they land in the first schema of search_path.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'identity_tables',
    sql: `
      -- One row per (user, trait key): each key carries the timestamp of the
      -- identify that set it, so "newer wins" is decided per key, atomically,
      -- by INSERT ... ON CONFLICT.
      CREATE TABLE identity_traits (
        user_id text NOT NULL,
        key text NOT NULL,
        value jsonb NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      );

      -- anonymousId / aliased previous id -> userId.
      CREATE TABLE identity_links (
        previous_id text PRIMARY KEY,
        user_id text NOT NULL,
        source text NOT NULL CHECK (source IN ('identify', 'alias')),
        linked_at timestamptz NOT NULL
      );
      CREATE INDEX identity_links_user_id_idx ON identity_links (user_id);

      -- Per-user consent overrides (e.g. from unsubscribe webhooks).
      CREATE TABLE identity_consent (
        user_id text NOT NULL,
        category text NOT NULL,
        granted boolean NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (user_id, category)
      );
    `,
  },
  {
    version: 2,
    name: 'xtremepush_webhooks',
    sql: `
      -- Campaign message events from Xtremepush's webhooks, keyed by the dedupe key of the webhook, so a
      -- redelivered webhook (or a retried activity) is recorded once.
      CREATE TABLE message_events (
        id text PRIMARY KEY,
        connection text NOT NULL,
        user_id text,
        profile_id text,
        campaign_id text,
        message_type text,
        event text NOT NULL,
        at timestamptz NOT NULL,
        error_message text,
        body jsonb NOT NULL
      );
      CREATE INDEX message_events_user_idx ON message_events (user_id, at);

      -- Calls of a campaign's webhook channel: campaign-defined JSON, kept as it came.
      CREATE TABLE channel_webhooks (
        id text PRIMARY KEY,
        connection text NOT NULL,
        received_at timestamptz NOT NULL,
        body jsonb NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'consent_observations',
    sql: `
      -- Where a stored consent decision came from: an Xtremepush webhook (unsubscribe, re-subscribe) or an opt-in the
      -- user made in their consent manager after a revocation.
      ALTER TABLE identity_consent ADD COLUMN source text NOT NULL DEFAULT 'webhook' CHECK (source IN ('webhook', 'cmp'));

      -- The latest decision the user's consent manager sent with an event, per category: a revocation holds until
      -- this changes from denied or absent to granted, so the standing grant on every event is not an opt-in.
      CREATE TABLE consent_observed (
        user_id text NOT NULL,
        category text NOT NULL,
        granted boolean NOT NULL,
        at timestamptz NOT NULL,
        PRIMARY KEY (user_id, category)
      );
    `,
  },
  {
    version: 4,
    name: 'ingest_retries',
    sql: `
      -- Requests answered 503 while they held events without a messageId: the salt their messageIds were derived with,
      -- so the client's retry gets the same ids and starts nothing twice. Kept a day (a retry comes within minutes).
      CREATE TABLE ingest_retries (
        digest text PRIMARY KEY,
        salt text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 5,
    name: 'privacy',
    sql: `
      -- People who objected to processing, by keyed hash (privacy/subject.ts): no plain identifier is kept here.
      CREATE TABLE suppressed_subjects (
        subject text PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now()
      );

      -- Every erase and suppression, by keyed hash, with what was removed and the operator's ticket reference.
      CREATE TABLE privacy_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL CHECK (action IN ('erase', 'suppress', 'unsuppress')),
        subject text NOT NULL,
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        ticket text
      );
    `,
  },
];
