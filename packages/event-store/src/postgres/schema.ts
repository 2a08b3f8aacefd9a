import { createHash } from "node:crypto";
import type pg from "pg";
import { EVENT_HASH_VERSION } from "../hash-chain";
import { keyVaultTableSql } from "../vault/postgres-key-vault";
import { assertSchemaName } from "./identifiers";
import { toStoreError } from "./pg-errors";

/**
 * The advisory lock that makes reading the global log gapless (one per schema, so two stores in one
 * database do not block each other). Appenders hold it shared while they take positions and insert;
 * `head_position()` takes it exclusively for an instant.
 */
export function positionLockKey(schema: string): bigint {
  return createHash("sha256").update(`motcua.event_store.positions:${schema}`).digest().readBigInt64BE(0);
}

const migrationLockKey = (schema: string): bigint =>
  createHash("sha256").update(`motcua.event_store.migrate:${schema}`).digest().readBigInt64BE(0);

/**
 * Everything the Postgres adapter needs, idempotent (IF NOT EXISTS / OR REPLACE).
 *
 * Gapless reading. Positions come from a sequence, so a transaction that took position 7 may commit after
 * one that took position 8; a reader that saw 8 and moved its checkpoint past 7 would skip 7 forever. So
 * every appender takes positions and inserts while holding one advisory lock in SHARED mode (appenders
 * never block each other), and `head_position()` takes the same lock EXCLUSIVELY: it is granted only when
 * no append is in flight, and at that instant every position the sequence has handed out belongs to a
 * transaction that has committed or rolled back. The sequence's last value is then a safe head: readers
 * read `position <= head` only, and any later append gets a higher position. Rolled-back positions leave
 * permanent holes, which readers simply never see. The exclusive lock makes new appenders wait only for
 * the appends already in flight (a few milliseconds), and subscribers ask for the head once per wake-up.
 *
 * Hash chain. `append_events` computes each event's hash in SQL with the same layout as `hashInput` in
 * hash-chain.ts, over the exact JSON text it stores (`json` columns keep text verbatim).
 */
export function eventStoreSchemaSql(schema: string): string {
  assertSchemaName(schema);
  const lock = positionLockKey(schema).toString();
  return `
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE SEQUENCE IF NOT EXISTS ${schema}.event_position AS bigint;

CREATE TABLE IF NOT EXISTS ${schema}.events (
  position bigint PRIMARY KEY,
  stream_id text NOT NULL,
  revision integer NOT NULL CHECK (revision > 0),
  event_id uuid NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  data json NOT NULL,
  metadata json NOT NULL,
  personal_key_id uuid,
  hash text NOT NULL,
  prev_hash text,
  CONSTRAINT events_stream_revision_key UNIQUE (stream_id, revision),
  CONSTRAINT events_event_id_key UNIQUE (event_id)
);
${keyVaultTableSql(schema)}
-- Where a person's data is (subjectStreams): the events sealed under a key.
CREATE INDEX IF NOT EXISTS events_personal_key_idx ON ${schema}.events (personal_key_id)
  WHERE personal_key_id IS NOT NULL;

CREATE OR REPLACE FUNCTION ${schema}.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'the event log is append-only' USING ERRCODE = 'MC003';
END $fn$;
CREATE OR REPLACE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${schema}.events
  FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_event_change();
CREATE OR REPLACE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${schema}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${schema}.refuse_event_change();

-- p_expected: -1 any, 0 no stream, n > 0 the stream's current last revision.
-- The events come as p_count values packed in text: ids, schema versions, key ids and hashes joined by
-- ',', types, data and metadata by the record separator U+001E (canonical JSON never contains a raw control
-- character); a single metadata text stands for all events. p_key_ids is NULL when no event carries
-- personal data.
-- p_hashes, when given, were computed by the client on top of (p_hash_base, p_prev_hash); they are used only
-- if that is still the stream's head, otherwise the chain is computed here. Either way the layout is the one
-- of hashInput() in hash-chain.ts.
-- p_new_key_ids, p_new_subjects, p_new_wrapped, when given: data keys the client made (wrapped) for subjects it
-- knew no key of, stored in the append's transaction; a subject that has a key already refuses it (MC002).
-- (The 13-parameter version of earlier releases stays for processes not yet upgraded.)
-- Returns one row: 'appended' with the first revision, the positions (joined by ',') and the prev hash of the
-- first event, plus the hashes (joined by ',') unless the client's were used; or 'conflict' with the actual
-- revision; or 'duplicate' (the first event id exists: the command was appended before). Only 'appended'
-- writes anything.
CREATE OR REPLACE FUNCTION ${schema}.append_events(
  p_stream_id text,
  p_expected bigint,
  p_check_duplicate boolean,
  p_count integer,
  p_event_ids text,
  p_types text,
  p_schema_versions text,
  p_data text,
  p_metadata text,
  p_key_ids text,
  p_hash_base integer,
  p_prev_hash text,
  p_hashes text,
  p_new_key_ids text[],
  p_new_subjects text[],
  p_new_wrapped bytea[]
) RETURNS TABLE (o_status text, o_revision integer, o_positions text, o_prev_hash text, o_hashes text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_head integer;
  v_prev text;
  v_first_id uuid := CASE WHEN p_count = 1 THEN p_event_ids::uuid ELSE split_part(p_event_ids, ',', 1)::uuid END;
  v_client_hashes boolean;
  v_position bigint;
  v_hash text;
  v_ids uuid[];
  v_types text[];
  v_versions integer[];
  v_data json[];
  v_metadata json[];
  v_key_ids uuid[];
  v_positions bigint[];
  v_hashes text[] := '{}';
  v_prevs text[] := '{}';
  v_keys uuid[];
  v_found integer;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(${lock});

  SELECT e.revision, e.hash INTO v_head, v_prev
    FROM ${schema}.events e WHERE e.stream_id = p_stream_id
    ORDER BY e.revision DESC LIMIT 1;

  IF p_check_duplicate
     OR (p_expected = 0 AND v_head IS NOT NULL)
     OR (p_expected > 0 AND v_head IS DISTINCT FROM p_expected) THEN
    IF EXISTS (SELECT 1 FROM ${schema}.events e WHERE e.event_id = v_first_id) THEN
      RETURN QUERY SELECT 'duplicate'::text, NULL::integer, NULL::text, NULL::text, NULL::text;
      RETURN;
    END IF;
    IF NOT (p_expected = -1 OR (p_expected = 0 AND v_head IS NULL)
            OR (p_expected > 0 AND v_head IS NOT DISTINCT FROM p_expected)) THEN
      RETURN QUERY SELECT 'conflict'::text, v_head, NULL::text, NULL::text, NULL::text;
      RETURN;
    END IF;
  END IF;

  -- Keys the client made for subjects it knew no key of: stored with the events. A subject that has a key
  -- already keeps it, and the append is refused (MC002) for the client to seal again under that one.
  IF p_new_key_ids IS NOT NULL THEN
    INSERT INTO ${schema}.subject_keys (key_id, subject_id, wrapped_key)
      SELECT n.k::uuid, n.s, n.w FROM unnest(p_new_key_ids, p_new_subjects, p_new_wrapped) AS n(k, s, w)
      ON CONFLICT (subject_id) DO NOTHING;
    GET DIAGNOSTICS v_found = ROW_COUNT;
    IF v_found < cardinality(p_new_key_ids) THEN
      RAISE EXCEPTION 'a subject of this append has a data key already' USING ERRCODE = 'MC002';
    END IF;
  END IF;

  -- A data key must still exist, and must not be forgotten while this append commits.
  IF p_key_ids IS NOT NULL THEN
    v_key_ids := string_to_array(p_key_ids, ',', '')::uuid[]; -- '' stands for an event without personal data
    SELECT array_agg(DISTINCT k) INTO v_keys FROM unnest(v_key_ids) AS k WHERE k IS NOT NULL;
    SELECT count(*) INTO v_found FROM (
      SELECT 1 FROM ${schema}.subject_keys sk WHERE sk.key_id = ANY (v_keys) FOR KEY SHARE
    ) AS held;
    IF v_found < cardinality(v_keys) THEN
      RAISE EXCEPTION 'a data key of this append no longer exists' USING ERRCODE = 'MC001';
    END IF;
  END IF;

  v_head := coalesce(v_head, 0);
  v_client_hashes := p_hashes IS NOT NULL AND p_hash_base = v_head AND p_prev_hash IS NOT DISTINCT FROM v_prev;

  IF p_count = 1 THEN
    -- The common case: plain expressions and one single-row INSERT.
    v_position := nextval('${schema}.event_position');
    IF v_client_hashes THEN
      v_hash := p_hashes;
    ELSE
      v_hash := encode(sha256(convert_to(concat_ws(E'\\n',
        '${EVENT_HASH_VERSION}', coalesce(v_prev, ''), p_stream_id, (v_head + 1)::text, v_first_id::text,
        p_types, p_schema_versions, p_data, p_metadata), 'UTF8')), 'hex');
    END IF;
    INSERT INTO ${schema}.events
      (position, stream_id, revision, event_id, type, schema_version, data, metadata, personal_key_id, hash, prev_hash)
    VALUES (v_position, p_stream_id, v_head + 1, v_first_id, p_types, p_schema_versions::integer, p_data::json,
      p_metadata::json, v_key_ids[1], v_hash, v_prev);
    o_status := 'appended';
    o_revision := v_head + 1;
    o_positions := v_position::text;
    o_prev_hash := v_prev;
    o_hashes := CASE WHEN v_client_hashes THEN NULL ELSE v_hash END;
    RETURN NEXT;
    RETURN;
  END IF;

  v_ids := string_to_array(p_event_ids, ',')::uuid[];
  v_types := string_to_array(p_types, E'\\x1e');
  v_versions := string_to_array(p_schema_versions, ',')::integer[];
  v_data := string_to_array(p_data, E'\\x1e')::json[];
  IF strpos(p_metadata, E'\\x1e') = 0 THEN
    v_metadata := array_fill(p_metadata::json, ARRAY[p_count]); -- one metadata shared by every event
  ELSE
    v_metadata := string_to_array(p_metadata, E'\\x1e')::json[];
  END IF;
  IF cardinality(v_ids) <> p_count OR cardinality(v_types) <> p_count OR cardinality(v_versions) <> p_count
     OR cardinality(v_data) <> p_count OR cardinality(v_metadata) <> p_count THEN
    RAISE EXCEPTION 'append_events: the packed events do not add up to p_count' USING ERRCODE = 'MC004';
  END IF;

  SELECT array_agg(nextval('${schema}.event_position') ORDER BY g) INTO v_positions
    FROM generate_series(1, p_count) AS g;

  IF v_client_hashes THEN
    v_hashes := string_to_array(p_hashes, ',');
    v_prevs := array_prepend(v_prev, v_hashes[1 : p_count - 1]);
  ELSE
    v_hash := v_prev;
    FOR i IN 1 .. p_count LOOP
      v_prevs[i] := v_hash;
      v_hash := encode(sha256(convert_to(concat_ws(E'\\n',
        '${EVENT_HASH_VERSION}', coalesce(v_hash, ''), p_stream_id, (v_head + i)::text, v_ids[i]::text,
        v_types[i], v_versions[i]::text, v_data[i]::text, v_metadata[i]::text), 'UTF8')), 'hex');
      v_hashes[i] := v_hash;
    END LOOP;
  END IF;

  INSERT INTO ${schema}.events
    (position, stream_id, revision, event_id, type, schema_version, data, metadata, personal_key_id, hash, prev_hash)
  SELECT u.pos, p_stream_id, v_head + u.n::integer, u.id, u.typ, u.ver, u.dat, u.met, u.kid, u.h, u.ph
    FROM unnest(v_positions, v_ids, v_types, v_versions, v_data, v_metadata,
                coalesce(v_key_ids, array_fill(NULL::uuid, ARRAY[p_count])), v_hashes, v_prevs)
      WITH ORDINALITY AS u(pos, id, typ, ver, dat, met, kid, h, ph, n);

  RETURN QUERY SELECT 'appended'::text, v_head + 1, array_to_string(v_positions, ','), v_prev,
    CASE WHEN v_client_hashes THEN NULL ELSE array_to_string(v_hashes, ',') END;
END $fn$;

-- The highest position a reader may read: waits for in-flight appends (see above), then reads the sequence.
CREATE OR REPLACE FUNCTION ${schema}.head_position() RETURNS bigint LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(${lock});
  RETURN (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ${schema}.event_position);
END $fn$;
`;
}

/**
 * The one-INSERT appends' head check: the event the client hashed on (`$2` revision, `$9` hash) is in the
 * stream, found by one point lookup of the unique (stream_id, revision) index — not the stream's last row
 * read by a backward scan (`ORDER BY revision DESC LIMIT 1`), which cost Postgres more per append. That the
 * stream holds nothing after it is the unique index's to say: the insert takes revision `$2 + 1`, and if
 * that exists (the head moved, or a new stream's revision 1 exists: `$2` = 0 needs no lookup) the
 * INSERT fails on events_stream_revision_key (23505), which the store answers as a lost race — it asks
 * append_events, which reports the conflict or the duplicate. Revisions are contiguous (every append takes
 * the one after an existing head, or 1), so "revision `$2` holds `$9`" and "no revision `$2 + 1`" make
 * `($2, $9)` the head, as the backward scan did. A head the database does not hold (another event at that
 * revision, or none: a restore or a failover under a running process) inserts nothing, as before.
 */
const headIsHeld = (schema: string): string =>
  `($2::integer = 0 OR EXISTS (SELECT 1 FROM ${schema}.events e
      WHERE e.stream_id = $1::text AND e.revision = $2::integer AND e.hash = $9::text))`;

/**
 * The common append as one plain INSERT, without append_events' plpgsql (whose per-call machinery cost
 * more Postgres CPU than the insert itself): one event, its hash computed by the client on top of the head
 * it last saw (`$2` revision, `$9` hash; 0 and NULL for a new stream), no data key made by the client. A
 * sealed event's key (`$10`) must still exist and is held FOR KEY SHARE until commit, as append_events
 * holds it, so a subject cannot be forgotten under the append; a key already gone inserts nothing. It takes the
 * same shared advisory lock before taking a position (the lock is in the FROM clause, so the row whose
 * target list calls nextval cannot exist before it is held; a volatile sub-select is neither pulled up nor
 * pruned), and it inserts only if that head is still the stream's last event (headIsHeld and the unique
 * (stream_id, revision) index), so the hash chain and the expected revision hold exactly as in
 * append_events. A head that moved fails on that index (23505, as two racing appenders always did); no row
 * back means the head is not what the client thought, or a key is gone. Either way the store then calls
 * append_events, which tells a conflict from a duplicate, refuses a gone key (MC001) and hashes in SQL.
 * Answers the columns of append_events that a held append (seams.ts) reads.
 */
export function appendOneSql(schema: string): string {
  assertSchemaName(schema);
  return `INSERT INTO ${schema}.events
    (position, stream_id, revision, event_id, type, schema_version, data, metadata, hash, prev_hash,
     personal_key_id)
  SELECT nextval('${schema}.event_position'), $1::text, $2::integer + 1, $3::uuid, $4::text, $5::integer,
         $6::json, $7::json, $8::text, $9::text, $10::uuid
    FROM (SELECT pg_advisory_xact_lock_shared(${positionLockKey(schema)})) AS gapless
   WHERE ${headIsHeld(schema)}
     AND ($10::uuid IS NULL OR EXISTS (
           SELECT 1 FROM ${schema}.subject_keys sk WHERE sk.key_id = $10::uuid FOR KEY SHARE))
  RETURNING 'appended'::text AS o_status, position::text AS o_positions`;
}

/**
 * appendOneSql for a batch without personal data: the same lock, head check and client hashes, the events
 * packed as append_events takes them ($3 ids, $5 schema versions and $8 hashes joined by ',', $4 types, $6
 * data and $7 metadata by U+001E, a single metadata standing for all; $10 the count), each event's prev hash
 * the hash before it. Positions follow revisions (the rows are numbered by their place and sorted so before
 * nextval). Answers one row — the positions joined by ',' in revision order — or none if nothing was
 * inserted.
 */
export function appendManySql(schema: string): string {
  assertSchemaName(schema);
  return `WITH appended AS (
    INSERT INTO ${schema}.events
      (position, stream_id, revision, event_id, type, schema_version, data, metadata, hash, prev_hash)
    SELECT nextval('${schema}.event_position'), $1::text, $2::integer + u.n::integer, u.id::uuid, u.typ,
           u.ver::integer, u.dat::json, u.met, u.h, u.ph
      FROM (SELECT pg_advisory_xact_lock_shared(${positionLockKey(schema)})) AS gapless,
           unnest(string_to_array($3::text, ','), string_to_array($4::text, E'\\x1e'),
                  string_to_array($5::text, ','), string_to_array($6::text, E'\\x1e'),
                  CASE WHEN strpos($7::text, E'\\x1e') = 0 THEN array_fill($7::text::json, ARRAY[$10::integer])
                       ELSE string_to_array($7::text, E'\\x1e')::json[] END,
                  string_to_array($8::text, ','),
                  array_prepend($9::text, (string_to_array($8::text, ','))[1 : $10::integer - 1]))
             WITH ORDINALITY AS u(id, typ, ver, dat, met, h, ph, n)
     WHERE ${headIsHeld(schema)}
     ORDER BY u.n
    RETURNING position, revision)
  SELECT 'appended'::text AS o_status, string_agg(position::text, ',' ORDER BY revision) AS o_positions
    FROM appended HAVING count(*) > 0`;
}

/** Creates or updates the schema; safe to run concurrently from several processes. */
export async function migratePostgresEventStore(pool: pg.Pool, schema = "event_store"): Promise<void> {
  const sql = eventStoreSchemaSql(schema);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw toStoreError(error, "migrate");
  }
  try {
    await client.query("BEGIN");
    await client.query(`SELECT pg_advisory_xact_lock(${migrationLockKey(schema)})`);
    const { rows } = await client.query<{ encoding: string }>(
      "SELECT current_setting('server_encoding') AS encoding",
    );
    if (rows[0]?.encoding !== "UTF8") {
      throw new Error(`The event store needs a UTF8 database (this one is ${rows[0]?.encoding})`);
    }
    await client.query(sql);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error instanceof Error && error.message.startsWith("The event store needs")
      ? error
      : toStoreError(error, "migrate");
  } finally {
    client.release();
  }
}
