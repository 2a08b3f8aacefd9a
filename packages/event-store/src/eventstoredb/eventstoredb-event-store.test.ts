import { randomBytes } from "node:crypto";
import { createTestDatabase } from "@motcua/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { contractEvent, eventStoreContract, newStreamId } from "../contract/event-store-contract";
import { EventStoreUnavailableError } from "../errors";
import { createPostgresKeyVault, migratePostgresKeyVault } from "../vault/postgres-key-vault";
import { createEventStoreDbEventStore } from "./eventstoredb-event-store";

const eventStoreUrl = process.env.EVENTSTORE_URL;

if (!eventStoreUrl) {
  console.warn(
    [
      "",
      "!!! SKIPPED: the EventStore contract suite against EventStoreDB did NOT run.",
      "!!! Why: EVENTSTORE_URL is not set, and no EventStoreDB server can be installed on this machine.",
      "!!! Run it: EVENTSTORE_URL=esdb://localhost:2113?tls=false pnpm vitest run packages/event-store",
      "",
    ].join("\n"),
  );
  describe("The EventStoreDB event store", () => {
    it.skip("runs the contract suite only when EVENTSTORE_URL points at an EventStoreDB server", () => {});
  });
}

eventStoreContract(
  "The EventStoreDB event store",
  async () => {
    // Personal-data keys live in Postgres with either store.
    const vaultDatabase = await createTestDatabase("es_esdb_vault");
    const pool = new pg.Pool({ connectionString: vaultDatabase.url, max: 4 });
    await migratePostgresKeyVault(pool, "event_store");
    const masterKey = randomBytes(32).toString("base64");
    // Each store has its own vault (and key cache) over the same key table, as another process would.
    const open = (settings: { clock?: () => Date } = {}) =>
      createEventStoreDbEventStore({
        connectionString: eventStoreUrl ?? "",
        keyVault: createPostgresKeyVault({ pool, schema: "event_store", masterKey }),
        pageSize: 50,
        ...settings,
      });
    const store = open();
    return {
      store,
      openAnother: open,
      async dispose() {
        await store.close();
        await pool.end();
        await vaultDatabase.drop();
      },
    };
  },
  { skip: !eventStoreUrl },
);

describe("The EventStoreDB event store without a server", () => {
  it("reports unavailable, never success, when EventStoreDB cannot be reached", async () => {
    const store = createEventStoreDbEventStore({ connectionString: "esdb://127.0.0.1:1?tls=false" });
    try {
      const append = store.append(newStreamId(), [contractEvent("DossierReceived", {}, "c-1")], {
        expectedRevision: "no_stream",
        commandId: "c-1",
      });
      await expect(append).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.headPosition()).rejects.toMatchObject({ code: "event_store.unavailable" });
    } finally {
      await store.close();
    }
  });
});
