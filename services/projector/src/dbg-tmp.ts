import { type ChildProcess, fork } from "node:child_process";
import { readPosition } from "@motcua/read-models";
import { startProjector } from "./projector";
import { appendDossierLives, dossiersForEvents, simulateDossierLives } from "./test-support/dossier-lives";
import { openTestBed } from "./test-support/harness";

const bed = await openTestBed("dbg");
const inproc = process.env.INPROC === "1";
const children: ChildProcess[] = [];
if (!inproc)
  for (let i = 0; i < 3; i++) {
    const c = fork("node_modules/.cache/motcua-worker-child.mjs", [], {
      env: {
        ...process.env,
        DATABASE_URL: bed.database.url,
        REDIS_URL: bed.testRedis.url,
        REDIS_PREFIX: bed.testRedis.prefix,
        CONCURRENCY: process.env.CONC ?? "4",
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.push(c);
    await new Promise((r) => c.once("message", r));
  }
const lives = simulateDossierLives({ seed: 2024, dossiers: dossiersForEvents(20_500) });
let t = Date.now();
const n = await appendDossierLives(bed.store, lives, { windowDays: 3, concurrency: 6 });
console.log("appended", n, Date.now() - t, "ms");
t = Date.now();
const p = await startProjector({
  store: bed.store,
  db: bed.db,
  databaseUrl: bed.database.url,
  redis: bed.redis,
  prefix: bed.testRedis.prefix,
  partitions: 8,
  worker: inproc,
  concurrency: 8,
  feederOptions: { pageSize: Number(process.env.PAGE ?? 2000) },
});
const head = await bed.store.headPosition();
const timer = setInterval(
  async () => console.log(Date.now() - t, await readPosition(bed.db, "rm_v1").catch(() => -1)),
  2000,
);
await p.caughtUp(head, { timeoutMs: 120_000 });
clearInterval(timer);
console.log("caught up", Date.now() - t, "ms");
for (const c of children) c.kill("SIGKILL");
await p.stop();
await bed.close();
process.exit(0);
