import { createLogger } from "@motcua/platform";
import { activeReadModelVersion, readPosition } from "@motcua/read-models";
import { simulateDossierLives } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Projector, startProjector } from "./projector";
import { rebuildReadModels } from "./rebuild";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { checksumsOf, openTestBed, type ProjectorTestBed } from "./test-support/harness";

let bed: ProjectorTestBed;
// One province's year, appended in three parts (one simulation: dossier codes never clash).
const lives = simulateDossierLives({ seed: 11, dossiers: 400 });
const revisions = new Map<string, number>();
const part = (from: number, to: number) => ({
  ...lives,
  decisions: lives.decisions.slice(
    Math.floor(lives.decisions.length * from),
    Math.floor(lives.decisions.length * to),
  ),
});
const running: Projector[] = [];

const start = (options: { concurrency?: number; partitions?: number } = {}) =>
  startProjector({
    store: bed.store,
    db: bed.db,
    databaseUrl: bed.database.url,
    redis: bed.redis,
    prefix: bed.testRedis.prefix,
    partitions: options.partitions ?? 4,
    concurrency: options.concurrency ?? 8,
    feederOptions: { standbyRetryMs: 100 },
    logger: createLogger({
      level: (process.env.LOG_LEVEL as "info" | undefined) ?? "silent",
      name: "projector",
    }),
  }).then((projector) => {
    running.push(projector);
    return projector;
  });

beforeAll(async () => {
  bed = await openTestBed("feeding");
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop().catch(() => {})));
  await bed?.close();
});

describe("feeding the read models through BullMQ", () => {
  it("projects the log incrementally into the same tables a direct rebuild gives, and the read position reaches the head", async () => {
    await appendDossierLives(bed.store, part(0, 0.4), { windowDays: 7, revisions });

    const projector = await start();
    await projector.caughtUp(await bed.store.headPosition(), { timeoutMs: 60_000 });
    const schema = (await activeReadModelVersion(bed.db)) as string;
    expect(schema).toBe("rm_v1");

    // Live: the rest of the year arrives while the projector runs.
    await appendDossierLives(bed.store, part(0.4, 0.85), { windowDays: 7, revisions });
    const head = await bed.store.headPosition();
    await projector.caughtUp(head, { timeoutMs: 60_000 });
    expect(await readPosition(bed.db, schema)).toBeGreaterThanOrEqual(head);

    const rebuilt = await rebuildReadModels({ store: bed.store, db: bed.db, partitions: 3, activate: false });
    expect(rebuilt.schema).toBe("rm_v2");
    expect(rebuilt.events).toBe(head);
    const [incremental, direct] = await Promise.all([
      checksumsOf(bed.db, schema),
      checksumsOf(bed.db, "rm_v2"),
    ]);
    expect(incremental.dossiers?.rows).toBeGreaterThan(300);
    expect(incremental).toEqual(direct);
  }, 120_000);

  it("keeps a second feeder on standby until the first one stops, then hands over", async () => {
    const [first] = running as [Projector];
    const second = await start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.feeder?.state.role).toBe("active");
    expect(second.feeder?.state.role).toBe("standby");
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const deadline = Date.now() + 5_000;
    while (second.feeder?.state.role !== "active" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(second.feeder?.state.role).toBe("active");

    await appendDossierLives(bed.store, part(0.85, 1), { windowDays: 7, revisions });
    await second.caughtUp(await bed.store.headPosition(), { timeoutMs: 60_000 });
  }, 90_000);
});
