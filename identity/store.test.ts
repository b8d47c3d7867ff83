import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrations } from './migrations';
import { storeReads, type StoreReads } from '../test/store-reads';
import { openIdentityStore, type IdentityStoreConfig } from './index';
import type { IdentityStore } from './store';
import type { MessageLog } from './message-log';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = `${process.pid}_${Date.now().toString(36)}`;

let seq = 0;
/** Ids unique per test, so suites can share one database. */
const uid = (label: string): string => `${label}-${RUN}-${++seq}`;

const T1 = '2024-01-01T00:00:00.000Z';
const T2 = '2024-01-02T00:00:00.000Z';
const T3 = '2024-01-03T00:00:00.000Z';

/** The contract every IdentityStore implementation must satisfy. */
function identityStoreContract(name: string, open: () => Promise<IdentityStore & MessageLog>): void {
  describe(`IdentityStore contract: ${name}`, () => {
    let store: IdentityStore & MessageLog;
    let reads: StoreReads;
    before(async () => {
      store = await open();
      reads = storeReads(store);
    });
    after(async () => {
      await store?.close();
    });

    test('getTraits of an unknown user is {}', async () => {
      assert.deepEqual(await reads.getTraits(uid('nobody')), {});
    });

    test('traits merge: newer wins per key, older only fills missing keys', async () => {
      const userId = uid('user');
      await store.recordIdentify({ userId, traits: { name: 'Ann', plan: 'free' }, at: T2 });
      await store.recordIdentify({ userId, traits: { plan: 'pro', city: 'Cork' }, at: T3 });
      // Older than both: must not overwrite, only fills `age`.
      await store.recordIdentify({ userId, traits: { name: 'Old', plan: 'old', age: 41 }, at: T1 });
      assert.deepEqual(await reads.getTraits(userId), { name: 'Ann', plan: 'pro', city: 'Cork', age: 41 });
    });

    test('traits merge is decided per key (late-arriving identify beats an older key)', async () => {
      const userId = uid('user');
      await store.recordIdentify({ userId, traits: { a: 'a@T1' }, at: T1 });
      await store.recordIdentify({ userId, traits: { b: 'b@T3' }, at: T3 });
      await store.recordIdentify({ userId, traits: { a: 'a@T2', b: 'b@T2' }, at: T2 });
      assert.deepEqual(await reads.getTraits(userId), { a: 'a@T2', b: 'b@T3' });
    });

    test('recordIdentify is idempotent (retried activities)', async () => {
      const userId = uid('user');
      const first = { userId, anonymousId: uid('anon'), traits: { email: 'x@example.com', n: 1 }, at: T1 };
      const second = { userId, traits: { n: 2 }, at: T2 };
      await store.recordIdentify(first);
      await store.recordIdentify(second);
      const expected = { email: 'x@example.com', n: 2 };
      assert.deepEqual(await reads.getTraits(userId), expected);
      await store.recordIdentify(first); // retry of the older one
      await store.recordIdentify(second);
      await store.recordIdentify(second);
      assert.deepEqual(await reads.getTraits(userId), expected);
      assert.equal(await store.resolveUserId(first.anonymousId), userId);
    });

    test('trait values round-trip as JSON (nested, null, arrays, unicode)', async () => {
      const userId = uid('user');
      const traits = {
        address: { city: 'Dublin', lines: ['1 Main St', null] },
        nothing: null,
        flag: false,
        score: 12.5,
        'weird key "quoted"': 'héllo ✓',
      };
      await store.recordIdentify({ userId, traits, at: T1 });
      assert.deepEqual(await reads.getTraits(userId), traits);
    });

    test('identify with an anonymousId links it to the userId', async () => {
      const userId = uid('user');
      const anonymousId = uid('anon');
      await store.recordIdentify({ userId, anonymousId, traits: {}, at: T2 });
      assert.equal(await store.resolveUserId(anonymousId), userId);

      // A newer identify from the same device re-links it; an older one does not.
      const other = uid('user');
      await store.recordIdentify({ userId: other, anonymousId, traits: {}, at: T1 });
      assert.equal(await store.resolveUserId(anonymousId), userId);
      await store.recordIdentify({ userId: other, anonymousId, traits: {}, at: T3 });
      assert.equal(await store.resolveUserId(anonymousId), other);
    });

    test('alias links a previous id to a userId, idempotently', async () => {
      const previousId = uid('old');
      const userId = uid('user');
      await store.linkAlias(previousId, userId, T1);
      await store.linkAlias(previousId, userId, T1);
      assert.equal(await store.resolveUserId(previousId), userId);
      assert.equal(await store.resolveUserId(userId), null);
    });

    test('alias chains resolve to the latest id; cycles and self-aliases are harmless', async () => {
      const anon = uid('anon');
      const u1 = uid('user');
      const u2 = uid('user');
      await store.recordIdentify({ userId: u1, anonymousId: anon, traits: {}, at: T1 });
      await store.linkAlias(u1, u2, T2);
      assert.equal(await store.resolveUserId(anon), u2);
      assert.equal(await store.resolveUserId(u1), u2);

      await store.linkAlias(u2, u1, T2); // cycle u1 -> u2 -> u1
      assert.equal(await store.resolveUserId(u1), u2);
      assert.equal(await store.resolveUserId(u2), u1);

      const solo = uid('user');
      await store.linkAlias(solo, solo, T1);
      assert.equal(await store.resolveUserId(solo), null);
    });

    test('an unknown id resolves to null', async () => {
      assert.equal(await store.resolveUserId(uid('never-seen')), null);
    });

    test('consent: lower-cased categories, newer wins, ties revoke', async () => {
      const userId = uid('user');
      assert.deepEqual(await reads.getConsent(userId), {});
      await store.setConsent({ userId, category: 'Marketing', granted: true, at: T2 });
      await store.setConsent({ userId, category: 'SMS', granted: false, at: T1 });
      assert.deepEqual(await reads.getConsent(userId), { marketing: true, sms: false });

      await store.setConsent({ userId, category: 'marketing', granted: false, at: T1 }); // older: ignored
      assert.deepEqual(await reads.getConsent(userId), { marketing: true, sms: false });
      await store.setConsent({ userId, category: ' MARKETING ', granted: false, at: T3 }); // newer: wins
      await store.setConsent({ userId, category: 'sms', granted: true, at: T2 });
      assert.deepEqual(await reads.getConsent(userId), { marketing: false, sms: true });
      await store.setConsent({ userId, category: 'sms', granted: true, at: T2 }); // idempotent
      assert.deepEqual(await reads.getConsent(userId), { marketing: false, sms: true });

      await store.setConsent({ userId, category: 'sms', granted: false, at: T2 }); // tie: revocation wins
      await store.setConsent({ userId, category: 'sms', granted: true, at: T2 });
      assert.deepEqual(await reads.getConsent(userId), { marketing: false, sms: false });
    });

    test('consent records carry when each decision was made', async () => {
      const userId = uid('user');
      await store.setConsent({ userId, category: 'marketing', granted: false, at: '2026-02-01T10:00:00+02:00' });
      assert.deepEqual(await store.getConsentRecords(userId), [{ category: 'marketing', granted: false, at: '2026-02-01T08:00:00.000Z', source: 'webhook' }]);
    });

    test('message events: recorded once per id, listed newest first per user', async () => {
      const userId = uid('user');
      const event = (id: string, at: string) => ({
        id,
        connection: 'main',
        userId,
        profileId: 'p1',
        campaignId: '7',
        messageType: 'email',
        event: 'message_send',
        at,
        errorMessage: null,
        body: { id, nested: [1] },
      });
      await store.recordMessageEvent(event(uid('m'), '2026-01-01T00:00:00Z'));
      const second = event(uid('m'), '2026-01-02T00:00:00Z');
      await store.recordMessageEvent(second);
      await store.recordMessageEvent({ ...second, event: 'changed' }); // a retry of the same id changes nothing
      const listed = await reads.listMessageEvents(userId);
      assert.equal(listed.length, 2);
      assert.equal(listed[0]!.id, second.id);
      assert.equal(listed[0]!.event, 'message_send');
      assert.equal(listed[0]!.at, '2026-01-02T00:00:00Z');
      assert.deepEqual(listed[0]!.body, second.body);
      assert.equal((await reads.listMessageEvents(userId, { limit: 1 })).length, 1);
    });

    test('channel webhooks are kept as they came, once per id', async () => {
      const id = uid('c');
      const body = [{ a: 1 }, 'two', null];
      await store.recordChannelWebhook({ id, connection: 'main', receivedAt: T1, body });
      await store.recordChannelWebhook({ id, connection: 'main', receivedAt: T2, body: { other: true } });
      assert.deepEqual(await reads.getChannelWebhook(id), body);
      assert.equal(await reads.getChannelWebhook(uid('missing')), null);
    });

    test('timestamps with offsets compare as instants', async () => {
      const userId = uid('user');
      await store.recordIdentify({ userId, traits: { k: 'utc-noon' }, at: '2024-05-01T12:00:00Z' });
      // 13:30+02:00 is 11:30Z: older, so ignored.
      await store.recordIdentify({ userId, traits: { k: 'older' }, at: '2024-05-01T13:30:00+02:00' });
      assert.deepEqual(await reads.getTraits(userId), { k: 'utc-noon' });
    });

    test('50 concurrent identifies with different keys: none lost', async () => {
      const userId = uid('user');
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store.recordIdentify({ userId, traits: { [`k${i}`]: i, shared: i }, at: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() }),
        ),
      );
      const traits = await reads.getTraits(userId);
      assert.equal(Object.keys(traits).length, 51);
      for (let i = 0; i < 50; i++) assert.equal(traits[`k${i}`], i);
      assert.equal(traits.shared, 49); // the newest identify wins the shared key
    });

    test('concurrent identifies in shuffled order: newest per key wins', async () => {
      const userId = uid('user');
      const order = Array.from({ length: 30 }, (_, i) => i).sort(() => Math.random() - 0.5);
      await Promise.all(
        order.map((i) => store.recordIdentify({ userId, traits: { v: i, [`only${i}`]: true }, at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString() })),
      );
      const traits = await reads.getTraits(userId);
      assert.equal(traits.v, 29);
      assert.equal(Object.keys(traits).length, 31);
    });

    test("eraseSubject removes one person's rows (a dry run only counts them), leaves others alone, and is idempotent", async () => {
      const [userId, other, anonymousId, unlinked, oldId] = [uid('user'), uid('other'), uid('anon'), uid('anon'), uid('old')];
      for (const who of [userId, other]) {
        await store.recordIdentify({ userId: who, traits: { email: `${who}@example.com` }, at: T1, anonymousId: who === userId ? anonymousId : uid('anon') });
        await store.setConsent({ userId: who, category: 'marketing', granted: true, at: T1 });
        await store.observeConsent({ userId: who, category: 'marketing', granted: true, at: T1 });
        await store.recordMessageEvent({
          id: uid('m'),
          connection: 'main',
          userId: who,
          profileId: null,
          campaignId: null,
          messageType: null,
          event: 'message_open',
          at: T1,
          errorMessage: null,
          body: {},
        });
        await store.recordChannelWebhook({ id: uid('c'), connection: 'main', receivedAt: T1, body: { recipients: [{ user_id: who }] } });
      }
      await store.linkAlias(oldId, userId, T2);
      const counts = { traits: 1, links: 2, consentDecisions: 1, consentObservations: 1, messageEvents: 1, channelWebhooks: 1 };
      const planned = await store.eraseSubject({ userId, anonymousIds: [unlinked], dryRun: true });
      assert.deepEqual(planned, { anonymousIds: [anonymousId, oldId, unlinked].sort(), ...counts });
      assert.equal(await store.resolveUserId(anonymousId), userId, 'a dry run deletes nothing');

      assert.deepEqual(await store.eraseSubject({ userId, anonymousIds: [unlinked], dryRun: false }), planned);
      assert.deepEqual(await reads.getTraits(userId), {});
      assert.equal(await store.resolveUserId(anonymousId), null);
      assert.equal(await store.resolveUserId(oldId), null);
      assert.deepEqual(await reads.getConsent(userId), {});
      assert.deepEqual(await reads.listMessageEvents(userId), []);
      const again = await store.eraseSubject({ userId, anonymousIds: [], dryRun: false });
      assert.deepEqual(again, { anonymousIds: [], traits: 0, links: 0, consentDecisions: 0, consentObservations: 0, messageEvents: 0, channelWebhooks: 0 });
      // The other person's rows are all there.
      const { anonymousIds: otherIds, ...otherCounts } = await store.eraseSubject({ userId: other, anonymousIds: [], dryRun: true });
      assert.equal(otherIds.length, 1);
      assert.deepEqual(otherCounts, { ...counts, links: 1 });
    });

    test('the suppression list and the privacy log', async () => {
      const subject = uid('subject');
      assert.equal(await store.isSuppressed(subject), false);
      assert.equal(await store.suppress(subject), true);
      assert.equal(await store.suppress(subject), false, 'already suppressed');
      assert.equal(await store.isSuppressed(subject), true);
      assert.equal((await store.loadProfile({ userId: uid('user') }, subject)).suppressed, true);
      assert.equal((await store.loadProfile({ userId: uid('user') }, uid('nobody'))).suppressed, false);
      assert.ok((await store.listSuppressed()).some((s) => s.subject === subject));
      assert.equal(await store.unsuppress(subject), true);
      assert.equal(await store.unsuppress(subject), false);
      assert.equal(await store.isSuppressed(subject), false);

      await store.recordPrivacyAction({ action: 'erase', subject, counts: { traits: 3 }, ticket: 'T-1' });
      await store.recordPrivacyAction({ action: 'suppress', subject, counts: { added: 1 }, ticket: null });
      const [newest, previous] = (await store.listPrivacyLog(100)).filter((e) => e.subject === subject);
      assert.deepEqual({ ...newest, at: undefined }, { action: 'suppress', subject, counts: { added: 1 }, ticket: null, at: undefined });
      assert.deepEqual(previous!.counts, { traits: 3 });
      assert.match(previous!.at, /^\d{4}-\d{2}-\d{2}T/);
    });

    test('rejects invalid input before it reaches SQL', async () => {
      await assert.rejects(store.recordIdentify({ userId: '', traits: {}, at: T1 }), TypeError);
      await assert.rejects(store.recordIdentify({ userId: uid('u'), traits: {}, at: 'now' }), TypeError);
      await assert.rejects(store.recordIdentify({ userId: uid('u'), traits: {}, at: '2024-01-01T00:00:00' }), TypeError);
      await assert.rejects(store.recordIdentify({ userId: uid('u'), traits: [] as never, at: T1 }), TypeError);
      await assert.rejects(store.setConsent({ userId: uid('u'), category: '  ', granted: true, at: T1 }), TypeError);
    });
  });
}

// ---------------------------------------------------------------- embedded

identityStoreContract('embedded (in memory)', () => openIdentityStore({ kind: 'embedded' }));

describe('embedded store in a data directory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'identity-store-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  identityStoreContract('embedded (data dir)', () => openIdentityStore({ kind: 'embedded', dataDir: join(dir, 'contract') }));

  test('data survives closing and reopening the directory', async () => {
    const dataDir = join(dir, 'reopen', 'nested'); // created if missing
    const first = await openIdentityStore({ kind: 'embedded', dataDir });
    await first.recordIdentify({ userId: 'u1', anonymousId: 'a1', traits: { plan: 'pro' }, at: T1 });
    await first.linkAlias('old-u1', 'u1', T1);
    await first.setConsent({ userId: 'u1', category: 'email', granted: false, at: T1 });
    await first.close();

    const second = await openIdentityStore({ kind: 'embedded', dataDir }); // migrations not re-applied
    try {
      assert.deepEqual(await storeReads(second).getTraits('u1'), { plan: 'pro' });
      assert.equal(await second.resolveUserId('a1'), 'u1');
      assert.equal(await second.resolveUserId('old-u1'), 'u1');
      assert.deepEqual(await storeReads(second).getConsent('u1'), { email: false });
    } finally {
      await second.close();
    }
  });

  test('a directory left half-made by an interrupted first start is made again', async () => {
    const dataDir = join(dir, 'interrupted');
    await mkdir(`${dataDir}.creating`, { recursive: true });
    await writeFile(join(`${dataDir}.creating`, 'PG_VERSION'), 'half-made');
    const store = await openIdentityStore({ kind: 'embedded', dataDir });
    try {
      await store.recordIdentify({ userId: 'u1', anonymousId: 'a1', traits: {}, at: T1 });
      assert.equal(await store.resolveUserId('a1'), 'u1');
      assert.equal(existsSync(`${dataDir}.creating`), false);
    } finally {
      await store.close();
    }
  });

  test('a directory holding files that are not a store is refused, and left as it was', async () => {
    const dataDir = join(dir, 'not-a-store');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'notes.txt'), 'keep me');
    await assert.rejects(openIdentityStore({ kind: 'embedded', dataDir }), /holds files but no identity store/);
    assert.equal(await readFile(join(dataDir, 'notes.txt'), 'utf8'), 'keep me');
    assert.equal(existsSync(`${dataDir}.creating`), false);
  });

  test('a data directory given as a symbolic link is created, and opened, where the link points', async () => {
    const target = join(dir, 'link-target');
    const dataDir = join(dir, 'link');
    await mkdir(target);
    await symlink(target, dataDir);
    const store = await openIdentityStore({ kind: 'embedded', dataDir });
    await store.close();
    assert.equal((await lstat(dataDir)).isSymbolicLink(), true);
    assert.equal(existsSync(join(target, 'PG_VERSION')), true);
  });
});

// ---------------------------------------------------------------- postgres

describe('postgres store', () => {
  const schemas: string[] = [];
  const schemaFor = (label: string): string => {
    const s = `identity_test_${RUN}_${label}`;
    schemas.push(s);
    return s;
  };
  const pgConfig = (schema: string): IdentityStoreConfig => ({ kind: 'postgres', connectionString: DATABASE_URL, schema });

  async function withClient<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ connectionString: DATABASE_URL });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  after(async () => {
    await withClient(async (c) => {
      for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    });
  });

  const contractSchema = schemaFor('contract');
  identityStoreContract('postgres', () => openIdentityStore(pgConfig(contractSchema)));

  test('tables live in the configured schema', async () => {
    const schema = schemaFor('layout');
    const store = await openIdentityStore(pgConfig(schema));
    await store.close();
    const tables = await withClient(async (c) =>
      (await c.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1', [schema])).rows.map(
        (r) => r.table_name,
      ),
    );
    assert.deepEqual(tables, [
      'channel_webhooks',
      'consent_observed',
      'identity_consent',
      'identity_links',
      'identity_traits',
      'ingest_retries',
      'message_events',
      'privacy_log',
      'schema_migrations',
      'suppressed_subjects',
    ]);
  });

  test('several stores opened concurrently on one new schema all migrate without error', async () => {
    const schema = schemaFor('concurrent');
    const stores = await Promise.all(Array.from({ length: 4 }, () => openIdentityStore(pgConfig(schema))));
    try {
      const versions = await withClient(async (c) =>
        (await c.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows.map((r) => r.version),
      );
      assert.deepEqual(
        versions,
        migrations.map((m) => m.version),
      );

      // They share data: a write through one is visible through the others.
      await stores[0].recordIdentify({ userId: 'shared', traits: { a: 1 }, at: T1 });
      await stores[1].recordIdentify({ userId: 'shared', traits: { b: 2 }, at: T2 });
      assert.deepEqual(await storeReads(stores[3]).getTraits('shared'), { a: 1, b: 2 });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('concurrent identifies through two stores (two pools) lose no key', async () => {
    const schema = schemaFor('twopools');
    const [a, b] = await Promise.all([openIdentityStore(pgConfig(schema)), openIdentityStore(pgConfig(schema))]);
    try {
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).recordIdentify({ userId: 'u', traits: { [`k${i}`]: i }, at: T1 })));
      assert.equal(Object.keys(await storeReads(a).getTraits('u')).length, 50);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

// ---------------------------------------------------------------- config

describe('openIdentityStore config validation', () => {
  test('rejects invalid configs with a readable error', async () => {
    const bad: unknown[] = [
      { kind: 'sqlite' },
      { kind: 'embedded', datadir: '/tmp/x' }, // typo must not silently mean "in memory"
      { kind: 'embedded', dataDir: '' },
      { kind: 'postgres' },
      { kind: 'postgres', connectionString: DATABASE_URL, schema: 'x; DROP TABLE y' },
      { kind: 'postgres', connectionString: DATABASE_URL, schema: '1abc' },
    ];
    for (const config of bad) {
      await assert.rejects(openIdentityStore(config as IdentityStoreConfig), /Invalid identity store config/, JSON.stringify(config));
    }
  });

  test('close is idempotent and a closed store rejects calls', async () => {
    const store = await openIdentityStore({ kind: 'embedded' });
    await store.close();
    await store.close();
    await assert.rejects(storeReads(store).getTraits('u'), /closed/);
  });
});
