import { partitionOf } from "@motcua/read-models";
import { simulateDossierLives } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectionJobData } from "./job";
import { type Projector, startProjector } from "./projector";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { openTestBed, type ProjectorTestBed } from "./test-support/harness";

const P = 3;
let bed: ProjectorTestBed;
const running: Projector[] = [];
const lives = simulateDossierLives({ seed: 23, dossiers: 120 });
const half = Math.floor(lives.decisions.length / 2);
const revisions = new Map<string, number>();

const start = (role: { feeder: boolean; worker: boolean }) =>
  startProjector({
    store: bed.store,
    db: bed.db,
    databaseUrl: bed.database.url,
    redis: bed.redis,
    prefix: bed.testRedis.prefix,
    partitions: P,
    concurrency: 4,
    ...role,
  }).then((projector) => {
    running.push(projector);
    return projector;
  });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  bed = await openTestBed("batching");
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => {})));
  await bed?.close();
});

describe("the feeder under load", () => {
  it("keeps one job in flight per partition and sends what arrived meanwhile as ONE next job", async () => {
    await appendDossierLives(
      bed.store,
      { ...lives, decisions: lives.decisions.slice(0, half) },
      { revisions },
    );
    const firstHead = await bed.store.headPosition();

    // A feeder with no workers anywhere: every partition's first job stays in the queue, i.e. in flight.
    const feeder = await start({ feeder: true, worker: false });
    const queued = async () =>
      (await feeder.queue.getJobs(["waiting", "prioritized", "active", "delayed"])).map(
        (job) => job.data as ProjectionJobData,
      );
    for (let i = 0; i < 100 && (await queued()).length < P; i++) await pause(20);
    const first = await queued();
    expect(first.map((j) => j.partition).sort()).toEqual([0, 1, 2]);
    expect(first.every((j) => j.fromPosition === 0 && j.throughPosition === firstHead)).toBe(true);

    // Completed jobs are removed from Redis at once, so the test notes what the feeder adds from here on.
    const added: ProjectionJobData[] = [];
    const addBulk = feeder.queue.addBulk.bind(feeder.queue);
    feeder.queue.addBulk = (jobs) => {
      for (const job of jobs) added.push(job.data);
      return addBulk(jobs);
    };

    // More of the log arrives while those jobs are still in flight: the feeder reads it and holds it.
    await appendDossierLives(bed.store, { ...lives, decisions: lives.decisions.slice(half) }, { revisions });
    const head = await bed.store.headPosition();
    expect(head).toBeGreaterThan(firstHead);
    await pause(400);
    expect(feeder.feeder?.state.cursor).toBe(head);
    expect((await queued()).length).toBe(P);

    const workers = await start({ feeder: false, worker: true });
    await workers.caughtUp(head, { timeoutMs: 30_000 });

    const arrivedLater = new Map<number, number>();
    for await (const event of bed.store.readAll({ fromPosition: firstHead, personalData: "omit" })) {
      const p = partitionOf(event.streamId, P);
      arrivedLater.set(p, (arrivedLater.get(p) ?? 0) + 1);
    }
    expect(await feeder.queue.getJobs(["completed"]), "applied jobs are not kept in Redis").toEqual([]);
    const done = [...first, ...added];
    for (let p = 0; p < P; p++) {
      const chain = done.filter((j) => j.partition === p).sort((a, b) => a.fromPosition - b.fromPosition);
      expect(chain.map((j) => [j.fromPosition, j.throughPosition])).toEqual([
        [0, firstHead],
        [firstHead, head],
      ]);
      expect(chain[1]?.events.length).toBe(arrivedLater.get(p) ?? 0);
    }
  }, 60_000);
});
