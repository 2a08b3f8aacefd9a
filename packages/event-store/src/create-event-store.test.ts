import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventStoreSelectionFromEnv } from "./create-event-store";
import { EventStoreConfigurationError } from "./errors";
import { parseMasterKey } from "./vault/field-encryption";

describe("Choosing the event store from the environment", () => {
  const base = {
    DATABASE_URL: "postgres://localhost/motcua",
    VAULT_MASTER_KEY: randomBytes(32).toString("base64"),
  };

  it("defaults to Postgres", () => {
    expect(eventStoreSelectionFromEnv(base)).toMatchObject({
      kind: "postgres",
      databaseUrl: base.DATABASE_URL,
    });
  });

  it("selects EventStoreDB with EVENT_STORE=eventstoredb and EVENTSTORE_URL", () => {
    expect(
      eventStoreSelectionFromEnv({
        ...base,
        EVENT_STORE: "eventstoredb",
        EVENTSTORE_URL: "esdb://localhost:2113?tls=false",
      }),
    ).toMatchObject({ kind: "eventstoredb", eventStoreUrl: "esdb://localhost:2113?tls=false" });
  });

  it("names what is missing or wrong", () => {
    expect(() => eventStoreSelectionFromEnv({ ...base, EVENT_STORE: "eventstoredb" })).toThrow(
      /EVENTSTORE_URL/,
    );
    expect(() => eventStoreSelectionFromEnv({ ...base, EVENT_STORE: "mongo" })).toThrow(
      EventStoreConfigurationError,
    );
    expect(() => eventStoreSelectionFromEnv({ DATABASE_URL: base.DATABASE_URL })).toThrow(/VAULT_MASTER_KEY/);
    // Settings under which EventStoreDB would break the port's promises silently.
    for (const [setting, named] of [
      ["throwOnAppendFailure=false", /throwOnAppendFailure/],
      ["tlsVerifyCert=false", /tlsCAFile/],
    ] as const) {
      expect(() =>
        eventStoreSelectionFromEnv({
          ...base,
          EVENT_STORE: "eventstoredb",
          EVENTSTORE_URL: `esdb://localhost:2113?tls=true&${setting}`,
        }),
      ).toThrow(named);
    }
    expect(() => parseMasterKey(randomBytes(16).toString("base64"))).toThrow(/32 bytes/);
  });
});
