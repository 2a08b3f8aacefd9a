import pg from "pg";
import {
  CommandIdReusedError,
  EventStoreClosedError,
  EventStoreUnavailableError,
  RevisionConflictError,
} from "../errors";
import {
  appendResultOf,
  assertStreamId,
  type EventStoreCommonOptions,
  type PreparedEvent,
  prepareAppend,
  type StoredEvent,
  sealPersonalData,
  toRecordedEvent,
} from "../event-preparation";
import { ChainVerifier, computeEventHash } from "../hash-chain";
import { type PollingSource, startPollingSubscription } from "../polling-subscription";
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventStore,
  ExpectedRevision,
  NewEvent,
  PersonalDataReading,
  ProjectionEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreCapabilities,
  StreamVerification,
  Subscription,
} from "../types";
import { createUpcastChain } from "../upcasting";
import { subjectDigest, withoutEncryptedFields } from "../vault/field-encryption";
import {
  createPostgresKeyVault,
  type KeyVault,
  type NewSubjectKey,
  type SubjectKey,
} from "../vault/postgres-key-vault";
import { createAppendNotifier } from "./append-notifier";
import { coalescedHead } from "./head-position";
import { assertSchemaName } from "./identifiers";
import { sqlState, toStoreError } from "./pg-errors";
import { appendManySql, appendOneSql, migratePostgresEventStore } from "./schema";
import { appendHeldBeforeCommit, type PostgresEventStoreSeams } from "./seams";

export interface PostgresEventStoreOptions extends EventStoreCommonOptions {
  /** Either a connection string (the store owns its pool) or a pool the caller owns. */
  connectionString?: string;
  pool?: pg.Pool;
  /** Size of the store's own pool (ignored with `pool`). Default 10. */
  poolSize?: number;
  /** Postgres schema holding the tables; default "event_store". */
  schema?: string;
  /** The vault's master key: 32 bytes, or their base64. Wraps every subject's data key. */
  masterKey: string | Uint8Array;
  /** Rows per page for long reads and subscriptions. Default 500. */
  pageSize?: number;
  /** Subscriptions re-check this often even without a NOTIFY. Default 1000 ms. */
  pollIntervalMs?: number;
  /** NOTIFY subscribers in other processes after appends. Default true. */
  notify?: boolean;
  /** Appends within this interval share one NOTIFY. Default 20 ms. */
  notifyIntervalMs?: number;
  /** A subscription gives up after the database has been unreachable this long. Default 30 s. */
  maxUnavailableMs?: number;
}

export interface PostgresEventStore extends EventStore {
  /** Creates or updates the tables and functions (idempotent). */
  migrate(): Promise<void>;
  readStreamToArray(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAllForProjection(
    options?: Pick<ReadAllOptions, "fromPosition" | "maxCount">,
  ): AsyncIterable<ProjectionEvent>;
  readonly schema: string;
}

interface EventRow {
  event_id: string;
  stream_id: string;
  revision: number;
  position: string;
  type: string;
  schema_version: number;
  data: RecordedEvent["data"];
  metadata: RecordedEvent["metadata"];
  hash: string;
  prev_hash: string | null;
  personal_key_id: string | null;
  wrapped_key: Buffer | null;
}

/** A row of the projections' page, positional: stream_id, revision, position, type, schema_version, data, metadata. */
type ProjectionRow = [
  string,
  number,
  string,
  string,
  number,
  RecordedEvent["data"],
  RecordedEvent["metadata"],
];

/** append_events' one-row answer (see schema.ts). */
interface AppendRow {
  o_status: "appended" | "conflict" | "duplicate";
  o_revision: number | null;
  o_positions: string | null;
  o_prev_hash: string | null;
  /** Null when the hashes the client sent were used. */
  o_hashes: string | null;
}

/** The Postgres adapter keeps every promise of the port. */
export const POSTGRES_CAPABILITIES: StoreCapabilities = {
  detectsCommandIdReuse: true,
  anyRetryWindow: null,
  acceptsAnyPosition: true,
  maxAppendBytes: null,
};

const MAX_APPEND_ATTEMPTS = 8;
/** Packs texts into one parameter: canonical JSON, types and ids never contain it. */
const RECORD_SEPARATOR = "\u001e";
const NOTIFY_CHANNEL_SUFFIX = "_appended";

/** One text when every event shares its metadata (the usual case for one command), else one per event. */
const packMetadata = (prepared: PreparedEvent[]): string => {
  const first = prepared[0]?.metadataJson ?? "";
  return prepared.every((event) => event.metadataJson === first)
    ? first
    : prepared.map((event) => event.metadataJson).join(RECORD_SEPARATOR);
};

const expectedCode = (expected: ExpectedRevision): number =>
  expected === "any" ? -1 : expected === "no_stream" ? 0 : expected;

export function createPostgresEventStore(options: PostgresEventStoreOptions): PostgresEventStore {
  return openPostgresEventStore(options, {});
}

/** The store with test seams (`test-store.ts`); production code calls `createPostgresEventStore`. */
export function openPostgresEventStore(
  options: PostgresEventStoreOptions,
  seams: PostgresEventStoreSeams,
): PostgresEventStore {
  const schema = options.schema ?? "event_store";
  assertSchemaName(schema);
  if (!options.pool && !options.connectionString) {
    throw new Error("createPostgresEventStore needs a connectionString or a pool");
  }
  const ownsPool = !options.pool;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      allowExitOnIdle: true,
    });
  // An idle client whose backend dies emits 'error' on the pool; without a listener Node would crash.
  const onPoolError = () => {};
  pool.on("error", onPoolError);
  // A checked-out one emits it on itself (pg-pool listens only while it is idle): give each its own.
  const onPoolConnect = (client: pg.PoolClient) => {
    client.on("error", () => {});
  };
  pool.on("connect", onPoolConnect);

  const vault = createPostgresKeyVault({ pool, schema, masterKey: options.masterKey });
  const upcast = createUpcastChain(options.upcasters);
  const knownTypes = options.knownEventTypes ? new Set(options.knownEventTypes) : null;
  const pageSize = options.pageSize ?? 500;
  const columnsWithoutKeys = `e.event_id, e.stream_id, e.revision, e.position, e.type, e.schema_version,
    e.data, e.metadata, e.hash, e.prev_hash`;
  const columns = `${columnsWithoutKeys}, e.personal_key_id, k.wrapped_key`;
  const fromEvents = `${schema}.events e LEFT JOIN ${schema}.subject_keys k ON k.key_id = e.personal_key_id`;
  let closed = false;

  const query = async <R extends pg.QueryResultRow>(
    operation: string,
    config: pg.QueryConfig,
  ): Promise<pg.QueryResult<R>> => {
    if (closed) throw new EventStoreClosedError();
    try {
      return await pool.query<R>(config);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  };

  const storedOf = (row: EventRow): StoredEvent => ({
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: Number(row.position),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    hash: row.hash,
    prevHash: row.prev_hash,
  });
  const decodeOmitting = (row: EventRow): RecordedEvent => toRecordedEvent(storedOf(row), "omit", upcast);
  const decode = (row: EventRow): RecordedEvent =>
    toRecordedEvent(
      storedOf(row),
      (keyId) =>
        row.wrapped_key && row.personal_key_id === keyId ? vault.unwrap(keyId, row.wrapped_key) : undefined,
      upcast,
    );

  const notifier = createAppendNotifier({
    pool,
    connectionString: options.connectionString,
    channel: `${schema}${NOTIFY_CHANNEL_SUFFIX}`,
    notify: options.notify !== false,
    notifyIntervalMs: options.notifyIntervalMs ?? 20,
  });

  const headPosition = coalescedHead(async () => {
    const { rows } = await query<{ head: string }>("headPosition", {
      name: `${schema}.head`,
      text: `SELECT ${schema}.head_position() AS head`,
    });
    return Number(rows[0]?.head ?? 0);
  });

  /** Rows of positions (after, upTo], at most `limit`, read window by window (see readAllPage). */
  const inWindows = async <R>(
    after: number,
    upTo: number,
    limit: number,
    width: number,
    read: (from: number, to: number, count: number) => Promise<R[]>,
  ): Promise<R[]> => {
    const found: R[] = [];
    let from = after;
    while (found.length < limit && from < upTo) {
      const to = Math.min(upTo, from + width);
      for (const row of await read(from, to, limit - found.length)) found.push(row);
      from = to;
    }
    return found;
  };

  /**
   * Events with `after < position <= upTo` matching the filter, ascending, at most `limit`. Each query is
   * bounded to a window of positions (`limit` wide, or 16 × `limit` with a filter) and the windows are
   * walked until `limit` events or `upTo`: an unbounded `position > $1 AND position <= $2 ORDER BY
   * position LIMIT $3` is planned from statistics, and with none or stale ones (a log appended since the
   * last ANALYZE, autovacuum off) Postgres chose a bitmap scan of everything up to the head, sorted on
   * disk, for every page — catching up a log of N events cost O(N²) (0.032 ms of Postgres CPU per event
   * at 100,000 events, most of a projection rebuild's). A window touches at most its width of rows,
   * whatever the plan.
   */
  const readAllPage = async (
    after: number,
    upTo: number,
    limit: number,
    filter: EventFilter | undefined,
    personalData: PersonalDataReading = "decrypt",
  ): Promise<RecordedEvent[]> => {
    const types = filter?.eventTypes && filter.eventTypes.length > 0 ? [...filter.eventTypes] : null;
    const prefix = filter?.streamPrefix ? filter.streamPrefix : null;
    const omit = personalData === "omit";
    const width = types === null && prefix === null ? limit : limit * 16;
    const found = await inWindows<EventRow>(after, upTo, limit, width, async (from, to, count) => {
      const { rows } = await query<EventRow>("readAll", {
        // Readers that leave personal data out skip the key join (and, below, the vault and the cipher).
        name: omit ? `${schema}.read_all_omit` : `${schema}.read_all`,
        text: `SELECT ${omit ? columnsWithoutKeys : columns} FROM ${omit ? `${schema}.events e` : fromEvents}
          WHERE e.position > $1 AND e.position <= $2
            AND ($4::text[] IS NULL OR e.type = ANY ($4::text[]))
            AND ($5::text IS NULL OR starts_with(e.stream_id, $5::text))
          ORDER BY e.position LIMIT $3`,
        values: [from, to, count, types, prefix],
      });
      return rows;
    });
    return omit ? found.map(decodeOmitting) : found.map(decode);
  };

  /**
   * A page for projections (`readAllForProjection`): only the columns they read, as positional rows (no
   * object per row from the driver), sealed values left out as `personalData: "omit"` does, upcast.
   */
  const projectionPage = async (after: number, upTo: number, limit: number): Promise<ProjectionEvent[]> => {
    const found = await inWindows<ProjectionRow>(after, upTo, limit, limit, async (from, to, count) => {
      const { rows } = await query<ProjectionRow>("readAll", {
        name: `${schema}.read_all_projection`,
        text: `SELECT e.stream_id, e.revision, e.position, e.type, e.schema_version, e.data, e.metadata
          FROM ${schema}.events e WHERE e.position > $1 AND e.position <= $2 ORDER BY e.position LIMIT $3`,
        values: [from, to, count],
        rowMode: "array",
      } as pg.QueryConfig);
      return rows;
    });
    return found.map(([streamId, revision, position, type, schemaVersion, stored, metadata]) => {
      const current = upcast({
        type,
        schemaVersion,
        data: withoutEncryptedFields(stored),
        metadata,
      });
      return {
        streamId,
        revision,
        position: Number(position),
        type,
        schemaVersion: current.schemaVersion,
        data: current.data,
        metadata,
      };
    });
  };

  const readStreamPage = async (
    streamId: string,
    forwards: boolean,
    fromRevision: number,
    limit: number,
  ): Promise<RecordedEvent[]> => {
    const { rows } = await query<EventRow>("readStream", {
      name: `${schema}.read_stream_${forwards ? "f" : "b"}`,
      text: `SELECT ${columns} FROM ${fromEvents}
        WHERE e.stream_id = $1 AND e.revision ${forwards ? ">=" : "<="} $2
        ORDER BY e.revision ${forwards ? "ASC" : "DESC"} LIMIT $3`,
      values: [streamId, fromRevision, limit],
    });
    return rows.map(decode);
  };

  async function* readStream(
    streamId: string,
    readOptions: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent> {
    assertStreamId(streamId);
    const forwards = (readOptions.direction ?? "forwards") === "forwards";
    let next = readOptions.fromRevision ?? (forwards ? 1 : 2_147_483_647);
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const limit = Math.min(pageSize, remaining);
      const page = await readStreamPage(streamId, forwards, next, limit);
      const last = page.at(-1);
      if (forwards && page.length < limit && last) rememberHead(streamId, last.revision, last.hash);
      for (const event of page) yield event;
      remaining -= page.length;
      if (page.length < limit || !last) return;
      next = forwards ? last.revision + 1 : last.revision - 1;
      if (next < 1) return;
    }
  }

  async function* readAll(readOptions: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    const head = await headPosition();
    let cursor = readOptions.fromPosition ?? 0;
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && cursor < head) {
      const limit = Math.min(pageSize, remaining);
      const page = await readAllPage(cursor, head, limit, readOptions.filter, readOptions.personalData);
      for (const event of page) yield event;
      remaining -= page.length;
      const last = page.at(-1);
      if (page.length < limit || !last) return;
      cursor = last.position;
    }
  }

  async function* readAllForProjection(
    readOptions: Pick<ReadAllOptions, "fromPosition" | "maxCount"> = {},
  ): AsyncGenerator<ProjectionEvent> {
    const head = await headPosition();
    let cursor = readOptions.fromPosition ?? 0;
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && cursor < head) {
      const limit = Math.min(pageSize, remaining);
      const page = await projectionPage(cursor, head, limit);
      for (const event of page) yield event;
      remaining -= page.length;
      const last = page.at(-1);
      if (page.length < limit || !last) return;
      cursor = last.position;
    }
  }

  const readStreamToArray = async (streamId: string, readOptions?: ReadStreamOptions) => {
    const events: RecordedEvent[] = [];
    for await (const event of readStream(streamId, readOptions)) events.push(event);
    return events;
  };

  /** The first append of `commandId`, read back for an idempotent retry. */
  const replayedResult = async (
    streamId: string,
    commandId: string,
    firstEventId: string,
  ): Promise<AppendResult> => {
    const { rows } = await query<{ stream_id: string; revision: number }>("append.replay", {
      text: `SELECT stream_id, revision FROM ${schema}.events WHERE event_id = $1`,
      values: [firstEventId],
    });
    const first = rows[0];
    if (!first) throw new EventStoreUnavailableError("append.replay: the original events vanished");
    if (first.stream_id !== streamId) throw new CommandIdReusedError(commandId, streamId, first.stream_id);
    const events: RecordedEvent[] = [];
    for await (const event of readStream(streamId, { fromRevision: first.revision })) {
      if (event.metadata.commandId !== commandId) break;
      events.push(event);
    }
    return appendResultOf(streamId, events, true);
  };

  /**
   * The last event each stream was seen to end with, so the client can hash an append itself (cheaper
   * than doing it in SQL). Only a hint: append_events checks it against the real head and hashes there
   * when it is stale.
   */
  const streamHeads = new Map<string, { revision: number; hash: string }>();
  const rememberHead = (streamId: string, revision: number, hash: string) => {
    if (streamHeads.size >= 10_000 && !streamHeads.has(streamId)) {
      const oldest = streamHeads.keys().next();
      if (!oldest.done) streamHeads.delete(oldest.value);
    }
    streamHeads.set(streamId, { revision, hash });
  };

  const appendOneSqlText = appendOneSql(schema);
  const appendManySqlText = appendManySql(schema);
  const runAppend = async <R extends { o_status: string; o_positions: string | null }>(
    streamId: string,
    config: pg.QueryConfig,
  ): Promise<R | undefined> =>
    seams.beforeCommit
      ? appendHeldBeforeCommit<R>(pool, config, streamId, seams.beforeCommit)
      : (await pool.query<R>(config)).rows[0];

  /** What a one-INSERT append answers in append_events' terms: appended on the head the client hashed on. */
  const appendedOnHead = (
    base: { revision: number; hash: string | null },
    positions: string | null,
    clientHashes: string[],
  ): { row: AppendRow; clientHashes: string[] } => ({
    row: {
      o_status: "appended",
      o_revision: base.revision + 1,
      o_positions: positions,
      o_prev_hash: base.hash,
      o_hashes: null,
    },
    clientHashes,
  });

  const callAppend = async (
    streamId: string,
    prepared: PreparedEvent[],
    expected: ExpectedRevision,
    checkDuplicate: boolean,
    newKeys: ReadonlyMap<string, NewSubjectKey>,
  ): Promise<{ row: AppendRow | undefined; clientHashes: string[] | null }> => {
    const cached = streamHeads.get(streamId);
    const base =
      expected === "no_stream" || expected === 0
        ? { revision: 0, hash: null }
        : typeof expected === "number"
          ? cached?.revision === expected
            ? cached
            : null
          : (cached ?? null);
    let clientHashes: string[] | null = null;
    if (base) {
      let prevHash = base.hash;
      const chained = prepared.map((event, index) => {
        prevHash = computeEventHash({
          prevHash,
          streamId,
          revision: base.revision + index + 1,
          eventId: event.eventId,
          type: event.type,
          schemaVersion: event.schemaVersion,
          dataJson: event.dataJson,
          metadataJson: event.metadataJson,
        });
        return prevHash;
      });
      clientHashes = chained;
    }
    const only = prepared.length === 1 ? prepared[0] : undefined;
    if (base && clientHashes && only && newKeys.size === 0 && !checkDuplicate) {
      // The common case as one INSERT (schema.ts, appendOneSql); no row: the head is not the one hashed on
      // or the key is gone, ask append_events (a head that moved fails on the unique index: retried below).
      const fast = await runAppend<{ o_status: string; o_positions: string | null }>(streamId, {
        name: `${schema}.append_one`,
        text: appendOneSqlText,
        values: [
          streamId,
          base.revision,
          only.eventId,
          only.type,
          only.schemaVersion,
          only.dataJson,
          only.metadataJson,
          clientHashes[0],
          base.hash,
          only.keyId,
        ],
      });
      if (fast) return appendedOnHead(base, fast.o_positions, clientHashes);
    }
    if (
      base &&
      clientHashes &&
      prepared.length > 1 &&
      newKeys.size === 0 &&
      !checkDuplicate &&
      prepared.every((event) => event.keyId === null)
    ) {
      // A batch without personal data: one INSERT too (appendManySql); no row: ask append_events.
      const fast = await runAppend<{ o_status: string; o_positions: string | null }>(streamId, {
        name: `${schema}.append_many`,
        text: appendManySqlText,
        values: [
          streamId,
          base.revision,
          prepared.map((event) => event.eventId).join(","),
          prepared.map((event) => event.type).join(RECORD_SEPARATOR),
          prepared.map((event) => event.schemaVersion).join(","),
          prepared.map((event) => event.dataJson).join(RECORD_SEPARATOR),
          packMetadata(prepared),
          clientHashes.join(","),
          base.hash,
          prepared.length,
        ],
      });
      if (fast) return appendedOnHead(base, fast.o_positions, clientHashes);
    }
    const config: pg.QueryConfig = {
      name: `${schema}.append`,
      text: `SELECT * FROM ${schema}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      values: [
        streamId,
        expectedCode(expected),
        checkDuplicate,
        prepared.length,
        prepared.map((event) => event.eventId).join(","),
        prepared.map((event) => event.type).join(RECORD_SEPARATOR),
        prepared.map((event) => event.schemaVersion).join(","),
        prepared.map((event) => event.dataJson).join(RECORD_SEPARATOR),
        packMetadata(prepared),
        prepared.some((event) => event.keyId !== null)
          ? prepared.map((event) => event.keyId ?? "").join(",")
          : null,
        base?.revision ?? null,
        base?.hash ?? null,
        clientHashes?.join(",") ?? null,
        newKeys.size > 0 ? [...newKeys.values()].map((key) => key.keyId) : null,
        newKeys.size > 0 ? [...newKeys.keys()] : null,
        newKeys.size > 0 ? [...newKeys.values()].map((key) => key.wrapped) : null,
      ],
    };
    return { row: await runAppend<AppendRow>(streamId, config), clientHashes };
  };

  const append = async (
    streamId: string,
    events: NewEvent[],
    appendOptions: AppendOptions,
  ): Promise<AppendResult> => {
    if (closed) throw new EventStoreClosedError();
    const prepared = prepareAppend(streamId, events, appendOptions, {
      knownTypes,
      common: options,
      vaultConfigured: true,
    });
    const firstEventId = prepared[0]?.eventId ?? "";
    // A stream's first append usually brings new subjects (a receipt's applicant): one this process holds
    // no key for gets a key made here, stored by the append itself (in its transaction: no round trip and
    // no commit of its own). If the subject had a key after all, append_events refuses (MC002) and the
    // events are sealed again under the stored key. Later appends ask the vault, as their subjects exist.
    const newKeys = new Map<string, NewSubjectKey>();
    const makesKeys = appendOptions.expectedRevision === "no_stream";
    const sealing = {
      keyForSubject: async (subjectId: string): Promise<SubjectKey> => {
        const known = vault.cachedKey(subjectId) ?? newKeys.get(subjectId);
        if (known) return known;
        if (!makesKeys) return vault.keyForSubject(subjectId);
        const made = vault.newKey();
        newKeys.set(subjectId, made);
        return made;
      },
    };
    const sealAgain = async (keys: Pick<KeyVault, "keyForSubject">) => {
      newKeys.clear();
      for (const event of prepared) event.keyId = null;
      await sealPersonalData(prepared, keys);
    };
    await sealPersonalData(prepared, sealing);

    for (let attempt = 0; ; attempt += 1) {
      let answer: Awaited<ReturnType<typeof callAppend>>;
      try {
        answer = await callAppend(streamId, prepared, appendOptions.expectedRevision, attempt > 0, newKeys);
      } catch (error) {
        const state = sqlState(error);
        if (attempt + 1 < MAX_APPEND_ATTEMPTS && state === "23505") continue; // lost a race: look again
        if (attempt + 1 < MAX_APPEND_ATTEMPTS && state === "MC001") {
          // A data key was forgotten after we cached it: seal again under a fresh key.
          for (const event of prepared) if (event.personal) vault.evictSubject(event.personal.subjectId);
          await sealAgain(sealing);
          continue;
        }
        if (attempt + 1 < MAX_APPEND_ATTEMPTS && state === "MC002") {
          // A subject we made a key for has one already: seal again under the stored one.
          await sealAgain(vault);
          continue;
        }
        throw toStoreError(error, "append");
      }
      const { row, clientHashes } = answer;
      if (row?.o_status === "duplicate")
        return replayedResult(streamId, appendOptions.commandId, firstEventId);
      if (row?.o_status === "conflict") {
        throw new RevisionConflictError(streamId, appendOptions.expectedRevision, row.o_revision);
      }
      const positions = row?.o_positions?.split(",").map(Number) ?? [];
      const hashes = row?.o_hashes?.split(",") ?? clientHashes ?? [];
      const firstRevision = row?.o_revision;
      if (
        !row ||
        firstRevision == null ||
        positions.length !== prepared.length ||
        hashes.length !== prepared.length
      ) {
        throw new EventStoreUnavailableError("append: incomplete answer from the database");
      }
      const recorded = prepared.map((event, index) =>
        toRecordedEvent(
          {
            eventId: event.eventId,
            streamId,
            revision: firstRevision + index,
            position: positions[index] ?? 0,
            type: event.type,
            schemaVersion: event.schemaVersion,
            data: event.plainData,
            metadata: event.metadata,
            hash: hashes[index] ?? "",
            prevHash: index === 0 ? row.o_prev_hash : (hashes[index - 1] ?? null),
          },
          () => undefined,
          upcast,
          // Unsealed data whose text has no envelope in it is answered as given, without a walk.
          event.personal !== undefined || event.dataJson.includes('"$encrypted"'),
        ),
      );
      const last = recorded.at(-1);
      if (last) rememberHead(streamId, last.revision, last.hash);
      for (const [subjectId, key] of newKeys) vault.remember(subjectId, key);
      notifier.appended();
      return appendResultOf(streamId, recorded, false);
    }
  };

  const source: PollingSource = {
    head: headPosition,
    async lastTakenPosition() {
      const { rows } = await query<{ last: string }>("lastTakenPosition", {
        name: `${schema}.last_taken`,
        text: `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS last FROM ${schema}.event_position`,
      });
      return Number(rows[0]?.last ?? 0);
    },
    page: readAllPage,
    onWake: notifier.onWake,
  };
  const subscriptions = new Set<Subscription>();

  const store: PostgresEventStore = {
    capabilities: POSTGRES_CAPABILITIES,
    schema,
    migrate: () => migratePostgresEventStore(pool, schema),
    append,
    readStream,
    readStreamToArray,
    readAll,
    readAllForProjection,
    headPosition,
    onAppended: notifier.onWake,

    async readHashes(fromPosition, upToPosition, maxCount) {
      // Window by window, as readAllPage: the unbounded range is planned as a scan of everything up to
      // the head when the log has no statistics.
      const rows = await inWindows(
        fromPosition,
        upToPosition,
        maxCount,
        maxCount,
        async (from, to, count) => {
          const { rows } = await query<{ position: string; hash: string }>("readHashes", {
            name: `${schema}.read_hashes`,
            text: `SELECT position, hash FROM ${schema}.events
            WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
            values: [from, to, count],
          });
          return rows;
        },
      );
      return rows.map((row) => ({ position: Number(row.position), hash: row.hash }));
    },

    async streamRevision(streamId) {
      assertStreamId(streamId);
      const { rows } = await query<{ revision: number | null }>("streamRevision", {
        name: `${schema}.stream_revision`,
        text: `SELECT max(revision) AS revision FROM ${schema}.events WHERE stream_id = $1`,
        values: [streamId],
      });
      return rows[0]?.revision ?? null;
    },

    subscribeToAll(subscribeOptions, handler) {
      if (closed) throw new EventStoreClosedError();
      const subscription = startPollingSubscription(source, subscribeOptions, handler, {
        pageSize,
        pollIntervalMs: options.pollIntervalMs ?? 1_000,
        maxUnavailableMs: options.maxUnavailableMs ?? 30_000,
      });
      subscriptions.add(subscription);
      subscription.done.finally(() => subscriptions.delete(subscription)).catch(() => {});
      return subscription;
    },

    async verifyStream(streamId): Promise<StreamVerification> {
      assertStreamId(streamId);
      const verifier = new ChainVerifier();
      let after = 0;
      for (;;) {
        const { rows } = await query<{
          revision: number;
          event_id: string;
          type: string;
          schema_version: number;
          data: string;
          metadata: string;
          hash: string;
          prev_hash: string | null;
        }>("verifyStream", {
          text: `SELECT revision, event_id, type, schema_version, data::text AS data, metadata::text AS metadata,
                   hash, prev_hash
                 FROM ${schema}.events WHERE stream_id = $1 AND revision > $2 ORDER BY revision LIMIT $3`,
          values: [streamId, after, pageSize],
        });
        for (const row of rows) {
          verifier.add({
            prevHash: row.prev_hash,
            streamId,
            revision: row.revision,
            eventId: row.event_id,
            type: row.type,
            schemaVersion: row.schema_version,
            dataJson: row.data,
            metadataJson: row.metadata,
            hash: row.hash,
          });
        }
        const last = rows.at(-1);
        if (rows.length < pageSize || !last) break;
        after = last.revision;
      }
      return verifier.result();
    },

    async forget(subjectId) {
      if (closed) throw new EventStoreClosedError();
      await vault.forget(subjectId);
    },

    async subjectStreams(subjectId) {
      if (closed) throw new EventStoreClosedError();
      const { rows } = await query<{ stream_id: string }>("subject_streams", {
        text: `SELECT DISTINCT e.stream_id FROM ${schema}.events e
                 JOIN ${schema}.subject_keys k ON k.key_id = e.personal_key_id
                WHERE k.subject_id = $1 ORDER BY e.stream_id`,
        values: [subjectId],
      });
      return rows.map((row) => row.stream_id);
    },

    async subjectDigest(subjectId, message) {
      if (closed) throw new EventStoreClosedError();
      return subjectDigest((await vault.keyForSubject(subjectId)).dataKey, message);
    },

    async ping() {
      await query("ping", { text: "SELECT 1" });
    },

    async close() {
      if (closed) return;
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      closed = true;
      await notifier.close();
      if (ownsPool) await pool.end();
      else {
        pool.off("error", onPoolError);
        pool.off("connect", onPoolConnect);
      }
    },
  };
  return store;
}
