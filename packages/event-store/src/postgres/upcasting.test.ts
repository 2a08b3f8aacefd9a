import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, contractEvent, newStreamId } from "../contract/event-store-contract";
import type { Upcaster } from "../upcasting";
import { openTestStore, type TestStore } from "./test-store";

describe("Upcasting in the Postgres event store", () => {
  let t: TestStore;
  const upcasters: Upcaster[] = [
    // v1 had one "name" string; v2 splits it; v3 adds a channel defaulting to the counter.
    {
      type: "DossierReceived",
      fromVersion: 1,
      upcast: (data) => ({ ...data, receivedBy: { officerId: String(data.officer) }, officer: null }),
    },
    { type: "DossierReceived", fromVersion: 2, upcast: (data) => ({ ...data, channel: "counter" }) },
  ];

  beforeAll(async () => {
    t = await openTestStore("es_upcast");
  });
  afterAll(async () => t?.dispose());

  it("reads old events in the current shape without rewriting what is stored", async () => {
    const streamId = newStreamId();
    const v1 = randomUUID();
    await t.store.append(streamId, [contractEvent("DossierReceived", { officer: "o-9" }, v1)], {
      expectedRevision: "no_stream",
      commandId: v1,
    });
    const v3 = randomUUID();
    await t.store.append(
      streamId,
      [
        contractEvent("DossierReceived", { receivedBy: { officerId: "o-2" }, channel: "online" }, v3, {
          schemaVersion: 3,
        }),
      ],
      { expectedRevision: 1, commandId: v3 },
    );
    const [storedBefore] = await t.sql<{ data: string }>(
      "SELECT data::text AS data FROM event_store.events WHERE stream_id = $1 AND revision = 1",
      [streamId],
    );

    const reader = t.openAnother({ upcasters });
    const events = await collect(reader.readStream(streamId));
    expect(events.map((event) => [event.schemaVersion, event.data])).toEqual([
      [3, { officer: null, receivedBy: { officerId: "o-9" }, channel: "counter" }],
      [3, { receivedBy: { officerId: "o-2" }, channel: "online" }],
    ]);
    const [fromLog] = await collect(reader.readAll({ filter: { streamPrefix: streamId } }));
    expect(fromLog?.schemaVersion).toBe(3);
    const lean = (await collect(reader.readAllForProjection({ fromPosition: 0 }))).filter(
      (event) => event.streamId === streamId,
    );
    expect(lean.map((event) => [event.schemaVersion, event.data])).toEqual(
      events.map((event) => [event.schemaVersion, event.data]),
    );

    const [storedAfter] = await t.sql<{ data: string; schema_version: number }>(
      "SELECT data::text AS data, schema_version FROM event_store.events WHERE stream_id = $1 AND revision = 1",
      [streamId],
    );
    expect(storedAfter).toEqual({ data: storedBefore?.data, schema_version: 1 });
    expect(await reader.verifyStream(streamId)).toEqual({ valid: true, events: 2 });
  });

  it("refuses two upcasters for the same type and version", () => {
    expect(() => t.openAnother({ upcasters: [upcasters[0] as Upcaster, upcasters[0] as Upcaster] })).toThrow(
      /Two upcasters/,
    );
  });
});
