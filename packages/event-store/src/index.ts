export { canonicalJson } from "./canonical-json";
export {
  computeLogCheckpoint,
  generateCheckpointKeyPair,
  type LogCheckpoint,
  type SignedCheckpoint,
  signCheckpoint,
  verifyCheckpointSignature,
  verifyLogAgainstCheckpoint,
} from "./checkpoint";
export {
  type ConfiguredEventStore,
  createEventStore,
  createEventStoreFromEnv,
  type EventStoreSelection,
  eventStoreSelectionFromEnv,
} from "./create-event-store";
export {
  CommandIdReusedError,
  EventIntegrityError,
  EventStoreAccessDeniedError,
  EventStoreClosedError,
  EventStoreConfigurationError,
  EventStoreError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidEventError,
  InvalidPositionError,
  RevisionConflictError,
  StreamDeletedError,
  UnknownEventTypeError,
} from "./errors";
export { eventIdFor, eventIdsFor } from "./event-id";
export { type EventStoreCommonOptions, MAX_EVENT_BYTES } from "./event-preparation";
export {
  createEventStoreDbEventStore,
  EVENTSTOREDB_CAPABILITIES,
  type EventStoreDbEventStoreOptions,
} from "./eventstoredb/eventstoredb-event-store";
export { computeEventHash, EVENT_HASH_VERSION, type HashedEventContent, hashInput } from "./hash-chain";
export { DatabaseError } from "./postgres/pg-errors";
export {
  createPostgresEventStore,
  POSTGRES_CAPABILITIES,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from "./postgres/postgres-event-store";
export { eventStoreSchemaSql, migratePostgresEventStore } from "./postgres/schema";
export type * from "./types";
export { createUpcastChain, type Upcaster } from "./upcasting";
export { createPostgresKeyVault, type KeyVault, migratePostgresKeyVault } from "./vault/postgres-key-vault";
