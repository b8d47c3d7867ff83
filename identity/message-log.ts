/**
 * What Xtremepush's webhooks reported: campaign message events and webhook channel calls. Kept in the identity
 * store's database (same connection, same migrations), so erasing a person also removes theirs.
 */
export interface MessageLog {
  /** Records a campaign message event from a webhook; recording the same id again changes nothing. */
  recordMessageEvent(record: MessageEventRecord): Promise<void>;
  /** Keeps a webhook channel call as it came; recording the same id again changes nothing. */
  recordChannelWebhook(record: { id: string; connection: string; receivedAt: string; body: unknown }): Promise<void>;
}

export interface MessageEventRecord {
  id: string;
  connection: string;
  userId: string | null;
  profileId: string | null;
  campaignId: string | null;
  messageType: string | null;
  event: string;
  /** ISO-8601, UTC. */
  at: string;
  errorMessage: string | null;
  body: unknown;
}
