import type { MessageEventRecord } from '../identity/message-log';
import { sqlRunnerOf } from '../identity/sql-store';
import type { IdentityStore, Traits } from '../identity/store';

/** $1 user_id, $2 limit -> newest first. */
const LIST_MESSAGE_EVENTS = `
  SELECT id, connection, user_id, profile_id, campaign_id, message_type, event,
         to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at, error_message, body
  FROM message_events
  WHERE user_id = $1::text
  ORDER BY at DESC, id
  LIMIT $2::int
`;

/** $1 id -> the stored body. */
const GET_CHANNEL_WEBHOOK = `SELECT body FROM channel_webhooks WHERE id = $1::text`;

/** Both drivers parse jsonb already; a string is tolerated all the same. */
const json = (value: unknown): unknown => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value);

/** What tests read back from a store (one of openIdentityStore's) that the service itself never reads. */
export function storeReads(store: IdentityStore) {
  const db = sqlRunnerOf(store);
  return {
    /** Stored traits of the user, {} if none. */
    async getTraits(userId: string): Promise<Traits> {
      return (await store.loadProfile({ userId })).traits;
    },

    /** The user's consent decisions: category -> granted. */
    async getConsent(userId: string): Promise<Record<string, boolean>> {
      return Object.fromEntries((await store.getConsentRecords(userId)).map((r) => [r.category, r.granted]));
    },

    /** The user's campaign message events, newest first. */
    async listMessageEvents(userId: string, options: { limit?: number } = {}): Promise<MessageEventRecord[]> {
      const rows = await db.query<Record<string, unknown>>(LIST_MESSAGE_EVENTS, [userId, options.limit ?? 100]);
      return rows.map((row) => ({
        id: row.id as string,
        connection: row.connection as string,
        userId: row.user_id as string | null,
        profileId: row.profile_id as string | null,
        campaignId: row.campaign_id as string | null,
        messageType: row.message_type as string | null,
        event: row.event as string,
        at: row.at as string,
        errorMessage: row.error_message as string | null,
        body: json(row.body),
      }));
    },

    /** A webhook channel call's body as it came, or null. */
    async getChannelWebhook(id: string): Promise<unknown> {
      const rows = await db.query<{ body: unknown }>(GET_CHANNEL_WEBHOOK, [id]);
      return rows[0] === undefined ? null : json(rows[0].body);
    },
  };
}

export type StoreReads = ReturnType<typeof storeReads>;
