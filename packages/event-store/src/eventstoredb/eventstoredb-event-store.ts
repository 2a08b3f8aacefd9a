import { randomUUID } from "node:crypto";
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendToStreamOptions,
  BACKWARDS,
  convertToCommandError,
  END,
  ErrorType,
  type ReadAllOptions as EsdbReadAllOptions,
  type ReadStreamOptions as EsdbReadStreamOptions,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  type Filter,
  FORWARDS,
  isCommandError,
  jsonEvent,
  NO_STREAM,
  type Position,
  START,
  StreamNotFoundError,
  type SubscribeToAllOptions,
  streamNameFilter,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import { canonicalJson } from "../canonical-json";
import {
  EventIntegrityError,
  EventStoreAccessDeniedError,
  EventStoreClosedError,
  EventStoreConfigurationError,
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidPositionError,
  RevisionConflictError,
  StreamDeletedError,
} from "../errors";
import {
  appendResultOf,
  assertStreamId,
  type EventStoreCommonOptions,
  type PreparedEvent,
  prepareAppend,
  type StoredEvent,
  sealingKeyIds,
  sealPersonalData,
  toRecordedEvent,
} from "../event-preparation";
import { ChainVerifier, computeEventHash } from "../hash-chain";
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventMetadata,
  EventStore,
  JsonObject,
  NewEvent,
  PersonalDataReading,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreCapabilities,
  StreamVerification,
  Subscription,
} from "../types";
import { createUpcastChain } from "../upcasting";
import { subjectDigest } from "../vault/field-encryption";
import type { KeyVault } from "../vault/postgres-key-vault";

/*
 * Mapping of the port onto EventStoreDB (23.10 or later; checked on first use)
 * - Revisions: ours are 1-based, EventStoreDB's 0-based. Our revision n is ESDB revision n - 1; our
 *   "no_stream" (or 0) is NO_STREAM. An append sends the concrete revision of the event it chains onto, so
 *   the hash chain is computed against the real predecessor: "any" reads the head (and retries on a race),
 *   an exact revision n reads event n. Below the head the server's own idempotence check answers a retry.
 * - Positions: our position is the event's $all commit position (a bigint in ESDB, a JS number here: exact
 *   up to 2^53 bytes of log, i.e. 8 PiB). ESDB writes a log record per event and, for events not written in
 *   explicit transactions (this client cannot make them), commit == prepare, so a position read back as
 *   { commit: p, prepare: p } resumes exactly after that event. Other numbers are not record boundaries and
 *   are refused (InvalidPositionError).
 * - Hash chain: ESDB has no per-event hash, so the event's metadata carries it:
 *   { $correlationId, $causationId, motcua: { schemaVersion, hash, prevHash, metadata, attempt } }. Data is
 *   the canonical JSON object; the hash is computed here with the very same layout as the Postgres adapter.
 *   `attempt` is a nonce per append call, outside the hash: it tells our write from a racing retry's.
 * - Personal data: sealed exactly as with Postgres; the data keys live in Postgres (the KeyVault).
 * - Filters: subscriptions filter server-side (event type regex or stream prefix, else excluding system
 *   events); readAll in this client has no server-side filter, so it skips system events and applies the
 *   filter as it reads.
 * - Every gRPC call is bounded (maxCount) or cancelled when its reader leaves early: an abandoned call stays
 *   open on the HTTP/2 connection, and the server allows 100 at once.
 */

export interface EventStoreDbEventStoreOptions extends EventStoreCommonOptions {
  /** e.g. esdb://localhost:2113?tls=false. `throwOnAppendFailure=false` and `tlsVerifyCert=false` are refused. */
  connectionString?: string;
  client?: EventStoreDBClient;
  /** Where personal-data keys live (Postgres). Without one, events carrying personal data are refused. */
  keyVault?: KeyVault;
  /** Events per gRPC read and decoded together (one vault query per batch). Default 500. */
  pageSize?: number;
  /**
   * The server's `MaxAppendSize`: bytes of data + metadata (+ twice the type's length) of one whole append.
   * Larger appends are refused with EventTooLargeError before anything is sent. Default 1,048,576, the
   * server's default.
   */
  maxAppendBytes?: number;
  /** A subscription gives up after EventStoreDB has been unreachable this long. Default 30 s (as Postgres). */
  maxUnavailableMs?: number;
}

/** The server's default MaxAppendSize. */
export const ESDB_DEFAULT_MAX_APPEND_BYTES = 1_048_576;
/** How far back an "any" append looks for its own earlier attempt. */
const REPLAY_SCAN = 200;
const MAX_APPEND_ATTEMPTS = 8;
/** Oldest server this adapter runs against: stream reads carry positions (> 22.6), caught-up messages (23.10). */
const MINIMUM_SERVER_VERSION: readonly [number, number] = [23, 10];

/** What the EventStoreDB adapter cannot promise; the contract suite checks these instead. */
export const EVENTSTOREDB_CAPABILITIES: StoreCapabilities = {
  // Event ids are unique per stream only; there is no global index to find a command's first stream.
  detectsCommandIdReuse: false,
  anyRetryWindow: REPLAY_SCAN,
  acceptsAnyPosition: false,
  maxAppendBytes: ESDB_DEFAULT_MAX_APPEND_BYTES,
};

/*
 * The client option names this adapter relies on, checked by the compiler: `@kurrent/kurrentdb-client`
 * renames `expectedRevision` to `streamState` (default ANY), and an old name passed through would silently
 * turn the concurrency check off. `Pick` of a name the client no longer has fails to compile.
 */
type AppendCallOptions = Required<Pick<AppendToStreamOptions, "expectedRevision" | "requiresLeader">>;
type StreamReadCallOptions = Pick<
  EsdbReadStreamOptions,
  "direction" | "fromRevision" | "maxCount" | "requiresLeader"
>;
type AllReadCallOptions = Pick<EsdbReadAllOptions, "direction" | "fromPosition" | "maxCount">;
type SubscribeCallOptions = Required<Pick<SubscribeToAllOptions, "fromPosition" | "filter">>;

interface StoredMetadata {
  $correlationId?: string;
  $causationId?: string;
  motcua: {
    schemaVersion: number;
    hash: string;
    prevHash: string | null;
    metadata: EventMetadata & { recordedAt: string };
    /** Nonce of the append call that wrote the event (not hashed). */
    attempt?: string;
  };
}

/** A stored event with the nonce of the append call that wrote it. */
type StoredWithAttempt = StoredEvent & { attempt: string | null };

const PAGE_END = Symbol("page end");
const toPosition = (position: number): Position => ({ commit: BigInt(position), prepare: BigInt(position) });
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const isSystemEvent = (event: { streamId: string; type: string }) =>
  event.streamId.startsWith("$") || event.type.startsWith("$");

function matchesFilter(event: { streamId: string; type: string }, filter: EventFilter | undefined): boolean {
  if (isSystemEvent(event)) return false;
  if (filter?.streamPrefix && !event.streamId.startsWith(filter.streamPrefix)) return false;
  if (filter?.eventTypes && filter.eventTypes.length > 0 && !filter.eventTypes.includes(event.type))
    return false;
  return true;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The client's error → one of the port's. Only ever applied to errors from the client, never to a
 * subscriber's handler: a handler's error ends its subscription as it is. Messages of unrecognised errors
 * are not kept (the server may quote a stream name or more).
 */
export function toStoreError(raw: unknown, operation: string): Error {
  if (raw instanceof EventStoreError) return raw;
  // Some calls (the server-features query) reject with grpc-js's bare ServiceError.
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (error instanceof Error && isCommandError(error)) {
    switch (error.type) {
      case ErrorType.UNAVAILABLE:
      case ErrorType.DEADLINE_EXCEEDED:
      case ErrorType.TIMEOUT:
      case ErrorType.NOT_LEADER:
      case ErrorType.CANCELLED:
        return new EventStoreUnavailableError(operation, { cause: error });
      case ErrorType.ACCESS_DENIED:
        return new EventStoreAccessDeniedError(operation, { cause: error });
      case ErrorType.STREAM_DELETED:
        return new StreamDeletedError((error as { streamName?: string }).streamName ?? "(unknown)");
      case ErrorType.UNKNOWN:
        // A batch append refused during an election or under load arrives as an unrecognised status
        // ("Server Is Not Ready", "Server Is Too Busy"): nothing was written, the caller may retry.
        if (isNotReadyOrBusy(error)) return new EventStoreUnavailableError(operation, { cause: error });
        break;
    }
    return new EventStoreDbError(operation, error.type);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/.test(code)) {
    return new EventStoreUnavailableError(operation, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

const isNotReadyOrBusy = (error: Error): boolean => /not ready|too busy|server is busy/i.test(error.message);

/** An EventStoreDB error the port has no name for; `code` matches the Postgres adapter's unexpected errors. */
export class EventStoreDbError extends EventStoreError {
  readonly code = "event_store.database_error";
  constructor(
    operation: string,
    readonly esdbErrorType: string,
  ) {
    super(`Unexpected EventStoreDB error during ${operation} (${esdbErrorType})`);
  }
}

/** Settings the adapter refuses, named in the error: each silently breaks a promise of the port. */
export function assertUsableConnectionString(connectionString: string): void {
  const query = connectionString.includes("?")
    ? connectionString.slice(connectionString.indexOf("?") + 1)
    : "";
  for (const pair of query.split("&")) {
    const [key = "", value = ""] = pair.split("=");
    if (key.toLowerCase() === "throwonappendfailure" && value.toLowerCase() === "false") {
      throw new EventStoreConfigurationError(
        "EVENTSTORE_URL: throwOnAppendFailure=false is refused: a conflicting append would resolve as if written",
      );
    }
    if (key.toLowerCase() === "tlsverifycert" && value.toLowerCase() === "false") {
      throw new EventStoreConfigurationError(
        "EVENTSTORE_URL: tlsVerifyCert=false has no effect in @eventstore/db-client 6.2.1; give the CA with tlsCAFile=/path/ca.crt",
      );
    }
  }
}

/** "23.10.1.0" → [23, 10]; null when the server does not say (older than 21.10). */
export function parseServerVersion(version: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** What the server counts against MaxAppendSize: data + metadata + 2 bytes per character of the type. */
export function appendPayloadBytes(
  events: readonly { type: string; data: unknown; metadata: unknown }[],
): number {
  let total = 0;
  for (const event of events) {
    total +=
      Buffer.byteLength(JSON.stringify(event.data), "utf8") +
      Buffer.byteLength(JSON.stringify(event.metadata), "utf8") +
      event.type.length * 2;
  }
  return total;
}

/** The client's read and subscription streams: async iterables that can be cancelled. */
interface CancellableRead<T> extends AsyncIterable<T> {
  cancel?(): Promise<void>;
  unsubscribe?(): Promise<void>;
}

/**
 * Iterates a client read and releases its gRPC call when the reader leaves early (break, throw, return):
 * leaving a `for await` only destroys the client's Node stream, the call itself stays open.
 */
async function* released<T>(read: CancellableRead<T>): AsyncGenerator<T> {
  let finished = false;
  try {
    for await (const item of read) yield item;
    finished = true;
  } catch (error) {
    finished = true; // the call already ended with that error
    throw error;
  } finally {
    if (!finished) await (read.cancel ?? read.unsubscribe)?.call(read).catch(() => {});
  }
}

export function createEventStoreDbEventStore(options: EventStoreDbEventStoreOptions): EventStore {
  if (options.connectionString) assertUsableConnectionString(options.connectionString);
  const client =
    options.client ??
    (options.connectionString
      ? EventStoreDBClient.connectionString(options.connectionString)
      : (() => {
          throw new EventStoreConfigurationError(
            "createEventStoreDbEventStore needs a connectionString or a client",
          );
        })());
  if ((client as unknown as { throwOnAppendFailure?: boolean }).throwOnAppendFailure === false) {
    throw new EventStoreConfigurationError(
      "An EventStoreDB client with throwOnAppendFailure: false is refused: a conflicting append would resolve as if written",
    );
  }
  const vault = options.keyVault ?? null;
  const upcast = createUpcastChain(options.upcasters);
  const knownTypes = options.knownEventTypes ? new Set(options.knownEventTypes) : null;
  const pageSize = options.pageSize ?? 500;
  const maxAppendBytes = options.maxAppendBytes ?? ESDB_DEFAULT_MAX_APPEND_BYTES;
  const maxUnavailableMs = options.maxUnavailableMs ?? 30_000;
  const capabilities: StoreCapabilities = { ...EVENTSTOREDB_CAPABILITIES, maxAppendBytes };
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new EventStoreClosedError();
  };

  // ---- the server: checked once, on first use ------------------------------------------------------
  let serverChecked: Promise<void> | null = null;
  const checkServer = async (): Promise<void> => {
    const features = await (client as unknown as { capabilities: Promise<{ serverVersion: string }> })
      .capabilities;
    const version = parseServerVersion(features.serverVersion);
    const [major, minor] = MINIMUM_SERVER_VERSION;
    if (!version || version[0] < major || (version[0] === major && version[1] < minor)) {
      throw new EventStoreConfigurationError(
        `EventStoreDB ${features.serverVersion} is too old: this adapter needs ${major}.${minor} or later`,
      );
    }
  };
  const serverReady = async (operation: string): Promise<void> => {
    serverChecked ??= checkServer();
    try {
      await serverChecked;
    } catch (error) {
      const mapped = toStoreError(error, operation);
      // Unreachable now says nothing about the version: ask again next time.
      if (!(mapped instanceof EventStoreConfigurationError)) serverChecked = null;
      throw mapped;
    }
  };

  /** Raw ESDB events → stored form (ciphertext still in place); events not written by us are dropped. */
  const toStored = (event: RecordedEventLike): StoredWithAttempt | null => {
    const metadata = event.metadata as StoredMetadata | undefined;
    if (!event.isJson || !metadata || typeof metadata !== "object" || !("motcua" in metadata)) return null;
    const commit = event.position?.commit;
    return {
      eventId: event.id,
      streamId: event.streamId,
      revision: Number(event.revision) + 1,
      position: commit === undefined ? 0 : Number(commit),
      type: event.type,
      schemaVersion: metadata.motcua.schemaVersion,
      data: event.data as JsonObject,
      metadata: metadata.motcua.metadata,
      hash: metadata.motcua.hash,
      prevHash: metadata.motcua.prevHash,
      attempt: metadata.motcua.attempt ?? null,
    };
  };

  /** Decrypts a batch with one vault query, then upcasts. */
  const decodeBatch = async (
    batch: StoredEvent[],
    personalData: PersonalDataReading = "decrypt",
  ): Promise<RecordedEvent[]> => {
    if (personalData === "omit") return batch.map((event) => toRecordedEvent(event, "omit", upcast));
    const keyIds = sealingKeyIds(batch);
    const keys = keyIds.length > 0 && vault ? await vault.existingKeys(keyIds) : new Map<string, Buffer>();
    return batch.map((event) => toRecordedEvent(event, (keyId) => keys.get(keyId), upcast));
  };

  /** A stream's events, in calls of at most `pageSize` (each gRPC call bounded). */
  async function* storedStream(
    streamId: string,
    readOptions: ReadStreamOptions & { requiresLeader?: boolean },
  ): AsyncGenerator<StoredWithAttempt> {
    const forwards = (readOptions.direction ?? "forwards") === "forwards";
    const from = readOptions.fromRevision;
    let next: StreamReadCallOptions["fromRevision"] =
      from === undefined ? (forwards ? START : END) : BigInt(Math.max(from - 1, 0));
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const limit = Math.min(remaining, pageSize);
      const callOptions: StreamReadCallOptions = {
        direction: forwards ? FORWARDS : BACKWARDS,
        fromRevision: next,
        maxCount: limit,
        ...(readOptions.requiresLeader ? { requiresLeader: true } : {}),
      };
      let seen = 0;
      let lastRevision: bigint | null = null;
      try {
        for await (const resolved of released(client.readStream(streamId, callOptions))) {
          seen += 1;
          if (!resolved.event) continue;
          lastRevision = resolved.event.revision;
          const stored = toStored(resolved.event as RecordedEventLike);
          if (stored) yield stored;
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return;
        throw toStoreError(error, "readStream");
      }
      remaining -= seen;
      if (seen < limit || lastRevision === null || (!forwards && lastRevision === 0n)) return;
      next = forwards ? lastRevision + 1n : lastRevision - 1n;
    }
  }

  async function* readStream(
    streamId: string,
    readOptions: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent> {
    assertOpen();
    assertStreamId(streamId);
    await serverReady("readStream");
    if (readOptions.fromRevision !== undefined && readOptions.fromRevision < 1) {
      if ((readOptions.direction ?? "forwards") === "backwards") return;
    }
    let batch: StoredEvent[] = [];
    for await (const stored of storedStream(streamId, readOptions)) {
      batch.push(stored);
      if (batch.length >= pageSize) {
        yield* await decodeBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) yield* await decodeBatch(batch);
  }

  /**
   * $all after `fromPosition`, in calls of `pageSize` server events (each gRPC call bounded), with a
   * PAGE_END after each call so readers hand on what they have instead of waiting for a full batch.
   */
  const readAllStored = async function* (
    fromPosition: number,
  ): AsyncGenerator<StoredEvent | typeof PAGE_END> {
    let cursor = fromPosition;
    for (;;) {
      let seen = 0;
      let last = cursor;
      const callOptions: AllReadCallOptions = {
        direction: FORWARDS,
        fromPosition: cursor > 0 ? toPosition(cursor) : START,
        maxCount: pageSize,
      };
      try {
        for await (const resolved of released(client.readAll(callOptions))) {
          seen += 1;
          const event = resolved.event;
          if (!event) continue;
          const at = Number(event.position.commit);
          if (at <= cursor) continue; // a page starts at (includes) the previous page's last event
          last = at;
          const stored = toStored(event);
          if (stored) yield stored;
        }
      } catch (error) {
        throw readFromPositionError(error, "readAll", cursor);
      }
      if (seen < pageSize || last === cursor) return;
      yield PAGE_END;
      cursor = last;
    }
  };

  /** A read from a position that is not a record boundary comes back as an unrecognised error. */
  const readFromPositionError = (error: unknown, operation: string, position: number): Error => {
    const mapped = toStoreError(error, operation);
    if (position > 0 && mapped instanceof EventStoreDbError && mapped.esdbErrorType === ErrorType.UNKNOWN) {
      return new InvalidPositionError(position, { cause: error });
    }
    return mapped;
  };

  const assertPosition = (position: number) => {
    if (!Number.isSafeInteger(position) || position < 0) throw new InvalidPositionError(position);
  };

  async function* readAll(readOptions: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    assertOpen();
    const from = readOptions.fromPosition ?? 0;
    assertPosition(from);
    await serverReady("readAll");
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    let batch: StoredEvent[] = [];
    if (remaining <= 0) return;
    for await (const stored of readAllStored(from)) {
      if (stored === PAGE_END) {
        if (batch.length > 0) yield* await decodeBatch(batch, readOptions.personalData);
        batch = [];
        continue;
      }
      if (!matchesFilter(stored, readOptions.filter)) continue;
      batch.push(stored);
      remaining -= 1;
      if (batch.length >= pageSize || remaining <= 0) {
        yield* await decodeBatch(batch, readOptions.personalData);
        batch = [];
      }
      if (remaining <= 0) return;
    }
    if (batch.length > 0) yield* await decodeBatch(batch, readOptions.personalData);
  }

  /** The stream's last event, read from the leader (a follower's may be stale). */
  const streamHead = async (streamId: string): Promise<StoredWithAttempt | null> => {
    for await (const stored of storedStream(streamId, {
      direction: "backwards",
      maxCount: 1,
      requiresLeader: true,
    }))
      return stored;
    return null;
  };

  /**
   * Event `revision` of the stream, or else its last event below it (a backwards read from past the end
   * starts at the end), or null for a missing stream.
   */
  const eventAtOrBelow = async (streamId: string, revision: number): Promise<StoredWithAttempt | null> => {
    for await (const stored of storedStream(streamId, {
      direction: "backwards",
      fromRevision: revision,
      maxCount: 1,
      requiresLeader: true,
    }))
      return stored;
    return null;
  };

  const readBack = async (streamId: string, fromRevision: number, count: number) => {
    const stored: StoredWithAttempt[] = [];
    for await (const event of storedStream(streamId, {
      fromRevision,
      maxCount: count,
      requiresLeader: true,
    })) {
      stored.push(event);
    }
    return stored;
  };

  /**
   * Looks for the events an earlier attempt of this command appended, among the stream's last REPLAY_SCAN
   * events: any one of the command's event ids there places the first one (ids derive from the command id
   * and the event's index), which is then read with the rest of the command's events.
   */
  const findOriginal = async (
    streamId: string,
    prepared: PreparedEvent[],
  ): Promise<StoredWithAttempt[] | null> => {
    const indexOf = new Map(prepared.map((event, index) => [event.eventId, index]));
    let firstRevision: number | null = null;
    for await (const stored of storedStream(streamId, {
      direction: "backwards",
      maxCount: REPLAY_SCAN,
      requiresLeader: true,
    })) {
      const index = indexOf.get(stored.eventId);
      if (index !== undefined) {
        firstRevision = stored.revision - index;
        break;
      }
    }
    if (firstRevision === null || firstRevision < 1) return null;
    const original = await readBack(streamId, firstRevision, prepared.length);
    return isOurs(original, prepared) ? original : null;
  };

  const isOurs = (stored: readonly StoredEvent[], prepared: readonly PreparedEvent[]) =>
    stored.length === prepared.length &&
    stored.every((event, index) => event.eventId === prepared[index]?.eventId);

  /**
   * Another process may have forgotten a subject after this process cached its key: data sealed under it
   * would read as erased at once. Check the keys just before appending; re-seal any that are gone under a
   * fresh key. (A forget landing between this check and the write is not fenced: see the README.)
   */
  const resealForgottenKeys = async (prepared: PreparedEvent[]) => {
    if (!vault) return;
    for (let round = 0; round < 3; round += 1) {
      const keyIds = prepared.flatMap((event) => (event.keyId ? [event.keyId] : []));
      if (keyIds.length === 0) return;
      const existing = await vault.existingKeys(keyIds);
      const stale = prepared.filter((event) => event.keyId !== null && !existing.has(event.keyId));
      if (stale.length === 0) return;
      for (const event of stale) {
        if (event.personal) vault.evictSubject(event.personal.subjectId);
        event.keyId = null;
      }
      await sealPersonalData(prepared, vault);
    }
    throw new EventStoreUnavailableError("append: the subject's key keeps being forgotten");
  };

  const conflictActual = (error: WrongExpectedVersionError): number | null =>
    error.actualVersion === "no_stream" || typeof error.actualVersion !== "bigint"
      ? null
      : Number(error.actualVersion) + 1;

  const append = async (
    streamId: string,
    events: NewEvent[],
    appendOptions: AppendOptions,
  ): Promise<AppendResult> => {
    assertOpen();
    const prepared = prepareAppend(streamId, events, appendOptions, {
      knownTypes,
      common: options,
      vaultConfigured: vault !== null,
    });
    await serverReady("append");
    await sealPersonalData(prepared, vault);
    const expected = appendOptions.expectedRevision;
    // Tells this call's write from a racing retry's (same ids, and the same hashes when prepared in the
    // same millisecond): stored beside the hash, not in it.
    const attemptNonce = randomUUID();

    for (let attempt = 0; ; attempt += 1) {
      const last = attempt + 1 >= MAX_APPEND_ATTEMPTS;
      let base: StoredWithAttempt | null;
      try {
        await resealForgottenKeys(prepared);
        if (expected === "any") {
          // Every attempt: a retry of a command that already landed must replay, not write the ids again
          // (the server checks idempotence only below the expected revision, and we send the head). The
          // head first: an original landing after the look-up is then below it, where the server checks.
          base = await streamHead(streamId);
          const original = await findOriginal(streamId, prepared);
          if (original) return appendResultOf(streamId, await decodeBatch(original), true);
        } else if (expected === "no_stream" || expected === 0) {
          base = null;
        } else {
          base = await eventAtOrBelow(streamId, expected);
          if (base?.revision !== expected) {
            throw new RevisionConflictError(streamId, expected, base?.revision ?? null);
          }
        }
      } catch (error) {
        throw toStoreError(error, "append");
      }

      const chained = chain(streamId, prepared, base);
      const payload = chained.map(({ event, hash, prevHash }) => ({
        id: event.eventId,
        type: event.type,
        data: JSON.parse(event.dataJson) as JsonObject,
        metadata: {
          $correlationId: event.metadata.correlationId,
          $causationId: event.metadata.causationId ?? event.eventId,
          motcua: {
            schemaVersion: event.schemaVersion,
            hash,
            prevHash,
            metadata: event.metadata,
            attempt: attemptNonce,
          },
        } satisfies StoredMetadata,
      }));
      const size = appendPayloadBytes(payload);
      if (size > maxAppendBytes) {
        throw new EventTooLargeError(prepared[0]?.type ?? "", size, maxAppendBytes);
      }
      const callOptions: AppendCallOptions = {
        expectedRevision: base === null ? NO_STREAM : BigInt(base.revision - 1),
        requiresLeader: true,
      };
      let success: boolean;
      try {
        const result = await client.appendToStream(streamId, payload.map(jsonEvent), callOptions);
        success = result.success;
      } catch (error) {
        if (error instanceof WrongExpectedVersionError) {
          if (expected === "any" && !last) continue; // lost a race for the head: look again
          throw new RevisionConflictError(streamId, expected, conflictActual(error));
        }
        const mapped = mapAppendError(error, prepared, size);
        if (mapped instanceof EventStoreUnavailableError && isNotReadyOrBusy(asError(error)) && !last) {
          await sleep(100 * (attempt + 1)); // an election or overload: nothing was written
          continue;
        }
        throw mapped;
      }
      if (!success) {
        // Only a client built with throwOnAppendFailure=false answers so (refused above): never take it
        // for a write.
        if (expected === "any" && !last) continue;
        throw new RevisionConflictError(
          streamId,
          expected,
          await streamHead(streamId).then((h) => h?.revision ?? null),
        );
      }

      const firstRevision = (base?.revision ?? 0) + 1;
      let stored: StoredWithAttempt[];
      try {
        stored = await readBack(streamId, firstRevision, prepared.length);
      } catch (error) {
        throw toStoreError(error, "append");
      }
      // The server answers success without writing when these very ids already follow the expected
      // revision (a retry of this command): then they are there, written by another call.
      if (!isOurs(stored, prepared)) {
        throw new EventStoreUnavailableError(
          "append: the events read back are not this append's; retry with the same command id",
        );
      }
      if (stored.some((event) => event.attempt !== attemptNonce)) {
        return appendResultOf(streamId, await decodeBatch(stored), true);
      }
      // Return the caller's plaintext (the stored copy is sealed), with the positions ESDB reports.
      const recorded = chained.map(({ event, hash, prevHash, revision }, index) =>
        toRecordedEvent(
          {
            eventId: event.eventId,
            streamId,
            revision,
            position: stored[index]?.position ?? 0,
            type: event.type,
            schemaVersion: event.schemaVersion,
            data: event.plainData,
            metadata: event.metadata,
            hash,
            prevHash,
          },
          () => undefined,
          upcast,
        ),
      );
      return appendResultOf(streamId, recorded, false);
    }
  };

  const headPosition = async (): Promise<number> => {
    assertOpen();
    await serverReady("headPosition");
    try {
      for await (const resolved of released(
        client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 }),
      )) {
        const commit = resolved.event?.position.commit ?? resolved.commitPosition;
        return commit === undefined ? 0 : Number(commit);
      }
      return 0;
    } catch (error) {
      throw toStoreError(error, "headPosition");
    }
  };

  const subscribeToAll = (
    subscribeOptions: { fromPosition?: number; filter?: EventFilter },
    handler: (event: RecordedEvent) => Promise<void>,
  ): Subscription => {
    assertOpen();
    const from = subscribeOptions.fromPosition ?? 0;
    assertPosition(from);
    const filter = subscribeOptions.filter;
    let position = from;
    let stopped = false;
    let current: AllStreamSubscription | null = null;
    let wakeSleeper: (() => void) | null = null;
    let resolveCaughtUp!: () => void;
    let rejectCaughtUp!: (error: unknown) => void;
    const caughtUp = new Promise<void>((resolve, reject) => {
      resolveCaughtUp = resolve;
      rejectCaughtUp = reject;
    });
    caughtUp.catch(() => {});
    const serverFilter: Filter =
      filter?.streamPrefix !== undefined && filter.streamPrefix !== ""
        ? streamNameFilter({ prefixes: [filter.streamPrefix] })
        : filter?.eventTypes && filter.eventTypes.length > 0
          ? eventTypeFilter({ regex: `^(${filter.eventTypes.map(escapeRegex).join("|")})$` })
          : excludeSystemEvents();

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wakeSleeper = null;
          resolve();
        }
        wakeSleeper = done;
      });

    /** One subscription call, until it drops; handler errors come out wrapped. */
    const follow = async () => {
      const callOptions: SubscribeCallOptions = {
        fromPosition: position > 0 ? toPosition(position) : START,
        filter: serverFilter,
      };
      const subscription = client.subscribeToAll(callOptions);
      current = subscription;
      if (stopped) {
        // stop() came while the server check was under way: it could not see this call to cancel it.
        current = null;
        await subscription.unsubscribe().catch(() => {});
        subscription.destroy();
        return;
      }
      // The client emits "caughtUp" when the message passes its transform, while the events before it
      // may still wait in its buffer, unhandled. Count the events converted before the message and
      // resolve once the handler has finished that many.
      const internals = subscription as unknown as {
        convertGrpcEvent?: (grpcEvent: unknown) => AllStreamResolvedEvent;
      };
      const convert = internals.convertGrpcEvent;
      if (typeof convert !== "function") {
        throw new EventStoreConfigurationError(
          "This @eventstore/db-client no longer has Subscription.convertGrpcEvent: check the caught-up ordering",
        );
      }
      let converted = 0;
      let delivered = 0;
      let caughtUpAfter: number | null = null;
      internals.convertGrpcEvent = (grpcEvent) => {
        converted += 1;
        return convert.call(subscription, grpcEvent);
      };
      const noteCaughtUp = () => {
        if (caughtUpAfter !== null && delivered >= caughtUpAfter) resolveCaughtUp();
      };
      subscription.on("caughtUp", () => {
        caughtUpAfter ??= converted;
        noteCaughtUp();
      });
      try {
        for await (const resolved of subscription) {
          if (stopped) return;
          const event = resolved.event;
          const stored = event ? toStored(event) : null;
          if (stored && stored.position > position && matchesFilter(stored, filter)) {
            const [recorded] = await decodeBatch([stored]);
            try {
              if (recorded) await handler(recorded);
            } catch (error) {
              throw new HandlerFailure(error);
            }
            position = stored.position;
          }
          delivered += 1;
          noteCaughtUp();
        }
      } finally {
        current = null;
        await subscription.unsubscribe().catch(() => {});
      }
      // The server ended the call without an error (e.g. a leader change): follow again from `position`.
      throw new EventStoreUnavailableError("subscribeToAll: the subscription ended");
    };

    const run = async () => {
      let unavailableSince: number | null = null;
      while (!stopped) {
        try {
          await serverReady("subscribeToAll");
          await follow();
        } catch (error) {
          if (error instanceof HandlerFailure) throw error.cause;
          if (stopped) return;
          const mapped = readFromPositionError(error, "subscribeToAll", position);
          if (!(mapped instanceof EventStoreUnavailableError)) throw mapped;
          // Ride out a dropped connection or an election as the Postgres adapter does, resuming after the
          // last handled event.
          unavailableSince ??= Date.now();
          if (Date.now() - unavailableSince > maxUnavailableMs) throw mapped;
          await pause(Math.min(1_000, maxUnavailableMs));
          continue;
        }
        unavailableSince = null;
      }
    };

    const done = run();
    done.then(resolveCaughtUp, rejectCaughtUp);
    done.catch(() => {});
    const subscription: Subscription = {
      get position() {
        return position;
      },
      done,
      caughtUp,
      async stop() {
        stopped = true;
        wakeSleeper?.();
        const following = current;
        await following?.unsubscribe().catch(() => {});
        following?.destroy(); // ends its iterator even if the cancelled call never ends the stream
        await done.catch(() => {});
      },
    };
    subscriptions.add(subscription);
    done.finally(() => subscriptions.delete(subscription)).catch(() => {});
    return subscription;
  };

  return {
    capabilities,
    append,
    readStream,
    readAll,
    headPosition,
    subscribeToAll,

    async streamRevision(streamId) {
      assertOpen();
      assertStreamId(streamId);
      await serverReady("streamRevision");
      return (await streamHead(streamId))?.revision ?? null;
    },

    async verifyStream(streamId): Promise<StreamVerification> {
      assertOpen();
      assertStreamId(streamId);
      await serverReady("verifyStream");
      const verifier = new ChainVerifier();
      for await (const stored of storedStream(streamId, {})) {
        verifier.add({
          prevHash: stored.prevHash,
          streamId,
          revision: stored.revision,
          eventId: stored.eventId,
          type: stored.type,
          schemaVersion: stored.schemaVersion,
          dataJson: canonicalJson(stored.data),
          metadataJson: canonicalJson(stored.metadata),
          hash: stored.hash,
        });
      }
      return verifier.result();
    },

    async forget(subjectId) {
      assertOpen();
      if (!vault)
        throw new EventIntegrityError("No key vault configured: there is no personal data to forget");
      await vault.forget(subjectId);
    },

    async subjectStreams(subjectId) {
      assertOpen();
      const keyId = vault ? await vault.keyIdOf(subjectId) : null;
      if (keyId === null) return [];
      // EventStoreDB has no index over the keys sealing an event's data: a scan of the log (see README).
      await serverReady("subjectStreams");
      const streams = new Set<string>();
      for await (const stored of readAllStored(0)) {
        if (stored === PAGE_END) continue;
        if (sealingKeyIds([stored]).includes(keyId)) streams.add(stored.streamId);
      }
      return [...streams].sort();
    },

    async subjectDigest(subjectId, message) {
      assertOpen();
      if (!vault)
        throw new EventIntegrityError("No key vault configured: there is no subject key to digest with");
      return subjectDigest((await vault.keyForSubject(subjectId)).dataKey, message);
    },

    async ping() {
      await headPosition();
    },

    async close() {
      if (closed) return;
      await Promise.all([...subscriptions].map((subscription) => subscription.stop()));
      closed = true;
      if (!options.client) await client.dispose();
    },
  };
}

/** Marks an error thrown by the subscriber's handler: it ends the subscription as it is, never retried. */
class HandlerFailure {
  constructor(readonly cause: unknown) {}
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

function mapAppendError(error: unknown, prepared: PreparedEvent[], size: number): Error {
  if (error instanceof Error && isCommandError(error)) {
    if (error.type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED) {
      const limit = (error as { maxAppendSize?: number }).maxAppendSize ?? 0;
      return new EventTooLargeError(prepared[0]?.type ?? "", size, limit);
    }
  }
  return toStoreError(error, "append");
}

/** The subset of ESDB's recorded event this adapter reads (stream reads may lack a position). */
interface RecordedEventLike {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  isJson: boolean;
  data: unknown;
  metadata: unknown;
  position?: Position;
}

function chain(streamId: string, prepared: PreparedEvent[], head: StoredEvent | null) {
  let prevHash = head?.hash ?? null;
  let revision = head?.revision ?? 0;
  return prepared.map((event) => {
    revision += 1;
    const hash = computeEventHash({
      prevHash,
      streamId,
      revision,
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      dataJson: event.dataJson,
      metadataJson: event.metadataJson,
    });
    const link = { event, hash, prevHash, revision };
    prevHash = hash;
    return link;
  });
}
