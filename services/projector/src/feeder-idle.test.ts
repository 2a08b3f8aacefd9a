import { randomUUID } from "node:crypto";
import { createPostgresEventStore } from "@motcua/event-store";
import { partitionOf, readCheckpoints, readPosition } from "@motcua/read-models";
import { simulateDossierLives } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectionJobData } from "./job";
import { type Projector, startProjector } from "./projector";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { notedEvent, openTestBed, type ProjectorTestBed } from "./test-support/harness";

const P = 4;
let bed: ProjectorTestBed;
const running: Projector[] = [];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const start = (options: { worker: boolean; idlePollMs?: number }) =>
  startProjector({
    store: bed.store,
    db: bed.db,
    databaseUrl: bed.database.url,
    redis: bed.redis,
    prefix: bed.testRedis.prefix,
    partitions: P,
    concurrency: 4,
    feeder: true,
    worker: options.worker,
    feederOptions: options.idlePollMs === undefined ? {} : { idlePollMs: options.idlePollMs },
  }).then((projector) => {
    running.push(projector);
    return projector;
  });

const stopAll = async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => {})));
  running.length = 0;
};

beforeAll(async () => {
  bed = await openTestBed("feeder_idle");
});
afterAll(async () => {
  await stopAll();
  await bed?.close();
});

describe("the feeder's idle partitions and wake-ups", () => {
  it("moves idle partitions' checkpoints itself, without jobs, and never past an event it has not applied", async () => {
    // Streams of partition 0 only: the other partitions are idle.
    for (let n = 0; n < 5; n++) {
      let streamId = `dossier-${randomUUID()}`;
      while (partitionOf(streamId, P) !== 0) streamId = `dossier-${randomUUID()}`;
      const commandId = randomUUID();
      await bed.store.append(streamId, [notedEvent(n, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
    }
    const head = await bed.store.headPosition();

    // No workers anywhere: partition 0's job stays queued; the others have nothing to apply.
    const feeder = await start({ worker: false });
    const checkpoints = async () =>
      new Map((await readCheckpoints(bed.db, "rm_v1").catch(() => [])).map((c) => [c.partition, c.position]));
    for (let i = 0; i < 500; i++) {
      const now = await checkpoints();
      if ([1, 2, 3].every((p) => now.get(p) === head)) break;
      await pause(20);
    }
    const now = await checkpoints();
    expect([1, 2, 3].map((p) => now.get(p))).toEqual([head, head, head]);
    // Partition 0's events are not applied: its checkpoint, and so the read position, stay where they were.
    expect(now.get(0)).toBe(0);
    expect(await readPosition(bed.db, "rm_v1")).toBe(0);
    const queued = (await feeder.queue.getJobs(["waiting", "prioritized", "active", "delayed"])).map(
      (job) => job.data as ProjectionJobData,
    );
    expect(queued.map((j) => [j.partition, j.fromPosition, j.throughPosition, j.events.length])).toEqual([
      [0, 0, head, 5],
    ]);
    await stopAll();
    await feeder.queue.obliterate({ force: true });
  }, 60_000);

  it("wakes on appends made by another process's store (LISTEN/NOTIFY), not on its slow fallback poll", async () => {
    // The first test's events are poison for the projection (an unknown type): start past them.
    await bed.sql("update rm_v1.checkpoints set position = $1", [await bed.store.headPosition()]);
    // A fallback poll of ten minutes: only a wake-up can feed the appends below within the test's time.
    const projector = await start({ worker: true, idlePollMs: 600_000 });
    await projector.caughtUp(await bed.store.headPosition(), { timeoutMs: 20_000 });
    // Let the feeder go idle: nothing in flight, asleep until woken.
    await pause(300);

    const elsewhere = createPostgresEventStore({
      connectionString: bed.database.url,
      masterKey: bed.masterKey,
      poolSize: 2,
    });
    try {
      const lives = simulateDossierLives({ seed: 5, dossiers: 10 });
      await appendDossierLives(elsewhere, lives, { revisions: new Map() });
      const head = await elsewhere.headPosition();
      await projector.caughtUp(head, { timeoutMs: 30_000 });
      expect(await readPosition(bed.db, "rm_v1")).toBeGreaterThanOrEqual(head);
    } finally {
      await elsewhere.close();
    }
  }, 90_000);
});
