import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, contractEvent, eventually, newStreamId } from "../contract/event-store-contract";
import type { RecordedEvent } from "../types";
import { openTestStore, type TestStore } from "./test-store";

describe("Reading the Postgres global log while a slower transaction is still open", () => {
  let t: TestStore;
  /** Streams whose append must wait at COMMIT until the test opens the gate. */
  const gates = new Map<string, Promise<void>>();
  const waiting = new Set<string>();

  beforeAll(async () => {
    t = await openTestStore("es_gapless", {
      async beforeCommit({ streamId }) {
        waiting.add(streamId);
        await gates.get(streamId);
      },
    });
  });
  afterAll(async () => t?.dispose());

  it("does not pass an event that commits after a higher position: it waits, then delivers both in order", async () => {
    const start = await t.store.headPosition();
    let openGate!: () => void;
    const slowStream = newStreamId();
    gates.set(
      slowStream,
      new Promise((resolve) => {
        openGate = resolve;
      }),
    );

    // X takes the lower position and stays open; Y takes the next one and commits at once.
    const slowCommand = randomUUID();
    const slow = t.store.append(slowStream, [contractEvent("DossierReceived", { who: "x" }, slowCommand)], {
      expectedRevision: "no_stream",
      commandId: slowCommand,
    });
    await eventually(() => waiting.has(slowStream), "X holds its position, uncommitted");
    const fastCommand = randomUUID();
    const fast = await t.store.append(
      newStreamId(),
      [contractEvent("DossierReceived", { who: "y" }, fastCommand)],
      {
        expectedRevision: "no_stream",
        commandId: fastCommand,
      },
    );

    // Y is committed and visible to a plain query…
    const visible = await t.sql<{ position: string }>(
      "SELECT position FROM event_store.events WHERE position > $1",
      [start],
    );
    expect(visible.map((row) => Number(row.position))).toEqual([fast.lastPosition]);

    // …but a subscriber and a reader of the global log must not move past X's position yet.
    const received: RecordedEvent[] = [];
    const subscription = t.store.subscribeToAll({ fromPosition: start }, async (event) => {
      received.push(event);
    });
    const reading = collect(t.store.readAll({ fromPosition: start }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);

    openGate();
    const slowResult = await slow;
    expect(slowResult.lastPosition).toBeLessThan(fast.lastPosition);
    await eventually(() => received.length === 2, "both events arrive once X commits");
    expect(received.map((event) => event.data.who)).toEqual(["x", "y"]);
    expect((await reading).map((event) => event.data.who)).toEqual(["x", "y"]);
    await subscription.stop();
  });

  it("leaves no lasting hole when an append rolls back: later events still flow", async () => {
    const start = await t.store.headPosition();
    const streamId = newStreamId();
    gates.set(streamId, Promise.reject(new Error("the append fails just before COMMIT")));
    gates.get(streamId)?.catch(() => {});
    const failed = randomUUID();
    await expect(
      t.store.append(streamId, [contractEvent("DossierReceived", {}, failed)], {
        expectedRevision: "no_stream",
        commandId: failed,
      }),
    ).rejects.toThrow();
    gates.delete(streamId);
    const next = randomUUID();
    const ok = await t.store.append(streamId, [contractEvent("DossierReceived", {}, next)], {
      expectedRevision: "no_stream",
      commandId: next,
    });
    const read = await collect(t.store.readAll({ fromPosition: start }));
    expect(read.map((event) => event.position)).toEqual([ok.lastPosition]);
    expect(ok.lastPosition).toBeGreaterThan(start + 1); // the rolled-back position is a permanent, harmless hole
  });
});
