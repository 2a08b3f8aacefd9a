import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createLogger, type LogLevel } from "@motcua/platform";
import { activeReadModelVersion, readCheckpoints, readPosition } from "@motcua/read-models";
import { dossiersForEvents, seededRandom, simulateDossierLives } from "@motcua/testing";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Projector, startProjector } from "./projector";
import { rebuildReadModels } from "./rebuild";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { checksumsOf, openTestBed, type ProjectorTestBed } from "./test-support/harness";

const CHILD_SOURCE = fileURLToPath(new URL("./test-support/worker-child.ts", import.meta.url));
// Bundled once (≈0.5 s to start instead of ≈2 s under tsx), beside the package's node_modules.
const CHILD = fileURLToPath(new URL("../node_modules/.cache/motcua-worker-child.mjs", import.meta.url));
const PARTITIONS = 8;
const WORKERS = 3;

let bed: ProjectorTestBed;
let feeder: Projector | null = null;
const children = new Set<ChildProcess>();

const ready = new Set<ChildProcess>();

/** A worker process, resolved once it listens for jobs. */
function spawnWorker(): Promise<ChildProcess> {
  const child = fork(CHILD, [], {
    env: {
      ...process.env,
      DATABASE_URL: bed.database.url,
      REDIS_URL: bed.testRedis.url,
      REDIS_PREFIX: bed.testRedis.prefix,
      CONCURRENCY: "4",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  child.once("exit", () => {
    children.delete(child);
    ready.delete(child);
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => {
      ready.add(child);
      resolve(child);
    });
    child.once("exit", (code, signal) => reject(new Error(`worker exited before ready (${code ?? signal})`)));
  });
}

beforeAll(async () => {
  await build({
    entryPoints: [CHILD_SOURCE],
    outfile: CHILD,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The package's own dependencies resolve from its node_modules; the workspace's TypeScript is bundled.
    external: ["bullmq", "ioredis", "pg", "kysely", "pino"],
    logLevel: "warning",
  });
  bed = await openTestBed("exactlyonce");
});
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await feeder?.stop().catch(() => {});
  await bed?.close();
});

describe("exactly-once effect", () => {
  it("gives the read models a clean rebuild gives after workers are SIGKILLed 50 times and Redis loses every job once", async () => {
    const lives = simulateDossierLives({ seed: 2024, dossiers: dossiersForEvents(20_500) });
    expect(lives.eventCount).toBeGreaterThanOrEqual(20_000);

    for (let i = 0; i < WORKERS; i++) await spawnWorker();
    feeder = await startProjector({
      store: bed.store,
      db: bed.db,
      databaseUrl: bed.database.url,
      redis: bed.redis,
      prefix: bed.testRedis.prefix,
      partitions: PARTITIONS,
      worker: false,
      logger: createLogger({
        level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? "silent",
        name: "feeder",
      }),
      // Fewer, larger jobs: the kills, not the job count, are what this test is about.
      feederOptions: { lossGraceMs: 500, pollIntervalMs: 100, idleAdvanceMs: 500 },
    });

    // The log grows in steps while the feeder feeds and workers die and come back.
    const started = Date.now();
    const revisions = new Map<string, number>();
    const STEPS = 50;
    let appended = 0;
    const rng = seededRandom(7);
    let kills = 0;
    let flushed = false;
    for (let step = 0; step < STEPS || kills < 50; step++) {
      // Once, halfway, Redis loses every job (a flush, or a restart without persistence) at a moment when
      // some are surely unapplied: every worker dies, this step's events arrive with nobody to take their
      // jobs, and then Redis is flushed. (With one job in flight per partition, a flush at a random
      // moment can find every job already applied, and then there is nothing to lose.)
      const flushing = !flushed && kills >= 25 && step < STEPS;
      if (flushing) {
        for (const child of [...children]) {
          if (child.killed) continue;
          ready.delete(child);
          child.kill("SIGKILL");
          kills += 1;
        }
      }
      if (step < STEPS) {
        const from = Math.floor((lives.decisions.length * step) / STEPS);
        const to = Math.floor((lives.decisions.length * (step + 1)) / STEPS);
        appended += await appendDossierLives(
          bed.store,
          { ...lives, decisions: lives.decisions.slice(from, to) },
          { windowDays: 3, concurrency: 6, revisions },
        );
      }
      if (flushing) {
        // Jobs in Redis, in any state, that reach past their partition's checkpoint. Counting only waiting
        // jobs was not enough: the feeder holds a partition's new events while its last job is unapplied,
        // and a job a dead worker had taken stays "active" (only a live worker's stalled-job check puts it
        // back), so when every partition with new events had a job in the killed workers, no job ever
        // waited. Either way some job is unapplied once the step's events are read: the dead workers'
        // or a new one waiting; no worker is alive to apply it before the flush.
        const schema = feeder.feeder?.state.schema as string;
        const unapplied = async () => {
          const applied = new Map(
            (await readCheckpoints(bed.db, schema)).map((c) => [c.partition, c.position]),
          );
          const jobs = (await feeder?.queue.getJobs(["active", "waiting", "prioritized", "delayed"])) ?? [];
          return jobs.filter(
            (job) => job && job.data.throughPosition > (applied.get(job.data.partition) ?? 0),
          ).length;
        };
        for (let i = 0; i < 1_000 && (await unapplied()) === 0; i++)
          await new Promise((r) => setTimeout(r, 10));
        expect(await unapplied()).toBeGreaterThan(0);
        await bed.flushRedis();
        flushed = true;
        for (let i = 0; i < WORKERS; i++) spawnWorker().catch(() => {});
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, rng.int(50, 300)));
      const victims = [...ready];
      const victim = victims[rng.int(0, victims.length - 1)];
      if (victim === undefined) continue;
      ready.delete(victim);
      victim.kill("SIGKILL");
      kills += 1;
      if (process.env.LOG_LEVEL && kills % 10 === 0) {
        console.info(
          `kill ${kills} step ${step} at ${Date.now() - started} ms, read position ${await readPosition(bed.db, "rm_v1")}`,
        );
      }
      // The replacement starts in the background: workers keep dying while others start.
      spawnWorker().catch(() => {});
    }
    while (ready.size < WORKERS) await spawnWorker();
    const head = await bed.store.headPosition();
    expect(appended).toBe(lives.eventCount);
    expect(kills).toBeGreaterThanOrEqual(50);
    const killedFor = Date.now() - started;
    await feeder.caughtUp(head, { timeoutMs: 150_000 });
    // Redis lost the jobs in flight: the feeder noticed and went back to the lowest checkpoint.
    expect(feeder.feeder?.state.rewinds).toBeGreaterThanOrEqual(1);
    const caughtUpAfter = Date.now() - started;
    const schema = (await activeReadModelVersion(bed.db)) as string;
    const rebuilt = await rebuildReadModels({ store: bed.store, db: bed.db, partitions: 4, activate: false });
    const [incremental, clean] = await Promise.all([
      checksumsOf(bed.db, schema),
      checksumsOf(bed.db, rebuilt.schema),
    ]);
    expect(incremental.dossiers?.rows).toBeGreaterThan(2_500);
    expect(incremental).toEqual(clean);
    console.info(
      `exactly-once: ${appended} events, ${kills} kills, 1 Redis flush, ${feeder.feeder?.state.rewinds} rewinds; appending and killing ${killedFor} ms, caught up at ${caughtUpAfter} ms, compared at ${Date.now() - started} ms`,
    );
  }, 360_000);
});
