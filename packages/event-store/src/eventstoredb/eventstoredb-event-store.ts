import {
  type AllStreamRecordedEvent,
  type AllStreamSubscription,
  BACKWARDS,
  END,
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
  streamNameFilter,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import { canonicalJson } from "../canonical-json";
import {
  EventIntegrityError,
  EventStoreClosedError,
  EventStoreError,
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
  StreamVerification,
  Subscription,
} from "../types";
import { createUpcastChain } from "../upcasting";
import { findEncryptedField } from "../vault/field-encryption";
import type { KeyVault } from "../vault/postgres-key-vault";

/*
 * Mapping of the port onto EventStoreDB
 * - Revisions: ours are 1-based, EventStoreDB's 0-based. Our revision n is ESDB revision n - 1; our
 *   "no_stream" (or 0) is NO_STREAM. Every append passes the concrete revision it read (even for "any")
 *   so the hash chain is computed against the real predecessor; "any" retries on a race.
 * - Positions: our position is the event's $all commit position (a bigint in ESDB, a JS number here: exact
 *   up to 2^53 bytes of log, i.e. 8 PiB). ESDB writes a log record per event and, for events not written in
 *   explicit transactions (this client cannot make them), commit == prepare, so a position read back as
 *   { commit: p, prepare: p } resumes exactly after that event. $all only ever shows committed events in
 *   log order, so there is no in-flight gap to guard against: the head is simply the last event of $all.
 * - Hash chain: ESDB has no per-event hash, so the event's metadata carries it:
 *   { $correlationId, $causationId, motcua: { schemaVersion, hash, prevHash, metadata } }. Data is the
 *   canonical JSON object; the hash is computed here with the very same layout as the Postgres adapter.
 * - Personal data: sealed exactly as with Postgres; the data keys live in Postgres (the KeyVault).
 * - Filters: subscriptions filter server-side (event type regex or stream prefix, else excluding system
 *   events); readAll in this client has no server-side filter, so it skips system events and applies the
 *   filter as it reads.
 */

export interface EventStoreDbEventStoreOptions extends EventStoreCommonOptions {
  /** e.g. esdb://localhost:2113?tls=false */
  connectionString?: string;
  client?: EventStoreDBClient;
  /** Where personal-data keys live (Postgres). Without one, events carrying personal data are refused. */
  keyVault?: KeyVault;
  /** Events decoded together (one vault query per batch). Default 500. */
  pageSize?: number;
}

interface StoredMetadata {
  $correlationId?: string;
  $causationId?: string;
  motcua: {
    schemaVersion: number;
    hash: string;
    prevHash: string | null;
    metadata: EventMetadata & { recordedAt: string };
  };
}

const MAX_APPEND_ATTEMPTS = 8;
/** How far back an "any" append looks for its own earlier attempt. */
const REPLAY_SCAN = 200;

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

function toStoreError(error: unknown, operation: string): Error {
  if (error instanceof EventStoreError) return error;
  if (error instanceof Error && isCommandError(error)) {
    const unavailable = ["unavailable", "deadline-exceeded", "timeout", "not-leader", "cancelled"];
    if (unavailable.includes(error.type)) return new EventStoreUnavailableError(operation, { cause: error });
  }
  if (
    error instanceof Error &&
    /ECONNREFUSED|UNAVAILABLE|connect|No connection established/i.test(error.message)
  ) {
    return new EventStoreUnavailableError(operation, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function createEventStoreDbEventStore(options: EventStoreDbEventStoreOptions): EventStore {
  const client =
    options.client ??
    (options.connectionString
      ? EventStoreDBClient.connectionString(options.connectionString)
      : (() => {
          throw new Error("createEventStoreDbEventStore needs a connectionString or a client");
        })());
  const vault = options.keyVault ?? null;
  const upcast = createUpcastChain(options.upcasters);
  const knownTypes = options.knownEventTypes ? new Set(options.knownEventTypes) : null;
  const pageSize = options.pageSize ?? 500;
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new EventStoreClosedError();
  };

  /** Raw ESDB events → stored form (ciphertext still in place); events not written by us are dropped. */
  const toStored = (event: AllStreamRecordedEvent | RecordedEventLike): StoredEvent | null => {
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
    };
  };

  /** Decrypts a batch with one vault query, then upcasts. */
  const decodeBatch = async (
    batch: StoredEvent[],
    personalData: PersonalDataReading = "decrypt",
  ): Promise<RecordedEvent[]> => {
    if (personalData === "omit") return batch.map((event) => toRecordedEvent(event, "omit", upcast));
    const keyIds = batch.flatMap((event) => {
      const sealed = findEncryptedField(event.data);
      return sealed ? [sealed.envelope.keyId] : [];
    });
    const keys = keyIds.length > 0 && vault ? await vault.existingKeys(keyIds) : new Map<string, Buffer>();
    return batch.map((event) => toRecordedEvent(event, (keyId) => keys.get(keyId), upcast));
  };

  async function* storedStream(
    streamId: string,
    readOptions: ReadStreamOptions,
  ): AsyncGenerator<StoredEvent> {
    const forwards = (readOptions.direction ?? "forwards") === "forwards";
    const from = readOptions.fromRevision;
    const read = client.readStream(streamId, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: from === undefined ? (forwards ? START : END) : BigInt(Math.max(from - 1, 0)),
      ...(readOptions.maxCount === undefined ? {} : { maxCount: readOptions.maxCount }),
    });
    try {
      for await (const resolved of read) {
        const stored = resolved.event ? toStored(resolved.event as RecordedEventLike) : null;
        if (stored) yield stored;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw toStoreError(error, "readStream");
    }
  }

  async function* readStream(
    streamId: string,
    readOptions: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent> {
    assertOpen();
    assertStreamId(streamId);
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

  const readAllStored = async function* (fromPosition: number | undefined): AsyncGenerator<StoredEvent> {
    const read = client.readAll({
      direction: FORWARDS,
      fromPosition: fromPosition ? toPosition(fromPosition) : START,
    });
    try {
      for await (const resolved of read) {
        const event = resolved.event;
        if (!event) continue;
        const stored = toStored(event);
        if (stored && stored.position > (fromPosition ?? 0)) yield stored;
      }
    } catch (error) {
      throw toStoreError(error, "readAll");
    }
  };

  async function* readAll(readOptions: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    assertOpen();
    let remaining = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    let batch: StoredEvent[] = [];
    if (remaining <= 0) return;
    for await (const stored of readAllStored(readOptions.fromPosition)) {
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

  const streamHead = async (streamId: string): Promise<StoredEvent | null> => {
    for await (const stored of storedStream(streamId, { direction: "backwards", maxCount: 1 })) return stored;
    return null;
  };

  /** Looks for the events an earlier attempt of this command appended to the stream. */
  const findOriginal = async (
    streamId: string,
    commandId: string,
    firstEventId: string,
    head: StoredEvent | null,
  ): Promise<RecordedEvent[] | null> => {
    if (!head) return null;
    const candidates: StoredEvent[] = [];
    for await (const stored of storedStream(streamId, { direction: "backwards", maxCount: REPLAY_SCAN })) {
      candidates.unshift(stored);
      if (stored.eventId === firstEventId) break;
    }
    const startIndex = candidates.findIndex((event) => event.eventId === firstEventId);
    if (startIndex < 0) return null;
    const original = candidates.slice(startIndex);
    const end = original.findIndex((event) => event.metadata.commandId !== commandId);
    return decodeBatch(end < 0 ? original : original.slice(0, end));
  };

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
    await sealPersonalData(prepared, vault);
    const firstEventId = prepared[0]?.eventId ?? "";
    const expected = appendOptions.expectedRevision;

    for (let attempt = 0; ; attempt += 1) {
      let head: StoredEvent | null;
      try {
        head = await streamHead(streamId);
      } catch (error) {
        throw toStoreError(error, "append");
      }
      const current = head?.revision ?? null;
      const matches =
        expected === "any" ||
        ((expected === "no_stream" || expected === 0) && current === null) ||
        (typeof expected === "number" && expected > 0 && current === expected);
      if (!matches || attempt > 0) {
        const original = await findOriginal(streamId, appendOptions.commandId, firstEventId, head);
        if (original && original.length > 0) return appendResultOf(streamId, original, true);
        if (!matches) throw new RevisionConflictError(streamId, expected, current);
      }

      const chained = chain(streamId, prepared, head);
      try {
        const result = await client.appendToStream(
          streamId,
          chained.map(({ event, hash, prevHash }) =>
            jsonEvent({
              id: event.eventId,
              type: event.type,
              data: JSON.parse(event.dataJson) as JsonObject,
              metadata: {
                $correlationId: event.metadata.correlationId,
                $causationId: event.metadata.causationId ?? event.eventId,
                motcua: { schemaVersion: event.schemaVersion, hash, prevHash, metadata: event.metadata },
              },
            }),
          ),
          { expectedRevision: current === null ? NO_STREAM : BigInt(current - 1) },
        );
        const lastPosition = result.position ? Number(result.position.commit) : 0;
        const stored: StoredEvent[] = [];
        const firstRevision = (current ?? 0) + 1;
        for await (const event of storedStream(streamId, {
          fromRevision: firstRevision,
          maxCount: prepared.length,
        })) {
          stored.push(event);
        }
        // EventStoreDB answers success, writing nothing, when the same event ids were already written at
        // this revision (a racing retry of this command). Our copy differs from the stored one at least by
        // recordedAt, hence by hash: then report the original, as a replay.
        if (stored[0] && stored[0].hash !== chained[0]?.hash) {
          return appendResultOf(streamId, await decodeBatch(stored), true);
        }
        const appended = stored.map((event) => toRecordedEvent(event, () => undefined, upcast));
        // Return the caller's plaintext (the stored copy is sealed), with the positions ESDB reports.
        const recorded = chained.map(({ event, hash, prevHash, revision }, index) =>
          toRecordedEvent(
            {
              eventId: event.eventId,
              streamId,
              revision,
              position: appended[index]?.position || (index === chained.length - 1 ? lastPosition : 0),
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
      } catch (error) {
        if (error instanceof WrongExpectedVersionError && attempt + 1 < MAX_APPEND_ATTEMPTS) continue;
        throw toStoreError(error, "append");
      }
    }
  };

  const headPosition = async (): Promise<number> => {
    assertOpen();
    try {
      for await (const resolved of client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) {
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
    const filter = subscribeOptions.filter;
    let position = from;
    let stopped = false;
    let esdbSubscription: AllStreamSubscription | null = null;
    let resolveCaughtUp!: () => void;
    const caughtUp = new Promise<void>((resolve) => {
      resolveCaughtUp = resolve;
    });
    let caughtUpAt = Number.POSITIVE_INFINITY;
    const noteProgress = (at: number) => {
      if (at >= caughtUpAt) resolveCaughtUp();
    };
    const serverFilter: Filter =
      filter?.streamPrefix !== undefined && filter.streamPrefix !== ""
        ? streamNameFilter({
            prefixes: [filter.streamPrefix],
            checkpointReached: (_s, at) => noteProgress(Number(at.commit)),
          })
        : filter?.eventTypes && filter.eventTypes.length > 0
          ? eventTypeFilter({
              regex: `^(${filter.eventTypes.map(escapeRegex).join("|")})$`,
              checkpointReached: (_s, at) => noteProgress(Number(at.commit)),
            })
          : excludeSystemEvents({ checkpointReached: (_s, at) => noteProgress(Number(at.commit)) });

    const run = async () => {
      const head = await headPosition();
      caughtUpAt = head;
      if (head <= from) resolveCaughtUp();
      if (stopped) return;
      const subscription = client.subscribeToAll({
        fromPosition: from > 0 ? toPosition(from) : START,
        filter: serverFilter,
      });
      esdbSubscription = subscription;
      subscription.on("caughtUp", () => resolveCaughtUp());
      try {
        for await (const resolved of subscription) {
          if (stopped) break;
          const event = resolved.event;
          if (!event) continue;
          const stored = toStored(event);
          const at = Number(event.position.commit);
          if (stored && stored.position > position && matchesFilter(stored, filter)) {
            const [recorded] = await decodeBatch([stored]);
            if (recorded) await handler(recorded);
            position = stored.position;
          }
          noteProgress(at);
        }
      } catch (error) {
        if (!stopped) throw toStoreError(error, "subscribeToAll");
      }
    };

    const done = run().finally(() => resolveCaughtUp());
    done.catch(() => {});
    const subscription: Subscription = {
      get position() {
        return position;
      },
      done,
      caughtUp,
      async stop() {
        stopped = true;
        await esdbSubscription?.unsubscribe().catch(() => {});
        await done.catch(() => {});
      },
    };
    subscriptions.add(subscription);
    done.finally(() => subscriptions.delete(subscription)).catch(() => {});
    return subscription;
  };

  return {
    append,
    readStream,
    readAll,
    headPosition,
    subscribeToAll,

    async streamRevision(streamId) {
      assertOpen();
      assertStreamId(streamId);
      return (await streamHead(streamId))?.revision ?? null;
    },

    async verifyStream(streamId): Promise<StreamVerification> {
      assertOpen();
      assertStreamId(streamId);
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
