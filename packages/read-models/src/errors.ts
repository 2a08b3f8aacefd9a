/**
 * Errors with stable codes. The projector maps `PoisonEventError` to its dead-letter list; the API maps
 * the query errors to 400 and the rest to 503/500 once, in its error plugin.
 */
export class ReadModelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An event the projection cannot apply: unknown type or version, invalid data, or out of place. */
export class PoisonEventError extends ReadModelError {
  constructor(
    readonly event: { readonly streamId: string; readonly position: number; readonly type: string },
    readonly reason: string,
  ) {
    super(
      "read_models.poison_event",
      `cannot project ${event.type} at position ${event.position} (${event.streamId}): ${reason}`,
    );
  }
}

/** A batch whose positions do not ascend: the caller broke the per-partition order it promised. */
export class EventOrderError extends ReadModelError {
  constructor(message: string) {
    super("read_models.events_out_of_order", message);
  }
}

export class InvalidSchemaNameError extends ReadModelError {
  constructor(name: string) {
    super(
      "read_models.invalid_schema_name",
      `"${name}" is not a read-model schema name (lower-case letters, digits and _, starting with a letter)`,
    );
  }
}

/** Bad query input: a malformed date, a period backwards, an unreadable cursor, a limit out of range. */
export class InvalidQueryError extends ReadModelError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super("read_models.invalid_query", `${parameter}: ${message}`);
  }
}

/** The read models contradict themselves: a bug, never a user error. */
export class ReadModelInvariantError extends ReadModelError {
  constructor(message: string) {
    super("read_models.invariant_broken", message);
  }
}
