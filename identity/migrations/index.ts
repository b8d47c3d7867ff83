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
];
