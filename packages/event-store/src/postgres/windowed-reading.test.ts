import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, contractEvent, newStreamId } from "../contract/event-store-contract";
import { openTestStore, type TestStore } from "./test-store";

describe("Reading the Postgres global log in windows of positions", () => {
  let t: TestStore;
  const streams: [string, string, string] = [newStreamId(), newStreamId(), newStreamId()];
  let start = 0;

  beforeAll(async () => {
    // Pages of 3: every read walks several windows of 3 (unfiltered) or 48 (filtered) positions.
    t = await openTestStore("es_windows", { pageSize: 3 });
    start = await t.store.headPosition();
    // 40 events; the third stream gets one in every ten, so a filtered window often holds nothing.
    for (let i = 0; i < 40; i++) {
      const streamId = i % 10 === 9 ? streams[2] : (streams[i % 2] as string);
      const commandId = randomUUID();
      await t.store.append(streamId, [contractEvent("DossierReceived", { i }, commandId)], {
        expectedRevision: "any",
        commandId,
      });
    }
  });
  afterAll(async () => t?.dispose());

  const order = (events: { position: number; data: unknown }[]) =>
    events.map((e) => (e.data as { i: number }).i);

  it("reads every event once, in order, whatever the page size, and stops at maxCount", async () => {
    const all = await collect(t.store.readAll({ fromPosition: start }));
    expect(order(all)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const seven = await collect(t.store.readAll({ fromPosition: start + 5, maxCount: 7 }));
    expect(order(seven)).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it("finds sparse events behind windows that hold none of them", async () => {
    const sparse = await collect(
      t.store.readAll({ fromPosition: start, filter: { streamPrefix: streams[2] } }),
    );
    expect(order(sparse)).toEqual([9, 19, 29, 39]);
    const fromTwenty = await collect(
      t.store.readAll({ fromPosition: start + 20, maxCount: 1, filter: { streamPrefix: streams[2] } }),
    );
    expect(order(fromTwenty)).toEqual([29]);
  });

  it("delivers the same to a subscription catching up", async () => {
    const seen: number[] = [];
    const subscription = t.store.subscribeToAll({ fromPosition: start }, async (event) => {
      seen.push((event.data as { i: number }).i);
    });
    await subscription.caughtUp;
    await subscription.stop();
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("reads the log's hashes window by window, across gaps in positions, up to maxCount", async () => {
    const all = await collect(t.store.readAll({ fromPosition: start }));
    const head = await t.store.headPosition();
    // A gap wider than the windows: positions taken and never used (as an aborted append leaves them).
    await t.sql(`SELECT nextval('${t.store.schema}.event_position') FROM generate_series(1, 12)`);
    const commandId = randomUUID();
    const [late] = (
      await t.store.append(streams[0], [contractEvent("DossierReceived", { i: 40 }, commandId)], {
        expectedRevision: "any",
        commandId,
      })
    ).events;
    const expected = [...all, late].map((e) => ({ position: e?.position, hash: e?.hash }));
    expect(late?.position).toBeGreaterThan(head + 12);

    const readHashes = t.store.readHashes;
    if (!readHashes) throw new Error("the Postgres store reads the log's hashes");
    const read: { position: number; hash: string }[] = [];
    let after = start;
    const newHead = await t.store.headPosition();
    for (;;) {
      const page = await readHashes(after, newHead, 5);
      expect(page.length).toBeLessThanOrEqual(5);
      if (page.length === 0) break;
      read.push(...page);
      after = page[page.length - 1]?.position as number;
    }
    expect(read).toEqual(expected);
    expect(await readHashes(start + 10, head, 3)).toEqual(expected.slice(10, 13));
  });
});
