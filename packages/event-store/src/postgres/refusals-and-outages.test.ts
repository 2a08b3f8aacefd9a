import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, contractEvent, eventually, newStreamId } from "../contract/event-store-contract";
import {
  CommandIdReusedError,
  EventStoreUnavailableError,
  EventTooLargeError,
  InvalidEventError,
  UnknownEventTypeError,
} from "../errors";
import type { RecordedEvent } from "../types";
import { createPostgresEventStore } from "./postgres-event-store";
import { openTestStore, type TestStore } from "./test-store";

describe("The Postgres event store refuses bad input before writing", () => {
  let t: TestStore;
  const known = ["DossierReceived", "DossierTransferred"];

  beforeAll(async () => {
    t = await openTestStore("es_refusals", { knownEventTypes: known });
  });
  afterAll(async () => t?.dispose());

  /** Rows, keys and consumed positions: none may change when an append is refused. */
  const footprint = async () => {
    const [row] = await t.sql<{ events: string; keys: string; seq: string }>(
      `SELECT (SELECT count(*) FROM event_store.events) AS events,
              (SELECT count(*) FROM event_store.subject_keys) AS keys,
              (SELECT last_value FROM event_store.event_position) AS seq`,
    );
    return row;
  };

  it("refuses an unknown event type, writing nothing", async () => {
    const before = await footprint();
    const commandId = randomUUID();
    const append = t.store.append(
      newStreamId(),
      [
        contractEvent("DossierReceived", { a: 1 }, commandId, {
          personal: { subjectId: "s-unknown", field: "a" },
        }),
        contractEvent("DossierTeleported", {}, commandId),
      ],
      { expectedRevision: "no_stream", commandId },
    );
    await expect(append).rejects.toBeInstanceOf(UnknownEventTypeError);
    await expect(append).rejects.toMatchObject({
      code: "event_store.unknown_event_type",
      eventType: "DossierTeleported",
    });
    expect(await footprint()).toEqual(before);
  });

  it("refuses an event over 1 MiB serialized, writing nothing", async () => {
    const before = await footprint();
    const commandId = randomUUID();
    const append = t.store.append(
      newStreamId(),
      [
        contractEvent("DossierReceived", { ok: true }, commandId),
        contractEvent("DossierTransferred", { attachment: "x".repeat(1024 * 1024) }, commandId),
      ],
      { expectedRevision: "no_stream", commandId },
    );
    await expect(append).rejects.toBeInstanceOf(EventTooLargeError);
    await expect(append).rejects.toMatchObject({
      code: "event_store.event_too_large",
      limitBytes: 1024 * 1024,
    });
    expect(await footprint()).toEqual(before);

    // Just under the limit is fine.
    const fits = randomUUID();
    const result = await t.store.append(
      newStreamId(),
      [contractEvent("DossierTransferred", { attachment: "x".repeat(1000 * 1024) }, fits)],
      { expectedRevision: "no_stream", commandId: fits },
    );
    expect(result.lastRevision).toBe(1);
  });

  it("refuses malformed appends with invalid_event: no events, bad ids, mismatched command ids, non-JSON data", async () => {
    const commandId = randomUUID();
    const streamId = newStreamId();
    const cases: Array<() => Promise<unknown>> = [
      () => t.store.append(streamId, [], { expectedRevision: "any", commandId }),
      () =>
        t.store.append("", [contractEvent("DossierReceived", {}, commandId)], {
          expectedRevision: "any",
          commandId,
        }),
      () =>
        t.store.append(streamId, [contractEvent("DossierReceived", {}, "another")], {
          expectedRevision: "any",
          commandId,
        }),
      () =>
        t.store.append(streamId, [contractEvent("DossierReceived", {}, commandId)], {
          expectedRevision: -1,
          commandId,
        }),
      () =>
        t.store.append(streamId, [contractEvent("DossierReceived", { n: Number.NaN }, commandId)], {
          expectedRevision: "any",
          commandId,
        }),
      () =>
        t.store.append(
          streamId,
          [contractEvent("DossierReceived", { at: new Date() as unknown as string }, commandId)],
          { expectedRevision: "any", commandId },
        ),
      () =>
        t.store.append(
          streamId,
          [
            contractEvent("DossierReceived", {}, commandId, {
              personal: { subjectId: "s", field: "missing" },
            }),
          ],
          { expectedRevision: "any", commandId },
        ),
    ];
    for (const attempt of cases) await expect(attempt()).rejects.toBeInstanceOf(InvalidEventError);
    expect(await t.store.streamRevision(streamId)).toBeNull();
  });

  it("refuses a command id already used on another stream", async () => {
    const commandId = randomUUID();
    await t.store.append(newStreamId(), [contractEvent("DossierReceived", {}, commandId)], {
      expectedRevision: "no_stream",
      commandId,
    });
    await expect(
      t.store.append(newStreamId(), [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      }),
    ).rejects.toBeInstanceOf(CommandIdReusedError);
  });
});

describe("The Postgres event store during a database outage", () => {
  it("reports unavailable when the database cannot be reached", async () => {
    const store = createPostgresEventStore({
      connectionString: "postgres://postgres@127.0.0.1:1/nowhere",
      masterKey: randomBytes(32).toString("base64"),
    });
    try {
      const commandId = randomUUID();
      const append = store.append(newStreamId(), [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
      await expect(append).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(append).rejects.toMatchObject({ code: "event_store.unavailable" });
      await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(collect(store.readStream(newStreamId()))).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
    } finally {
      await store.close();
    }
  });

  it("never reports an append as done when the connection dies before COMMIT, and recovers afterwards", async () => {
    let killBeforeCommit = false;
    const t = await openTestStore("es_outage", {
      async beforeCommit() {
        if (!killBeforeCommit) return;
        killBeforeCommit = false;
        await t.sql(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        );
      },
    });
    try {
      const received: RecordedEvent[] = [];
      const subscription = t.store.subscribeToAll({}, async (event) => {
        received.push(event);
      });
      await subscription.caughtUp;

      const streamId = newStreamId();
      const commandId = randomUUID();
      killBeforeCommit = true;
      await expect(
        t.store.append(streamId, [contractEvent("DossierReceived", {}, commandId)], {
          expectedRevision: "no_stream",
          commandId,
        }),
      ).rejects.toBeInstanceOf(EventStoreUnavailableError);
      expect(await t.sql("SELECT 1 FROM event_store.events WHERE stream_id = $1", [streamId])).toEqual([]);

      // The caller retries the same command once the database is back: it is appended exactly once.
      const retried = await t.store.append(streamId, [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
      expect(retried).toMatchObject({ replayed: false, lastRevision: 1 });
      // The subscription lost its connections too, and carries on.
      await eventually(() => received.length === 1, "the subscription survives the outage");
      expect(received[0]?.streamId).toBe(streamId);
      await subscription.stop();
    } finally {
      await t.dispose();
    }
  });
});
