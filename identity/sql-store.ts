import { z } from 'zod';
import * as q from './queries';
import type { MessageLog } from './message-log';
import type { SqlClient } from './sql-client';
import type { SqlRunner } from './sql-client';
import type { ConsentObservation, ConsentRecord, IdentityStore, PrivacyLogEntry, Traits } from './store';

// Inputs come from events and webhooks: check them before they reach SQL.
// Timestamps must carry an offset (Z or +hh:mm): a local time would be read in
// the database session's time zone, which differs between deployments.
const id = z.string().min(1);
const at = z.iso.datetime({ offset: true });
const identifyInput = z.object({
  userId: id,
  anonymousId: id.optional(),
  traits: z.record(z.string(), z.unknown()),
  at,
});
const category = z.string().trim().toLowerCase().min(1);
const consentInput = z.object({ userId: id, category, granted: z.boolean(), at, source: z.enum(['webhook', 'cmp']).default('webhook') });
const observationInput = z.object({ userId: id, category, granted: z.boolean(), at });
const profileInput = z
  .object({ userId: id.optional(), anonymousId: id.optional() })
  .refine((ids) => ids.userId || ids.anonymousId, 'userId or anonymousId is required');

/** A value this store will not take: the same on every retry, unlike a store that cannot be reached. */
export class InvalidStoreInput extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStoreInput';
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidStoreInput(`Invalid ${what}:\n${z.prettifyError(r.error)}`);
  return r.data;
}

function toObject(value: unknown): Record<string, unknown> {
  // Both drivers parse jsonb already; tolerate a string just in case.
  const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

const runners = new WeakMap<object, SqlRunner>();

/** The connection a store of createSqlIdentityStore runs on, so that tests can read its tables directly. */
export function sqlRunnerOf(store: IdentityStore | MessageLog): SqlRunner {
  const runner = runners.get(store);
  if (!runner) throw new Error('not a store of createSqlIdentityStore');
  return runner;
}

/** The IdentityStore and MessageLog logic, identical for every driver: one object over one connection. */
export function createSqlIdentityStore(db: SqlClient): IdentityStore & MessageLog {
  let closed: Promise<void> | undefined;
  const open = (): SqlClient => {
    if (closed) throw new Error('IdentityStore is closed');
    return db;
  };

  const store: IdentityStore & MessageLog = {
    async recordIdentify(input) {
      const v = check(identifyInput, input, 'recordIdentify input');
      await open().query(q.RECORD_IDENTIFY, [v.userId, JSON.stringify(v.traits), v.at, v.anonymousId ?? null]);
    },

    async linkAlias(previousId, userId, linkedAt) {
      await open().query(q.LINK_ALIAS, [check(id, previousId, 'previousId'), check(id, userId, 'userId'), check(at, linkedAt, 'at')]);
    },

    async resolveUserId(anonymousOrPreviousId) {
      const rows = await open().query<{ user_id: string }>(q.RESOLVE_USER_ID, [check(id, anonymousOrPreviousId, 'id')]);
      return rows[0]?.user_id ?? null;
    },

    async loadProfile(ids, subject) {
      const v = check(profileInput, ids, 'loadProfile input');
      const rows = await open().query<{ user_id: string | null; traits: unknown; consent: unknown; observed: unknown; suppressed: boolean }>(
        v.userId ? q.LOAD_PROFILE_OF_USER : q.LOAD_PROFILE_OF_ANONYMOUS,
        [v.userId ?? v.anonymousId, subject ?? null],
      );
      const row = rows[0];
      const list = <T>(value: unknown): T[] => (Array.isArray(value) ? value : typeof value === 'string' ? JSON.parse(value) : []) as T[];
      return {
        userId: row?.user_id ?? null,
        traits: toObject(row?.traits) as Traits,
        consent: list<ConsentRecord>(row?.consent),
        observed: list<ConsentObservation>(row?.observed),
        suppressed: row?.suppressed === true,
      };
    },

    async setConsent(input) {
      const v = check(consentInput, input, 'setConsent input');
      await open().query(q.SET_CONSENT, [v.userId, v.category, v.granted, v.at, v.source]);
    },

    async observeConsent(input) {
      const v = check(observationInput, input, 'observeConsent input');
      const rows = await open().query<{ previous: boolean | null; newest: boolean }>(q.OBSERVE_CONSENT, [v.userId, v.category, v.granted, v.at]);
      return { previous: rows[0]?.previous ?? null, newest: rows[0]?.newest === true };
    },

    async getConsentRecords(userId) {
      return open().query<ConsentRecord>(q.GET_CONSENT_RECORDS, [check(id, userId, 'userId')]);
    },

    async recordMessageEvent(r) {
      await open().query(q.RECORD_MESSAGE_EVENT, [
        check(id, r.id, 'id'),
        r.connection,
        r.userId,
        r.profileId,
        r.campaignId,
        r.messageType,
        r.event,
        check(at, r.at, 'at'),
        r.errorMessage,
        JSON.stringify(r.body),
      ]);
    },

    async recordChannelWebhook(r) {
      await open().query(q.RECORD_CHANNEL_WEBHOOK, [check(id, r.id, 'id'), r.connection, check(at, r.receivedAt, 'receivedAt'), JSON.stringify(r.body)]);
    },

    async eraseSubject(input) {
      const userId = check(id, input.userId, 'userId');
      const anonymousIds = input.anonymousIds.map((a) => check(id, a, 'anonymousId'));
      const erase = (tx: SqlRunner) =>
        tx.query<{
          anonymous_ids: unknown;
          traits: number;
          links: number;
          consent_decisions: number;
          consent_observations: number;
          message_events: number;
          channel_webhooks: number;
        }>(q.ERASE_SUBJECT, [userId, anonymousIds, input.dryRun]);
      const [row] = await open().transaction(erase);
      return {
        anonymousIds: (Array.isArray(row!.anonymous_ids) ? row!.anonymous_ids : []) as string[],
        traits: Number(row!.traits),
        links: Number(row!.links),
        consentDecisions: Number(row!.consent_decisions),
        consentObservations: Number(row!.consent_observations),
        messageEvents: Number(row!.message_events),
        channelWebhooks: Number(row!.channel_webhooks),
      };
    },

    async isSuppressed(subject) {
      return (await open().query(q.IS_SUPPRESSED, [check(id, subject, 'subject')])).length > 0;
    },

    async suppress(subject) {
      const rows = await open().query<{ added: boolean }>(q.SUPPRESS, [check(id, subject, 'subject')]);
      return rows[0]?.added === true;
    },

    async unsuppress(subject) {
      const rows = await open().query<{ removed: boolean }>(q.UNSUPPRESS, [check(id, subject, 'subject')]);
      return rows[0]?.removed === true;
    },

    listSuppressed: () => open().query<{ subject: string; at: string }>(q.LIST_SUPPRESSED),

    async recordPrivacyAction(entry) {
      await open().query(q.RECORD_PRIVACY_ACTION, [entry.action, check(id, entry.subject, 'subject'), JSON.stringify(entry.counts), entry.ticket]);
    },

    async listPrivacyLog(limit = 100) {
      const rows = await open().query<{ at: string; action: PrivacyLogEntry['action']; subject: string; counts: unknown; ticket: string | null }>(
        q.LIST_PRIVACY_LOG,
        [limit],
      );
      return rows.map((row) => ({ ...row, counts: toObject(row.counts) as Record<string, number> }));
    },

    async rememberRetry(digest, salt) {
      await open().query(q.REMEMBER_RETRY, [check(id, digest, 'digest'), check(id, salt, 'salt')]);
    },

    async retrySalt(digest) {
      const rows = await open().query<{ salt: string }>(q.FIND_RETRY, [check(id, digest, 'digest')]);
      return rows[0]?.salt ?? null;
    },

    close() {
      closed ??= db.close();
      return closed;
    },
  };
  runners.set(store, db);
  return store;
}
