import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { eventStoreContract } from "../contract/event-store-contract";
import { createPostgresEventStore, openPostgresEventStore } from "./postgres-event-store";

eventStoreContract("The Postgres event store", async () => {
  const database: TestDatabase = await createTestDatabase("es_contract");
  const commitOrder: number[] = [];
  const masterKey = randomBytes(32).toString("base64");
  const store = openPostgresEventStore(
    {
      connectionString: database.url,
      masterKey,
      poolSize: 20,
      pageSize: 50,
      pollIntervalMs: 200,
    },
    {
      // Hold each transaction open for a random moment after it took its positions, so later positions
      // often commit first: the situation in which a naive reader skips events.
      async beforeCommit({ lastPosition }) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 8));
        commitOrder.push(lastPosition);
      },
    },
  );
  await store.migrate();
  await store.migrate(); // idempotent
  return {
    store,
    commitOrder: () => commitOrder,
    openAnother: (settings = {}) =>
      createPostgresEventStore({
        connectionString: database.url,
        masterKey,
        poolSize: 4,
        pollIntervalMs: 200,
        ...settings,
      }),
    async dispose() {
      await store.close();
      await database.drop();
    },
  };
});
