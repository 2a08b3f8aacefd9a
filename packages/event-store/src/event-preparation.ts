import { canonicalJson } from "./canonical-json";
import { EventTooLargeError, InvalidEventError, UnknownEventTypeError } from "./errors";
import { eventIdsFor } from "./event-id";
import type {
  AppendOptions,
  AppendResult,
  EventMetadata,
  JsonObject,
  JsonValue,
  NewEvent,
  RecordedEvent,
} from "./types";
import type { UpcastEvent, Upcaster } from "./upcasting";
import {
  decryptField,
  encryptField,
  erasedField,
  findEncryptedFields,
  replaceEncryptedFields,
} from "./vault/field-encryption";
import type { KeyVault } from "./vault/postgres-key-vault";

export const MAX_EVENT_BYTES = 1024 * 1024;

/** Settings every adapter shares. */
export interface EventStoreCommonOptions {
  /** When given, any other event type is refused before anything is written. */
  knownEventTypes?: Iterable<string>;
  /** Extra check before writing (e.g. the domain's zod schemas); throw to refuse. */
  validateEvent?: (event: NewEvent) => void;
  upcasters?: readonly Upcaster[];
  /** Serialized size limit of one event (data + metadata); defaults to 1 MiB. */
  maxEventBytes?: number;
  /** Source of `recordedAt`; defaults to the system clock. */
  clock?: () => Date;
}

/** One event ready to store: ids derived, JSON canonical, personal data sealed. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  schemaVersion: number;
  /** Canonical JSON of the data as stored (the personal field as ciphertext). */
  dataJson: string;
  metadataJson: string;
  /** The data key sealing the personal field, if any. */
  keyId: string | null;
  personal: NewEvent["personal"];
  /** The caller's data, as given. */
  plainData: JsonObject;
  metadata: RecordedEvent["metadata"];
}

const STREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_.:-]{0,199}$/;

export const isValidStreamId = (streamId: string): boolean => STREAM_ID.test(streamId);

export function assertStreamId(streamId: string): void {
  if (typeof streamId !== "string" || !STREAM_ID.test(streamId)) {
    throw new InvalidEventError("Stream ids are 1–200 characters of letters, digits and _ . : -");
  }
}

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Dot paths into an event's data: names, or `*` for every element of an array. */
const PERSONAL_PATH = /^(\*|[A-Za-z_$][A-Za-z0-9_$]*)(\.(\*|[A-Za-z_$][A-Za-z0-9_$]*))*$/;

/**
 * Where a path pattern lands in `data`: each concrete path ("documents.0.name") and its holder. Every
 * object or array the walk steps into is first replaced in its holder by a copy of its own (once: `copies`
 * holds the copies made, `data` itself among them), so values can be replaced at the places found without
 * touching the caller's data, as in a deep copy (`structuredClone`, which cost microseconds per sealed
 * event for the few containers written to); the rest stays shared.
 */
function locate(
  data: JsonObject,
  pattern: string,
  copies: Set<JsonObject | JsonValue[]>,
): { path: string; holder: JsonObject | JsonValue[]; key: string | number }[] {
  const found: { path: string; holder: JsonObject | JsonValue[]; key: string | number }[] = [];
  const ownCopy = (
    holder: JsonObject | JsonValue[],
    key: string | number,
    value: JsonObject | JsonValue[],
  ) => {
    if (copies.has(value)) return value;
    const copy = Array.isArray(value) ? value.slice() : { ...value };
    copies.add(copy);
    if (Array.isArray(holder)) holder[key as number] = copy;
    else holder[key as string] = copy;
    return copy;
  };
  const walk = (holder: JsonObject | JsonValue[], segments: string[], prefix: string) => {
    const [segment, ...rest] = segments;
    if (segment === undefined) return;
    const keys: (string | number)[] =
      segment === "*" ? (Array.isArray(holder) ? holder.map((_, index) => index) : []) : [segment];
    for (const key of keys) {
      if (Array.isArray(holder) !== (typeof key === "number")) continue;
      const value = Array.isArray(holder) ? holder[key as number] : holder[key as string];
      const path = `${prefix}${key}`;
      if (value === undefined || value === null) continue;
      if (rest.length === 0) found.push({ path, holder, key });
      else if (typeof value === "object") walk(ownCopy(holder, key, value), rest, `${path}.`);
    }
  };
  walk(data, pattern.split("."), "");
  return found;
}

/**
 * Checks an append and serializes its events, without touching any storage: every refusal (unknown
 * type, oversized event, bad ids) happens here, before a key is created or a row written.
 */
export function prepareAppend(
  streamId: string,
  events: readonly NewEvent[],
  options: AppendOptions,
  settings: {
    knownTypes: ReadonlySet<string> | null;
    common: EventStoreCommonOptions;
    vaultConfigured: boolean;
  },
): PreparedEvent[] {
  assertStreamId(streamId);
  const { expectedRevision, commandId } = options;
  if (
    expectedRevision !== "any" &&
    expectedRevision !== "no_stream" &&
    !(Number.isSafeInteger(expectedRevision) && expectedRevision >= 0)
  ) {
    throw new InvalidEventError('expectedRevision is "any", "no_stream" or a revision (an integer ≥ 0)');
  }
  if (typeof commandId !== "string" || commandId.length === 0 || commandId.length > 200) {
    throw new InvalidEventError("commandId is a non-empty string of at most 200 characters");
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidEventError("An append needs at least one event");
  }
  const limit = settings.common.maxEventBytes ?? MAX_EVENT_BYTES;
  const recordedAt = (settings.common.clock?.() ?? new Date()).toISOString();
  const eventIds = eventIdsFor(commandId, events.length);
  // Events of one command usually share one metadata object: serialize it once.
  const metadataTexts = new Map<
    EventMetadata,
    { metadata: RecordedEvent["metadata"]; json: string; bytes: number }
  >();

  return events.map((event, index) => {
    if (typeof event.type !== "string" || !EVENT_TYPE.test(event.type)) {
      throw new InvalidEventError("Event types are 1–200 characters of letters, digits and _ . : -");
    }
    if (settings.knownTypes && !settings.knownTypes.has(event.type))
      throw new UnknownEventTypeError(event.type);
    if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
      throw new InvalidEventError(`Event ${event.type} has an invalid schemaVersion`);
    }
    if (!isPlainObject(event.data)) throw new InvalidEventError(`Event ${event.type} data must be an object`);
    if (!isPlainObject(event.metadata))
      throw new InvalidEventError(`Event ${event.type} metadata must be an object`);
    if (event.metadata.commandId !== commandId) {
      throw new InvalidEventError(
        `Event ${event.type} metadata.commandId differs from the append's commandId`,
      );
    }
    if (event.personal !== undefined) {
      if (!settings.vaultConfigured) {
        throw new InvalidEventError("Personal data needs the vault: configure a master key");
      }
      const { subjectId, field, paths } = event.personal;
      if (typeof subjectId !== "string" || subjectId.length === 0 || subjectId.length > 200) {
        throw new InvalidEventError(`Event ${event.type} has an invalid personal.subjectId`);
      }
      if (field === undefined && paths === undefined) {
        throw new InvalidEventError(`Event ${event.type} names no personal field or paths`);
      }
      if (field !== undefined && (typeof field !== "string" || event.data[field] === undefined)) {
        throw new InvalidEventError(`Event ${event.type} has no data field named by personal.field`);
      }
      if (
        paths !== undefined &&
        (!Array.isArray(paths) ||
          !paths.every((path) => typeof path === "string" && PERSONAL_PATH.test(path)))
      ) {
        throw new InvalidEventError(`Event ${event.type} has an invalid personal.paths`);
      }
    }
    settings.common.validateEvent?.(event);

    let serializedMetadata = metadataTexts.get(event.metadata);
    if (!serializedMetadata) {
      // Not `{ ...event.metadata, recordedAt }`: in Node 20 a spread followed by a key its source lacks
      // costs about 2 µs. Object.assign sets keys, so an own "__proto__" key (JSON.parse makes one) would
      // set the prototype instead: that rare metadata keeps the spread.
      const metadata: RecordedEvent["metadata"] = Object.hasOwn(event.metadata, "__proto__")
        ? { ...event.metadata, recordedAt }
        : Object.assign({}, event.metadata, { recordedAt });
      const json = canonicalJson(metadata);
      serializedMetadata = { metadata, json, bytes: Buffer.byteLength(json, "utf8") };
      metadataTexts.set(event.metadata, serializedMetadata);
    }
    const { metadata, json: metadataJson } = serializedMetadata;
    const dataJson = canonicalJson(event.data);
    const size = Buffer.byteLength(dataJson, "utf8") + serializedMetadata.bytes;
    if (size > limit) throw new EventTooLargeError(event.type, size, limit);

    return {
      eventId: eventIds[index] ?? "",
      type: event.type,
      schemaVersion: event.schemaVersion,
      dataJson,
      metadataJson,
      keyId: null,
      personal: event.personal,
      plainData: event.data,
      metadata,
    };
  });
}

/**
 * Replaces each personal value (the personal field and every value its paths reach) by its ciphertext
 * under the subject's key, creating the key if needed. Each value is bound to the event and its path.
 */
export async function sealPersonalData(
  prepared: PreparedEvent[],
  vault: Pick<KeyVault, "keyForSubject"> | null,
): Promise<void> {
  for (const event of prepared) {
    if (!event.personal) continue;
    if (!vault) throw new InvalidEventError("Personal data needs the vault: configure a master key");
    const { subjectId, field, paths = [] } = event.personal;
    const patterns = field === undefined ? paths : [field, ...paths];
    const sealed = { ...event.plainData };
    const copies = new Set<JsonObject | JsonValue[]>([sealed]);
    const places = patterns.flatMap((pattern) => locate(sealed, pattern, copies));
    if (places.length === 0) continue;
    const key = await vault.keyForSubject(subjectId);
    for (const { path, holder, key: at } of places) {
      const value = Array.isArray(holder) ? holder[at as number] : holder[at as string];
      if (value === undefined) continue;
      const envelope = encryptField(key.dataKey, key.keyId, event.eventId, path, value);
      if (Array.isArray(holder)) holder[at as number] = envelope;
      else holder[at as string] = envelope;
    }
    event.dataJson = canonicalJson(sealed);
    event.keyId = key.keyId;
  }
}

export interface StoredEvent {
  eventId: string;
  streamId: string;
  revision: number;
  position: number;
  type: string;
  schemaVersion: number;
  /** The stored data: a personal field is still ciphertext. */
  data: JsonObject;
  metadata: EventMetadata & { recordedAt: string };
  hash: string;
  prevHash: string | null;
}

/**
 * Stored → what readers see: every sealed value decrypted (or `{ erased: true }` when its key is gone),
 * then upcast to the current schema version.
 */
export function toRecordedEvent(
  stored: StoredEvent,
  /** The data key of a subject (undefined: erased), or "omit" to leave the sealed values out unread. */
  dataKeyFor: ((keyId: string) => Buffer | undefined) | "omit",
  upcast: UpcastEvent,
  /** false when the data is known to hold no sealed value (it is not walked). */
  mayHoldSealed = true,
): RecordedEvent {
  const data = mayHoldSealed
    ? replaceEncryptedFields(stored.data, (envelope, path) => {
        if (dataKeyFor === "omit") return undefined;
        const key = dataKeyFor(envelope.keyId);
        return key ? decryptField(key, envelope, stored.eventId, path) : erasedField();
      })
    : stored.data;
  const current = upcast({
    type: stored.type,
    schemaVersion: stored.schemaVersion,
    data,
    metadata: stored.metadata,
  });
  return {
    eventId: stored.eventId,
    streamId: stored.streamId,
    revision: stored.revision,
    position: stored.position,
    type: stored.type,
    schemaVersion: current.schemaVersion,
    data: current.data,
    metadata: stored.metadata,
    hash: stored.hash,
    prevHash: stored.prevHash,
  };
}

/** The key ids that seal values of these stored events (to fetch them in one query). */
export const sealingKeyIds = (events: readonly StoredEvent[]): string[] => [
  ...new Set(
    events.flatMap((event) => findEncryptedFields(event.data).map((sealed) => sealed.envelope.keyId)),
  ),
];

export function appendResultOf(streamId: string, events: RecordedEvent[], replayed: boolean): AppendResult {
  return {
    streamId,
    firstRevision: events[0]?.revision ?? 0,
    lastRevision: events.at(-1)?.revision ?? 0,
    firstPosition: events[0]?.position ?? 0,
    lastPosition: events.at(-1)?.position ?? 0,
    replayed,
    events,
  };
}
