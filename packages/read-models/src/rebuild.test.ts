import { seededRandom, simulateDossiers } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableChecksums } from "./checksums";
import { readPosition } from "./projection/checkpoints";
import {
  feed,
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "./test-support/database.test-support";

let t: ReadModelTestDatabase;

beforeAll(async () => {
  t = await openTestDatabase("rebuild");
});
afterAll(async () => {
  await t?.close();
});

describe("rebuilding a version from the log", () => {
  it("gives identical tables one event at a time, all at once, or in random batches over any partition count", async () => {
    const { events } = simulateDossiers({ seed: 2718, dossiers: 160 });
    const last = events.at(-1)?.position ?? 0;
    const ways = [
      { schema: "rm_v1", partitions: 3, batchSize: 1 },
      { schema: "rm_v2", partitions: 1, batchSize: events.length },
      { schema: "rm_v3", partitions: 8, batchSize: 40, random: seededRandom(1) },
    ];
    for (const way of ways) {
      await freshVersion(t.db, way.schema, way.partitions);
      await feed(t.db, way.schema, events, way);
      expect(await readPosition(t.db, way.schema), way.schema).toBe(last);
    }
    const [first, ...others] = await Promise.all(ways.map((w) => tableChecksums(t.db, w.schema)));
    expect(first?.dossiers.rows).toBeGreaterThan(140);
    expect(first?.report_counts.rows).toBeGreaterThan(0);
    expect(first?.overdue_spans.rows).toBeGreaterThan(0);
    for (const other of others) expect(other).toEqual(first);
    // About a thousand one-event transactions for the first way: seconds alone, far more on a busy machine.
  }, 120_000);

  it("tells two versions apart when one of them missed an event", async () => {
    const { events } = simulateDossiers({ seed: 99, dossiers: 40 });
    await freshVersion(t.db, "rm_v4", 1);
    await freshVersion(t.db, "rm_v5", 1);
    await feed(t.db, "rm_v4", events, { partitions: 1, batchSize: 100 });
    // A resolution that is its dossier's last event: missing it leaves a consistent but different state.
    const skipped = events.findIndex(
      (e, i) =>
        e.type === "DossierResolved" && !events.slice(i + 1).some((later) => later.streamId === e.streamId),
    );
    expect(skipped).toBeGreaterThanOrEqual(0);
    await feed(
      t.db,
      "rm_v5",
      events.filter((_, i) => i !== skipped),
      { partitions: 1, batchSize: 100 },
    );
    const [a, b] = await Promise.all([tableChecksums(t.db, "rm_v4"), tableChecksums(t.db, "rm_v5")]);
    expect(b.dossiers.md5).not.toBe(a.dossiers.md5);
    expect(b.report_counts.md5).not.toBe(a.report_counts.md5);
  });
});
