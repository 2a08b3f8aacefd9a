import { simulateDossierLives } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Projector, startProjector } from "./projector";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { openTestBed, type ProjectorTestBed } from "./test-support/harness";
import { type ProjectionWorker, startProjectionWorker } from "./worker";

let bed: ProjectorTestBed;
let feeder: Projector | null = null;
const workers: ProjectionWorker[] = [];

beforeAll(async () => {
  bed = await openTestBed("order");
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close().catch(() => {})));
  await feeder?.stop().catch(() => {});
  await bed?.close();
});

describe("per-dossier order", () => {
  it("never shows a dossier in a state older than one already shown, with several workers and partitions", async () => {
    for (let i = 0; i < 3; i++) {
      workers.push(
        startProjectionWorker({
          db: bed.db,
          connection: bed.redis,
          prefix: bed.testRedis.prefix,
          concurrency: 4,
        }),
      );
    }
    feeder = await startProjector({
      store: bed.store,
      db: bed.db,
      databaseUrl: bed.database.url,
      redis: bed.redis,
      prefix: bed.testRedis.prefix,
      partitions: 8,
      worker: false,
    });

    // Readers look at every dossier's row over and over while the log grows and is projected.
    const seen = new Map<string, { revision: number; position: number }>();
    let samples = 0;
    let regressions: string[] = [];
    let sampling = true;
    const sample = async () => {
      const rows = (await bed
        .sql("select dossier_id, revision, position from rm_v1.dossiers")
        .catch(() => [])) as { dossier_id: string; revision: number; position: string }[];
      for (const row of rows) {
        const before = seen.get(row.dossier_id);
        const now = { revision: row.revision, position: Number(row.position) };
        if (before && (now.revision < before.revision || now.position < before.position)) {
          regressions = [
            ...regressions,
            `${row.dossier_id}: ${JSON.stringify(before)} then ${JSON.stringify(now)}`,
          ];
        }
        seen.set(row.dossier_id, now);
      }
      samples += 1;
    };
    const sampler = (async () => {
      while (sampling) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const lives = simulateDossierLives({ seed: 77, dossiers: 500 });
    const revisions = new Map<string, number>();
    const STEPS = 20;
    for (let step = 0; step < STEPS; step++) {
      const from = Math.floor((lives.decisions.length * step) / STEPS);
      const to = Math.floor((lives.decisions.length * (step + 1)) / STEPS);
      await appendDossierLives(
        bed.store,
        { ...lives, decisions: lives.decisions.slice(from, to) },
        { revisions },
      );
    }
    await feeder.caughtUp(await bed.store.headPosition(), { timeoutMs: 90_000 });
    sampling = false;
    await sampler;
    // The sampler's last read may have begun before the catch-up (a slow query on a busy machine): one
    // read after it sees the final rows, and must not regress from anything seen before.
    await sample();

    expect(samples).toBeGreaterThan(20);
    expect(seen.size).toBeGreaterThan(400);
    expect(regressions).toEqual([]);
    // Every dossier ends at its last revision.
    for (const [streamId, revision] of revisions) {
      expect(seen.get(streamId.slice("dossier-".length))?.revision, streamId).toBe(revision);
    }
  }, 120_000);
});
