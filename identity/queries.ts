/**
 * Every statement the identity store runs, shared by the embedded (PGlite) and
 * postgres (pg) implementations. Parameters are cast explicitly so both drivers
 * infer the same types; JSON goes in as text (`$n::jsonb`).
 */

/**
 * $1 userId, $2 traits (JSON object as text), $3 at (ISO-8601), $4 anonymousId or null.
 * One statement, so it is atomic: each trait key is upserted on its own row and
 * only overwritten by an identify at least as new as the one that set it (an older
 * identify therefore only fills missing keys). Concurrent identifies never lose a
 * key: they touch different rows or are serialised by the row lock of ON CONFLICT.
 * Keys are inserted in sorted order so concurrent multi-key upserts can't deadlock.
 */
export const RECORD_IDENTIFY = `
  WITH traits AS (
    INSERT INTO identity_traits AS t (user_id, key, value, at)
    SELECT $1::text, e.key, e.value, $3::timestamptz
    FROM jsonb_each($2::jsonb) AS e(key, value)
    ORDER BY e.key
    ON CONFLICT (user_id, key) DO UPDATE
      SET value = EXCLUDED.value, at = EXCLUDED.at
      WHERE EXCLUDED.at >= t.at
    RETURNING 1
  ), link AS (
    INSERT INTO identity_links AS l (previous_id, user_id, source, linked_at)
    SELECT $4::text, $1::text, 'identify', $3::timestamptz
    WHERE $4::text IS NOT NULL AND $4::text <> $1::text
    ON CONFLICT (previous_id) DO UPDATE
      SET user_id = EXCLUDED.user_id, source = EXCLUDED.source, linked_at = EXCLUDED.linked_at
      WHERE EXCLUDED.linked_at >= l.linked_at
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM traits)::int AS traits, (SELECT count(*) FROM link)::int AS links
`;

/**
 * $1 previousId, $2 userId, $3 at. An alias (re)points previousId at userId unless a newer link of previousId is
 * stored, as an identify's link does. Self-links are ignored.
 */
export const LINK_ALIAS = `
  INSERT INTO identity_links AS l (previous_id, user_id, source, linked_at)
  SELECT $1::text, $2::text, 'alias', $3::timestamptz
  WHERE $1::text <> $2::text
  ON CONFLICT (previous_id) DO UPDATE
    SET user_id = EXCLUDED.user_id, source = EXCLUDED.source, linked_at = EXCLUDED.linked_at
    WHERE EXCLUDED.linked_at >= l.linked_at
`;

/**
 * $1 anonymousId or previous id -> `chain`: the ids it links to, one row per hop (anon -> oldUserId -> newUserId),
 * stopping at cycles and after 32 hops; the last is the user.
 */
const ALIAS_CHAIN = `
  WITH RECURSIVE chain (user_id, depth, path) AS (
    SELECT l.user_id, 1, ARRAY[l.previous_id, l.user_id]
    FROM identity_links l
    WHERE l.previous_id = $1::text
    UNION ALL
    SELECT l.user_id, c.depth + 1, c.path || l.user_id
    FROM chain c
    JOIN identity_links l ON l.previous_id = c.user_id
    WHERE l.user_id <> ALL (c.path) AND c.depth < 32
  )`;

/** $1 anonymousId or previous id -> zero or one row { user_id }: the last id of its ALIAS_CHAIN. */
export const RESOLVE_USER_ID = `
  ${ALIAS_CHAIN}
  SELECT user_id FROM chain ORDER BY depth DESC LIMIT 1
`;

/**
 * $1 userId, $2 category (already normalised), $3 granted, $4 at, $5 source.
 * Newer wins; on an exact tie a revocation wins, so the result does not depend
 * on the order in which retried activities arrive.
 */
export const SET_CONSENT = `
  INSERT INTO identity_consent AS c (user_id, category, granted, at, source)
  VALUES ($1::text, $2::text, $3::boolean, $4::timestamptz, $5::text)
  ON CONFLICT (user_id, category) DO UPDATE
    SET granted = EXCLUDED.granted, at = EXCLUDED.at, source = EXCLUDED.source
    WHERE EXCLUDED.at > c.at OR (EXCLUDED.at = c.at AND NOT EXCLUDED.granted)
`;

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** $1 userId -> one row per category with the time of the decision, as ISO-8601 UTC text. */
export const GET_CONSENT_RECORDS = `
  SELECT category, granted, to_char(at AT TIME ZONE 'UTC', ${ISO}) AS at, source
  FROM identity_consent
  WHERE user_id = $1::text
  ORDER BY category
`;

/** Everything the delivery of an event needs about the user in `who` (null when unknown); $2 their keyed hash or null. */
const PROFILE_OF_WHO = `
  SELECT
    who.user_id,
    (SELECT coalesce(jsonb_object_agg(t.key, t.value), '{}'::jsonb) FROM identity_traits t WHERE t.user_id = who.user_id) AS traits,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'category', c.category, 'granted', c.granted, 'at', to_char(c.at AT TIME ZONE 'UTC', ${ISO}), 'source', c.source
      ) ORDER BY c.category), '[]'::jsonb)
      FROM identity_consent c WHERE c.user_id = who.user_id) AS consent,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'category', o.category, 'granted', o.granted, 'at', to_char(o.at AT TIME ZONE 'UTC', ${ISO})
      ) ORDER BY o.category), '[]'::jsonb)
      FROM consent_observed o WHERE o.user_id = who.user_id) AS observed,
    EXISTS (SELECT 1 FROM suppressed_subjects s WHERE s.subject = $2::text) AS suppressed
  FROM who
`;

/**
 * $1 userId, $2 their keyed hash or null -> one row: PROFILE_OF_WHO. Most events name their user: leaving out the
 * alias-chain walk takes about a third off this statement's time on the embedded store.
 */
export const LOAD_PROFILE_OF_USER = `
  WITH who AS (SELECT $1::text AS user_id)
  ${PROFILE_OF_WHO}
`;

/**
 * $1 anonymousId (or previous id), $2 a keyed hash or null -> one row: PROFILE_OF_WHO for the last id of its
 * ALIAS_CHAIN, as RESOLVE_USER_ID finds it.
 */
export const LOAD_PROFILE_OF_ANONYMOUS = `
  ${ALIAS_CHAIN}, who AS (
    SELECT (SELECT user_id FROM chain ORDER BY depth DESC LIMIT 1) AS user_id
  )
  ${PROFILE_OF_WHO}
`;

/**
 * $1 userId, $2 category, $3 granted, $4 at -> one row { previous: boolean | null, newest: boolean }.
 * Records what the consent manager said, unless a newer observation is already stored, and returns what was stored
 * before: a change from denied or absent to granted is an opt-in.
 */
export const OBSERVE_CONSENT = `
  WITH previous AS (
    SELECT granted FROM consent_observed WHERE user_id = $1::text AND category = $2::text
  ), upserted AS (
    INSERT INTO consent_observed AS o (user_id, category, granted, at)
    VALUES ($1::text, $2::text, $3::boolean, $4::timestamptz)
    ON CONFLICT (user_id, category) DO UPDATE
      SET granted = EXCLUDED.granted, at = EXCLUDED.at
      WHERE EXCLUDED.at >= o.at
    RETURNING 1
  )
  SELECT (SELECT granted FROM previous) AS previous, EXISTS (SELECT 1 FROM upserted) AS newest
`;

/** $1 id, $2 connection, $3 user_id, $4 profile_id, $5 campaign_id, $6 message_type, $7 event, $8 at, $9 error_message, $10 body. */
export const RECORD_MESSAGE_EVENT = `
  INSERT INTO message_events (id, connection, user_id, profile_id, campaign_id, message_type, event, at, error_message, body)
  VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::timestamptz, $9::text, $10::jsonb)
  ON CONFLICT (id) DO NOTHING
`;

/** $1 id, $2 connection, $3 received_at, $4 body. */
export const RECORD_CHANNEL_WEBHOOK = `
  INSERT INTO channel_webhooks (id, connection, received_at, body)
  VALUES ($1::text, $2::text, $3::timestamptz, $4::jsonb)
  ON CONFLICT (id) DO NOTHING
`;

/** $1 request digest, $2 salt: remembers a request answered 503 (the first salt stays), forgetting those a day old. */
export const REMEMBER_RETRY = `
  WITH pruned AS (DELETE FROM ingest_retries WHERE at < now() - interval '1 day')
  INSERT INTO ingest_retries (digest, salt) VALUES ($1::text, $2::text)
  ON CONFLICT (digest) DO NOTHING
`;

/** $1 request digest -> zero or one row { salt }. */
export const FIND_RETRY = `SELECT salt FROM ingest_retries WHERE digest = $1::text AND at > now() - interval '1 day'`;

/** A webhook channel call's body is campaign-defined JSON: it names the user when any value in it is their id. */
const NAMES_USER = `jsonb_path_exists(body, '$.** ? (@ == $id)', jsonb_build_object('id', $1::text))`;

/**
 * $1 userId, $2 anonymousIds (text[]), $3 dry run -> one row of counts and the anonymousIds linked to the user.
 * Everything stored about one person: traits, links from and to their ids, consent decisions and observations,
 * the campaign message events Xtremepush reported for them and the webhook channel calls naming them. A dry run
 * counts without deleting.
 */
export const ERASE_SUBJECT = `
  WITH anonymous AS (
    SELECT previous_id AS id FROM identity_links WHERE user_id = $1::text
    UNION SELECT unnest($2::text[])
  ), traits AS (
    DELETE FROM identity_traits WHERE user_id = $1::text AND NOT $3::boolean RETURNING 1
  ), links AS (
    DELETE FROM identity_links
    WHERE (user_id = $1::text OR previous_id = $1::text OR previous_id IN (SELECT id FROM anonymous)) AND NOT $3::boolean
    RETURNING 1
  ), consent AS (
    DELETE FROM identity_consent WHERE user_id = $1::text AND NOT $3::boolean RETURNING 1
  ), observed AS (
    DELETE FROM consent_observed WHERE user_id = $1::text AND NOT $3::boolean RETURNING 1
  ), messages AS (
    DELETE FROM message_events WHERE user_id = $1::text AND NOT $3::boolean RETURNING 1
  ), channel AS (
    DELETE FROM channel_webhooks WHERE ${NAMES_USER} AND NOT $3::boolean RETURNING 1
  )
  SELECT
    (SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM anonymous) AS anonymous_ids,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM identity_traits WHERE user_id = $1::text) ELSE (SELECT count(*) FROM traits) END::int AS traits,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM identity_links WHERE user_id = $1::text OR previous_id = $1::text OR previous_id IN (SELECT id FROM anonymous))
      ELSE (SELECT count(*) FROM links) END::int AS links,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM identity_consent WHERE user_id = $1::text) ELSE (SELECT count(*) FROM consent) END::int AS consent_decisions,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM consent_observed WHERE user_id = $1::text) ELSE (SELECT count(*) FROM observed) END::int AS consent_observations,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM message_events WHERE user_id = $1::text) ELSE (SELECT count(*) FROM messages) END::int AS message_events,
    CASE WHEN $3::boolean THEN (SELECT count(*) FROM channel_webhooks WHERE ${NAMES_USER}) ELSE (SELECT count(*) FROM channel) END::int AS channel_webhooks
`;

/** $1 subject hash -> a row when suppressed. */
export const IS_SUPPRESSED = `SELECT 1 FROM suppressed_subjects WHERE subject = $1::text`;

/** $1 subject hash -> one row { added } (false: it was suppressed already). */
export const SUPPRESS = `
  WITH added AS (INSERT INTO suppressed_subjects (subject) VALUES ($1::text) ON CONFLICT (subject) DO NOTHING RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM added) AS added
`;

/** $1 subject hash -> one row { removed }. */
export const UNSUPPRESS = `
  WITH removed AS (DELETE FROM suppressed_subjects WHERE subject = $1::text RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM removed) AS removed
`;

export const LIST_SUPPRESSED = `
  SELECT subject, to_char(at AT TIME ZONE 'UTC', ${ISO}) AS at FROM suppressed_subjects ORDER BY at, subject
`;

/** $1 action, $2 subject hash, $3 counts (JSON), $4 ticket or null. */
export const RECORD_PRIVACY_ACTION = `
  INSERT INTO privacy_log (action, subject, counts, ticket) VALUES ($1::text, $2::text, $3::jsonb, $4::text)
`;

/** $1 limit -> newest first. */
export const LIST_PRIVACY_LOG = `
  SELECT to_char(at AT TIME ZONE 'UTC', ${ISO}) AS at, action, subject, counts, ticket
  FROM privacy_log ORDER BY id DESC LIMIT $1::int
`;
