import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  activeReadModelVersion,
  listReadModelVersions,
  partitionOf,
  readCheckpoints,
} from "@motcua/read-models";
import { simulateDossierLives } from "@motcua/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRebuildArgs, rebuildReadModels } from "./rebuild";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { type Checksums, checksumsOf, openTestBed, type ProjectorTestBed } from "./test-support/harness";

const CLI = fileURLToPath(new URL("./cli/rebuild.ts", import.meta.url));
const PARTITIONS = 8;

let bed: ProjectorTestBed;
let reference: Checksums;
let head = 0;
const children = new Set<ChildProcess>();

/** `pnpm projections:rebuild …` as its own process, against the test's database and Redis prefix. */
function command(args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: bed.database.url,
      REDIS_URL: bed.testRedis.url,
      REDIS_PREFIX: bed.testRedis.prefix,
      VAULT_MASTER_KEY: bed.masterKey,
      EVENT_STORE: "postgres",
      PROJECTION_PARTITIONS: String(PARTITIONS),
      // Several pages, so a process can be stopped between two of them.
      REBUILD_PAGE_SIZE: "500",
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

const cli = (...args: string[]) => finished(command(args));

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const positions = async (schema: string) => (await readCheckpoints(bed.db, schema)).map((c) => c.position);
const activatedAt = async (schema: string) =>
  (await listReadModelVersions(bed.db)).find((v) => v.schemaName === schema)?.activatedAt ?? null;
/** Advisory locks anyone holds or waits for in the test database (a killed process's go with its sessions). */
const advisoryLocks = async () =>
  Number(
    (
      (await bed.sql(
        `select count(*)::int as n from pg_locks where locktype = 'advisory'
           and database = (select oid from pg_database where datname = current_database())`,
      )) as { n: number }[]
    )[0]?.n,
  );

/** A version's indexes, the schema's name left out: a rebuilt version must have every one a migrated one has. */
const indexesOf = async (schema: string) =>
  (
    (await bed.sql(
      `select indexname, replace(indexdef, '${schema}.', '') as definition from pg_indexes
         where schemaname = '${schema}' order by indexname`,
    )) as { indexname: string; definition: string }[]
  ).map((r) => r.definition);
const deferredLeft = async () =>
  Number(
    ((await bed.sql("select count(*)::int as n from rm_meta.deferred_indexes")) as { n: number }[])[0]?.n,
  );

beforeAll(async () => {
  bed = await openTestBed("rebuildshares");
  const lives = simulateDossierLives({ seed: 17, dossiers: 1_000 });
  await appendDossierLives(bed.store, lives, { windowDays: 7 });
  head = await bed.store.headPosition();
}, 120_000);
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await bed?.close();
});

describe("projections:rebuild spread over several processes", () => {
  it("two processes each filling half of the partitions give the tables one process gives, and switch once", async () => {
    expect(head).toBeGreaterThan(3_000);
    // The one-process rebuild every spread one must equal: rm_v1, active.
    const one = await cli();
    expect([one.code, one.stderr]).toEqual([0, ""]);
    expect(one.stdout).toContain(
      "filling rm_v1 (8 partitions) up to the head; if stopped, resume with: pnpm projections:rebuild --version rm_v1",
    );
    expect(one.stdout).toMatch(/rm_v1: [\d,]+ \/ [\d,]+ \([\d.]+ %\)/);
    expect(one.stdout).toContain(
      `filled rm_v1 partitions 0-7 from position 0: ${head.toLocaleString("en-US")} events`,
    );
    expect(one.stdout).toContain("active version rm_v1 (was none)");
    reference = await checksumsOf(bed.db, "rm_v1");
    expect(reference.dossiers?.rows).toBeGreaterThan(400);
    // The library's one-process rebuild gives the same tables.
    const library = await rebuildReadModels({
      store: bed.store,
      db: bed.db,
      partitions: PARTITIONS,
      activate: false,
    });
    expect(await checksumsOf(bed.db, library.schema)).toEqual(reference);
    // Both built the secondary indexes they deferred for the fill (rm_v2 was never activated).
    const indexes = await indexesOf("rm_v1");
    expect(indexes.length).toBeGreaterThan(20);
    expect(await indexesOf(library.schema)).toEqual(indexes);

    const prepared = await cli("--prepare");
    expect(prepared.stderr).toBe("");
    expect(prepared.code).toBe(0);
    // Prepared and not yet filled: its secondary indexes wait for the fill.
    expect((await indexesOf("rm_v3")).length).toBeLessThan(indexes.length);
    expect(await deferredLeft()).toBeGreaterThan(0);
    expect(prepared.stdout).toContain(
      `prepared rm_v3: 8 partitions (0-7), target position ${head.toLocaleString("en-US")}`,
    );
    expect(prepared.stdout).toContain("pnpm projections:rebuild --version rm_v3 --partitions 0-3");
    expect(await activeReadModelVersion(bed.db)).toBe("rm_v1");

    const [low, high] = await Promise.all([
      cli("--version", "rm_v3", "--partitions", "0-3"),
      cli("--version", "rm_v3", "--partitions", "4-7"),
    ]);
    expect([low.code, high.code, low.stderr, high.stderr]).toEqual([0, 0, "", ""]);
    expect(low.stdout).toMatch(/rm_v3 partitions 0-3: [\d,]+ \/ [\d,]+ \([\d.]+ %\)/);
    expect(low.stdout).toContain("filled rm_v3 partitions 0-3 from position 0");
    expect(high.stdout).toContain("filled rm_v3 partitions 4-7 from position 0");
    // Exactly one of them switched; the other said why it did not.
    const switched = [low, high].filter((r) => r.stdout.includes("active version rm_v3 (was rm_v1)"));
    expect(switched).toHaveLength(1);
    expect(await activeReadModelVersion(bed.db)).toBe("rm_v3");
    expect(await checksumsOf(bed.db, "rm_v3")).toEqual(reference);
    expect(await indexesOf("rm_v3")).toEqual(indexes);
    expect(await deferredLeft()).toBe(0);

    // Run again once active: nothing to do, and the switch is not made again.
    const at = await activatedAt("rm_v3");
    const again = await cli("--version", "rm_v3", "--partitions", "0-3");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("rm_v3 was activated at");
    expect(await activatedAt("rm_v3")).toBe(at);
  }, 300_000);

  it("waits for every range, refuses an overlapping one, and a process killed mid-way resumes from its checkpoints", async () => {
    const prepared = await cli("--prepare");
    expect(prepared.code).toBe(0);
    expect(prepared.stdout).toContain("prepared rm_v4");

    // Hold partition 3's checkpoint row: the process fills 0-2 from the first page and waits on 3.
    const holder = new pg.Client({ connectionString: bed.database.url });
    await holder.connect();
    try {
      await holder.query("begin");
      await holder.query("select * from rm_v4.checkpoints where partition = 3 for update");
      const first = command(["--version", "rm_v4", "--partitions", "0-3"]);
      const firstDone = finished(first);
      const moved = await eventually(
        () => positions("rm_v4"),
        (p) => p.slice(0, 3).every((x) => x > 0),
      );
      expect(moved.slice(0, 3).every((x) => x > 0 && x < head)).toBe(true);

      // Another process asking for partitions 2-5 meanwhile is turned away, having changed nothing.
      const overlapping = await cli("--version", "rm_v4", "--partitions", "2-5");
      expect(overlapping.code).toBe(2);
      expect(overlapping.stderr).toContain(
        "--partitions: partitions 2-3 of rm_v4 are being filled by another process right now",
      );
      expect(await positions("rm_v4")).toEqual(moved);

      first.kill("SIGKILL");
      expect((await firstDone).code).toBeNull();
    } finally {
      await holder.query("rollback");
      await holder.end();
    }
    await eventually(advisoryLocks, (n) => n === 0);
    const afterKill = await positions("rm_v4");
    expect(afterKill[3]).toBe(0);
    expect(Math.max(...afterKill.slice(0, 3))).toBeLessThan(head);

    // The other half, alone: it fills its range but cannot switch while 0-3 are behind.
    const high = await cli("--version", "rm_v4", "--partitions", "4-7");
    expect(high.code).toBe(0);
    expect(high.stdout).toContain("not active yet: partitions 0-3 are behind position");
    expect(await activeReadModelVersion(bed.db)).toBe("rm_v3");
    expect(await activatedAt("rm_v4")).toBeNull();

    // Started again, the killed range resumes: partitions 0-2 skip what they had.
    const restarted = await cli("--version", "rm_v4", "--partitions", "0-3");
    expect([restarted.code, restarted.stderr]).toEqual([0, ""]);
    const events = await (async () => {
      let count = 0;
      for await (const e of bed.store.readAll({ fromPosition: 0, personalData: "omit" }))
        if (partitionOf(e.streamId, PARTITIONS) <= 3) count++;
      return count;
    })();
    const applied = Number(
      /filled rm_v4 partitions 0-3 from position [\d,]+: ([\d,]+) events/
        .exec(restarted.stdout)?.[1]
        ?.replaceAll(",", ""),
    );
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(events);
    expect(restarted.stdout).toContain("active version rm_v4 (was rm_v3)");
    expect(await activeReadModelVersion(bed.db)).toBe("rm_v4");
    expect(await checksumsOf(bed.db, "rm_v4")).toEqual(reference);
    expect(await indexesOf("rm_v4")).toEqual(await indexesOf("rm_v1"));
    expect(await deferredLeft()).toBe(0);
  }, 300_000);

  it("refuses bad options with exit 2 and a message naming the option and the rule, changing nothing", async () => {
    const before = {
      versions: await listReadModelVersions(bed.db),
      checkpoints: await positions("rm_v4"),
      plans: await bed.sql("select * from projector.rebuild_plans order by schema_name"),
    };
    const cases: [string[], string][] = [
      [["--partitions", "0-3"], "--partitions needs --version"],
      [["--version", "rm_v4", "--partitions", "5-2"], "--partitions a-b needs a ≤ b; got 5-2"],
      [
        ["--version", "rm_v4", "--partitions", "4-8"],
        "--partitions: rm_v4 has 8 partitions, numbered 0 to 7",
      ],
      [["--version", "rm_v9", "--partitions", "0-3"], "--version: rm_v9 was not prepared"],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const result = results[i] as Awaited<ReturnType<typeof cli>>;
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr, args.join(" ")).toContain(message);
      expect(result.stdout, args.join(" ")).not.toContain("filled");
    }
    expect({
      versions: await listReadModelVersions(bed.db),
      checkpoints: await positions("rm_v4"),
      plans: await bed.sql("select * from projector.rebuild_plans order by schema_name"),
    }).toEqual(before);
  }, 300_000);

  it("reads the command line without a database", () => {
    expect(parseRebuildArgs([])).toEqual({ mode: "one", activate: true, dropOld: false });
    expect(parseRebuildArgs(["--prepare", "--no-activate"])).toEqual({
      mode: "prepare",
      activate: false,
      dropOld: false,
    });
    expect(parseRebuildArgs(["--version", "rm_v4", "--partitions", "8-15"])).toEqual({
      mode: "share",
      schema: "rm_v4",
      range: { first: 8, last: 15 },
    });
    expect(parseRebuildArgs(["--partitions", "3", "--version", "rm_v4"])).toEqual({
      mode: "share",
      schema: "rm_v4",
      range: { first: 3, last: 3 },
    });
    expect(parseRebuildArgs(["--version"])).toEqual({ error: "--version needs a value" });
    expect(parseRebuildArgs(["--version", "rm_v4", "--partitions"])).toEqual({
      error: "--partitions needs a value",
    });
    expect(parseRebuildArgs(["--fast"])).toEqual({ error: "unknown option --fast" });
    // The other rules (each run as a process too, in the test above, for the ones the database decides).
    const error = (args: string[]) => (parseRebuildArgs(args) as { error?: string }).error;
    expect(error(["--version", "rm_v4", "--partitions", "0-x"])).toContain(
      "--partitions must be a range a-b of whole numbers",
    );
    expect(error(["--version", "v3"])).toContain("--version must name a read-model version like rm_v3");
    expect(error(["--version", "rm_v4", "--drop-old"])).toBe(
      "--no-activate and --drop-old are chosen once, with --prepare; not with --version",
    );
    expect(error(["--prepare", "--partitions", "0-3"])).toContain(
      "--prepare takes no --version or --partitions",
    );
  });
});
