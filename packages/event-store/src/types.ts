export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type EventActor = {
  id: string;
  /** Who it was, by name (the token's `name` claim); absent on events recorded before names were kept. */
  name?: string;
  role: string;
  unitId: string | null;
};

export interface EventMetadata {
  commandId: string;
  correlationId: string;
  causationId: string | null;
  actor: EventActor;
  /** Business time, ISO 8601 with an offset. */
  occurredAt: string;
  /** Anything else the caller wants to keep with the event (e.g. `commandHash`). */
  [extra: string]: JsonValue;
}

export interface PersonalDataField {
  /** Whose data it is: the key that encrypts it belongs to this subject. Use an opaque id, never a name. */
  subjectId: string;
  /** `data[field]` holds the person's data (it must be present); stored encrypted, read back decrypted. */
  field?: string;
  /**
   * More places in `data` holding the person's data or free text that may name them, sealed the same way
   * under the same key: dot paths, `*` for every element of an array (`"documents.*.name"`). Values that
   * are absent or null are left as they are.
   */
  paths?: readonly string[];
}

export interface NewEvent {
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: EventMetadata;
  personal?: PersonalDataField;
}

export interface RecordedEvent {
  eventId: string;
  streamId: string;
  /** 1-based position of the event in its stream. */
  revision: number;
  /** Position in the global log; ascending in delivery order; what read models keep as their checkpoint. */
  position: number;
  type: string;
  /** The version after upcasting: readers always see the current shape. */
  schemaVersion: number;
  /** Decrypted. A forgotten subject's sealed values read as `{ erased: true }`. */
  data: JsonObject;
  metadata: EventMetadata & { recordedAt: string };
  hash: string;
  prevHash: string | null;
}

/** A recorded event as projections read it: sealed values left out, no id, hash or chain link. */
export type ProjectionEvent = Omit<RecordedEvent, "eventId" | "hash" | "prevHash">;

/** "any": no check; "no_stream": the stream must not exist; a number: the stream's current last revision. */
export type ExpectedRevision = "any" | "no_stream" | number;

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /** Event ids derive from it, so the same command appended twice adds nothing. */
  commandId: string;
}

export interface AppendResult {
  streamId: string;
  firstRevision: number;
  lastRevision: number;
  firstPosition: number;
  lastPosition: number;
  /** True when this command had already been appended: nothing new was written, `events` are the originals. */
  replayed: boolean;
  events: RecordedEvent[];
}

export type ReadDirection = "forwards" | "backwards";

export interface ReadStreamOptions {
  direction?: ReadDirection;
  /** Forwards: start at this revision (inclusive). Backwards: start at this revision and go down. */
  fromRevision?: number;
  maxCount?: number;
}

export interface EventFilter {
  eventTypes?: readonly string[];
  streamPrefix?: string;
}

export interface ReadAllOptions {
  /**
   * Exclusive: events after this position. Defaults to the start of the log. Pass 0 or a position this store
   * returned (an event's `position`, `headPosition()`, a checkpoint): other numbers are refused with
   * `InvalidPositionError` where `capabilities.acceptsAnyPosition` is false.
   */
  fromPosition?: number;
  maxCount?: number;
  filter?: EventFilter;
  /**
   * `"omit"`: the sealed values (personal data, free text) are left out of each event's data instead of being decrypted — for
   * readers that never use it (projections, reactors), which then skip the vault and the decryption.
   * Default `"decrypt"`.
   */
  personalData?: PersonalDataReading;
}

export type PersonalDataReading = "decrypt" | "omit";

export interface SubscribeOptions {
  /** Exclusive: deliver events after this position (a read model's checkpoint); 0 or a position the store returned. */
  fromPosition?: number;
  filter?: EventFilter;
}

export type EventHandler = (event: RecordedEvent) => Promise<void>;

export interface Subscription {
  /** Stops delivery; resolves once the handler is no longer running. */
  stop(): Promise<void>;
  /** Resolves when stopped; rejects with the error that ended the subscription (a handler's or the store's). */
  readonly done: Promise<void>;
  /** Resolves once the subscription has delivered everything that existed when it started. */
  readonly caughtUp: Promise<void>;
  /** The position of the last event handed to the handler and completed (or the starting position). */
  readonly position: number;
}

export interface StreamVerification {
  valid: boolean;
  events: number;
  /** The first revision whose stored content or place in the chain does not match its hash. */
  brokenAt?: number;
}

/**
 * The port's promises an adapter cannot keep, said out loud: the contract suite reads these and checks the
 * stated behaviour instead of the full promise, and the README lists them under Known limits.
 */
export interface StoreCapabilities {
  /** `append` raises `CommandIdReusedError` when a command id already appended to one stream is used on another. */
  readonly detectsCommandIdReuse: boolean;
  /**
   * How many events may follow a command's events for an `"any"` retry of it still to be answered as a
   * replay; null: any number. (Retries with `"no_stream"` or a revision are recognised however far back.)
   */
  readonly anyRetryWindow: number | null;
  /** Reads and subscriptions start at any number; false: only at 0 or a position the store returned. */
  readonly acceptsAnyPosition: boolean;
  /** Size limit of one whole append (all its events, as sent to the store); null: only the per-event limit. */
  readonly maxAppendBytes: number | null;
}

/** An event's place in the global log and its hash (see EventStore.readHashes). */
export interface LogHash {
  readonly position: number;
  readonly hash: string;
}

export interface EventStore {
  /** What this adapter cannot promise (see StoreCapabilities). */
  readonly capabilities: StoreCapabilities;
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** A missing stream yields nothing. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  streamRevision(streamId: string): Promise<number | null>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /**
   * Optional, for readers that need only the log's hashes (the transparency tree): the position and
   * `hash` of at most `maxCount` events with fromPosition < position ≤ upToPosition, in position order,
   * without their data. `upToPosition` must be a head this store returned. Adapters without it are read
   * through readAll.
   */
  readHashes?(fromPosition: number, upToPosition: number, maxCount: number): Promise<LogHash[]>;
  /**
   * Optional, for projections catching up (the projector's feeder and direct rebuild): `readAll` with
   * `personalData: "omit"`, without what they never read (event id, hash, previous hash) and decoded with
   * less work. Adapters without it are read through readAll.
   */
  readAllForProjection?(
    options?: Pick<ReadAllOptions, "fromPosition" | "maxCount">,
  ): AsyncIterable<ProjectionEvent>;
  /** Catch-up from `fromPosition`, then live, in ascending position, each event once. */
  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription;
  /** The highest position a reader may read without skipping an event that commits later. */
  headPosition(): Promise<number>;
  /**
   * Optional, for followers that would otherwise poll the head (the projector's feeder): calls `wake`
   * when events may have been appended, here or in another process (Postgres: LISTEN/NOTIFY, NOTIFYs
   * shared by the appends of a few ms). A hint only — a wake-up can be late or lost (the LISTEN session
   * down), so followers keep a slower poll beside it. Answers how to stop.
   */
  onAppended?(wake: () => void): () => void;
  verifyStream(streamId: string): Promise<StreamVerification>;
  /** Crypto-shredding: destroys the subject's key; their data then reads as erased everywhere. */
  forget(subjectId: string): Promise<void>;
  /**
   * The streams holding data sealed under the subject's key, in stream-id order: where a person's data
   * is, for their right of access and before erasing them. Empty when the subject has no key (never had
   * one, or was forgotten). Never creates a key.
   */
  subjectStreams(subjectId: string): Promise<string[]>;
  /**
   * A keyed digest (hex) of `message` under a key derived from the subject's own data key, created if the
   * subject has none: a fingerprint of a request holding their data that nobody can brute-force from
   * stored rows, and that cannot be recomputed once the subject is forgotten.
   */
  subjectDigest(subjectId: string, message: string): Promise<string>;
  /** Cheap liveness probe for health checks; throws EventStoreUnavailableError when down. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
