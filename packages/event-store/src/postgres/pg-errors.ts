import { EventStoreError, EventStoreUnavailableError, InvalidEventError } from "../errors";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** SQLSTATE classes meaning "the database is not there for us right now". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|58)/;

export const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

export function isUnavailable(error: unknown): boolean {
  if (error instanceof EventStoreError) return error instanceof EventStoreUnavailableError;
  const state = sqlState(error);
  if (state !== undefined) return UNAVAILABLE_SQLSTATE.test(state);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : "";
  return /connection|terminat|timeout|not queryable|Connection terminated|socket/i.test(message);
}

/**
 * Turns a driver error into one of ours. Database errors about the data itself are reported by SQLSTATE
 * only: Postgres quotes offending values in its messages, and those may be personal data.
 */
export function toStoreError(error: unknown, operation: string): Error {
  if (error instanceof EventStoreError) return error;
  if (isUnavailable(error)) return new EventStoreUnavailableError(operation, { cause: error });
  const state = sqlState(error);
  if (state?.startsWith("22")) {
    return new InvalidEventError(
      `The database refused the event content (SQLSTATE ${state}) during ${operation}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseError(
    operation,
    state,
    state && /^(42|23|40|55|25|P0)/.test(state) ? message : undefined,
  );
}

/**
 * An unexpected database error. The original message is kept only for SQLSTATE classes whose messages
 * name objects rather than quote values (e.g. a missing table); otherwise it may hold personal data.
 */
export class DatabaseError extends EventStoreError {
  readonly code = "event_store.database_error";
  constructor(
    operation: string,
    readonly sqlState: string | undefined,
    safeMessage?: string,
  ) {
    super(
      `Unexpected database error during ${operation} (SQLSTATE ${sqlState ?? "unknown"})${safeMessage ? `: ${safeMessage}` : ""}`,
    );
  }
}
