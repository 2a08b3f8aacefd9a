import pg from "pg";
import { EventStoreConfigurationError } from "./errors";
import type { EventStoreCommonOptions } from "./event-preparation";
import {
  assertUsableConnectionString,
  createEventStoreDbEventStore,
} from "./eventstoredb/eventstoredb-event-store";
import { createPostgresEventStore } from "./postgres/postgres-event-store";
import type { EventStore } from "./types";
import { createPostgresKeyVault, migratePostgresKeyVault } from "./vault/postgres-key-vault";

/** Which store to run, as plain values (the platform's validated config hands them over). */
export interface EventStoreSelection {
  /** EVENT_STORE: "postgres" (default) or "eventstoredb". */
  kind: "postgres" | "eventstoredb";
  /** EVENTSTORE_URL, required for eventstoredb (e.g. esdb://localhost:2113?tls=false). */
  eventStoreUrl?: string;
  /** DATABASE_URL: holds the Postgres event store, and the vault's keys with either store. */
  databaseUrl: string;
  /** VAULT_MASTER_KEY: 32 bytes, base64. */
  masterKey: string;
  schema?: string;
}

export type ConfiguredEventStore = EventStore & {
  readonly kind: EventStoreSelection["kind"];
  /** Creates what the store needs (tables, functions); idempotent. */
  migrate(): Promise<void>;
};

/**
 * Reads the selection from an environment-shaped record. It is handed the record (never reads
 * process.env itself) and names each bad value.
 */
export function eventStoreSelectionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): EventStoreSelection {
  const kind = (env.EVENT_STORE ?? "postgres").trim().toLowerCase();
  if (kind !== "postgres" && kind !== "eventstoredb") {
    throw new EventStoreConfigurationError('EVENT_STORE must be "postgres" or "eventstoredb"');
  }
  if (kind === "eventstoredb" && !env.EVENTSTORE_URL) {
    throw new EventStoreConfigurationError(
      "EVENT_STORE=eventstoredb needs EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false)",
    );
  }
  // Settings that silently break the store's promises are refused at start, named.
  if (kind === "eventstoredb" && env.EVENTSTORE_URL) assertUsableConnectionString(env.EVENTSTORE_URL);
  if (!env.DATABASE_URL)
    throw new EventStoreConfigurationError("DATABASE_URL is required (event store or vault keys)");
  if (!env.VAULT_MASTER_KEY)
    throw new EventStoreConfigurationError("VAULT_MASTER_KEY is required (32 bytes, base64)");
  return {
    kind,
    databaseUrl: env.DATABASE_URL,
    masterKey: env.VAULT_MASTER_KEY,
    ...(env.EVENTSTORE_URL ? { eventStoreUrl: env.EVENTSTORE_URL } : {}),
    ...(env.EVENT_STORE_SCHEMA ? { schema: env.EVENT_STORE_SCHEMA } : {}),
  };
}

export function createEventStore(
  selection: EventStoreSelection,
  options: EventStoreCommonOptions & { poolSize?: number } = {},
): ConfiguredEventStore {
  const schema = selection.schema ?? "event_store";
  if (selection.kind === "postgres") {
    const store = createPostgresEventStore({
      ...options,
      connectionString: selection.databaseUrl,
      masterKey: selection.masterKey,
      schema,
    });
    return { ...store, kind: "postgres", migrate: () => store.migrate() };
  }
  if (!selection.eventStoreUrl) throw new EventStoreConfigurationError("eventstoredb needs eventStoreUrl");
  assertUsableConnectionString(selection.eventStoreUrl);
  const pool = new pg.Pool({ connectionString: selection.databaseUrl, max: options.poolSize ?? 4 });
  // Idle clients report a lost server on the pool, checked-out ones on themselves: neither may crash.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const store = createEventStoreDbEventStore({
    ...options,
    connectionString: selection.eventStoreUrl,
    keyVault: createPostgresKeyVault({ pool, schema, masterKey: selection.masterKey }),
  });
  return {
    ...store,
    kind: "eventstoredb",
    migrate: () => migratePostgresKeyVault(pool, schema),
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

/** `createEventStore(eventStoreSelectionFromEnv(env), options)`. */
export const createEventStoreFromEnv = (
  env: Readonly<Record<string, string | undefined>>,
  options?: EventStoreCommonOptions & { poolSize?: number },
): ConfiguredEventStore => createEventStore(eventStoreSelectionFromEnv(env), options);
