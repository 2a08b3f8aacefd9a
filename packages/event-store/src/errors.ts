import type { ExpectedRevision } from "./types";

/**
 * Every error the store raises on purpose. `code` is stable and is what callers switch on; messages
 * carry ids and counts only, never event data, so they are safe to log.
 */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RevisionConflictError extends EventStoreError {
  readonly code = "event_store.revision_conflict";
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's revision when the append was refused; null when the stream does not exist. */
    readonly actual: number | null,
  ) {
    super(`Stream ${streamId} is at revision ${actual ?? "none"}, the append expected ${String(expected)}`);
  }
}

/**
 * The database (or EventStoreDB) could not be reached or dropped the connection. When raised by `append`
 * the events may or may not have been committed: retry with the same command id, which is idempotent.
 */
export class EventStoreUnavailableError extends EventStoreError {
  readonly code = "event_store.unavailable";
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`The event store is unavailable (${operation})`, options);
  }
}

export class EventTooLargeError extends EventStoreError {
  readonly code = "event_store.event_too_large";
  constructor(
    readonly eventType: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`Event ${eventType} is ${sizeBytes} bytes serialized; the limit is ${limitBytes}`);
  }
}

export class UnknownEventTypeError extends EventStoreError {
  readonly code = "event_store.unknown_event_type";
  constructor(readonly eventType: string) {
    super(`Unknown event type ${JSON.stringify(eventType.slice(0, 100))}`);
  }
}

/** The events or options break the store's own rules (ids, names, shapes); nothing was written. */
export class InvalidEventError extends EventStoreError {
  readonly code = "event_store.invalid_event";
}

/** The command id was already used to append to another stream. */
export class CommandIdReusedError extends EventStoreError {
  readonly code = "event_store.command_id_reused";
  constructor(
    readonly commandId: string,
    readonly streamId: string,
    readonly originalStreamId: string,
  ) {
    super(`Command ${commandId} was already appended to ${originalStreamId}, not ${streamId}`);
  }
}

/**
 * A read or subscription was asked to start at a position the store cannot start from: EventStoreDB starts
 * only at 0 or at a position it returned (a record boundary of its log). See `capabilities.acceptsAnyPosition`.
 */
export class InvalidPositionError extends EventStoreError {
  readonly code = "event_store.invalid_position";
  constructor(
    readonly position: number,
    options?: { cause?: unknown },
  ) {
    super(`Position ${position} is not 0 or a position this store returned`, options);
  }
}

/** The stream was deleted (EventStoreDB: deleted or tombstoned by an operator); nothing was written. */
export class StreamDeletedError extends EventStoreError {
  readonly code = "event_store.stream_deleted";
  constructor(readonly streamId: string) {
    super(`Stream ${streamId} was deleted`);
  }
}

/** The store refused the credentials it was given for this operation (EventStoreDB ACLs, e.g. `$all` reads). */
export class EventStoreAccessDeniedError extends EventStoreError {
  readonly code = "event_store.access_denied";
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`The event store denied access (${operation})`, options);
  }
}

/** A stored event cannot be read as written (e.g. its ciphertext does not authenticate). */
export class EventIntegrityError extends EventStoreError {
  readonly code = "event_store.integrity";
}

export class EventStoreClosedError extends EventStoreError {
  readonly code = "event_store.closed";
  constructor() {
    super("The event store was closed");
  }
}

/** A setting is missing or malformed (named in the message; secret values are never quoted). */
export class EventStoreConfigurationError extends EventStoreError {
  readonly code = "event_store.configuration";
}
