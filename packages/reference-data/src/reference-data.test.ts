import { isWorkingDay, localDateToDay } from "@motcua/domain";
import { CALENDAR_2025, createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import type { ReferenceDatabase } from "./database";
import { migrateReferenceData } from "./migrations";
import { ReferenceCache } from "./reference-cache";
import {
  getCalendar,
  getProcedure,
  getProcedureVersion,
  listChanges,
  listProcedures,
  listUnits,
  loadWorkSchedule,
  nextDossierSequence,
  putCalendar,
  putProcedure,
  putUnit,
  ReferenceDataError,
  unitSubtree,
} from "./reference-data";

let database: TestDatabase;
let db: Kysely<ReferenceDatabase>;
const at = "2025-03-12T09:00:00+07:00";

beforeAll(async () => {
  database = await createTestDatabase("refdata");
  db = new Kysely<ReferenceDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 20 }) }),
  });
  await migrateReferenceData(db);
  await migrateReferenceData(db); // idempotent
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

const unit = (unitId: string, code: string, parentId: string | null, level = "commune") => ({
  unitId,
  code,
  name: `Đơn vị ${unitId}`,
  level,
  parentId,
});

describe("units", () => {
  it("form a tree whose subtrees can be listed", async () => {
    await putUnit(db, unit("province", "000.00.00.H26", null, "province"), "admin", at);
    await putUnit(db, unit("district", "000.00.20.H26", "province", "district"), "admin", at);
    await putUnit(db, unit("ward", "000.20.31.H26", "district"), "admin", at);
    await putUnit(db, unit("department", "000.10.00.H26", "province", "department"), "admin", at);
    expect((await unitSubtree(db, "district")).sort()).toEqual(["district", "ward"]);
    expect((await unitSubtree(db, "province")).length).toBe(4);
    expect((await listUnits(db)).map((u) => u.unitId)).toContain("ward");
  });

  it("refuse an unknown parent, a loop, and a code another unit uses", async () => {
    await expect(putUnit(db, unit("orphan", "000.99.99.H26", "nowhere"), "admin", at)).rejects.toMatchObject({
      code: "unit.parent_unknown",
      path: "parentId",
    });
    await expect(
      putUnit(db, unit("province", "000.00.00.H26", "ward", "province"), "admin", at),
    ).rejects.toBeInstanceOf(ReferenceDataError);
    await expect(putUnit(db, unit("other", "000.20.31.H26", "district"), "admin", at)).rejects.toMatchObject({
      code: "unit.code_taken",
    });
  });

  it("refuse a unit whose validity ends before it starts, changing nothing", async () => {
    const before = await listUnits(db);
    await expect(
      putUnit(
        db,
        { ...unit("merged", "000.20.32.H26", "district"), validFrom: "2025-07-01", validTo: "2025-06-30" },
        "admin",
        at,
      ),
    ).rejects.toBeInstanceOf(ZodError);
    expect(await listUnits(db)).toEqual(before);
  });

  it("keep validity periods and successors for units merged away", async () => {
    await putUnit(
      db,
      { ...unit("old-ward", "000.20.40.H26", "district"), validTo: "2025-06-30", successorId: "ward" },
      "admin",
      at,
    );
    const stored = (await listUnits(db)).find((u) => u.unitId === "old-ward");
    expect(stored).toMatchObject({ validTo: "2025-06-30", successorId: "ward" });
  });
});

describe("procedures", () => {
  const definition = {
    code: "1.001234",
    name: "Cấp giấy phép xây dựng",
    field: "Xây dựng",
    level: "commune",
    timeLimit: { value: 15, unit: "working_days" },
    onlineService: "partial",
  };

  it("get a new version when the time limit is shortened, keeping the old one readable", async () => {
    const first = await putProcedure(db, "building-permit", definition, "admin", at);
    expect(first).toMatchObject({ changed: true, procedure: { version: 1 } });
    const again = await putProcedure(db, "building-permit", definition, "admin", at);
    expect(again).toMatchObject({ changed: false, procedure: { version: 1 } });
    const shortened = await putProcedure(
      db,
      "building-permit",
      { ...definition, timeLimit: { value: 10, unit: "working_days" } },
      "admin",
      at,
    );
    expect(shortened).toMatchObject({ changed: true, procedure: { version: 2 } });
    expect((await getProcedure(db, "building-permit"))?.timeLimit.value).toBe(10);
    expect((await getProcedureVersion(db, "building-permit", 1))?.timeLimit.value).toBe(15);
    expect((await listProcedures(db)).filter((p) => p.procedureId === "building-permit")).toHaveLength(1);
  });

  it("get exactly one new version when two admins save the same change at once", async () => {
    const changed = { ...definition, code: "1.009999", timeLimit: { value: 3, unit: "working_days" } };
    await putProcedure(db, "birth", changed, "admin", at);
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        putProcedure(db, "birth", { ...changed, timeLimit: { value: 1, unit: "working_days" } }, "admin", at),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect((await getProcedure(db, "birth"))?.version).toBe(2);
  });
});

describe("calendars", () => {
  it("store a year's notice and drive the work schedule", async () => {
    await putCalendar(db, CALENDAR_2025, "admin", at);
    expect((await getCalendar(db, 2025))?.workingDays).toEqual(["2025-04-26"]);
    expect(await getCalendar(db, 2031)).toBeNull();
    const schedule = await loadWorkSchedule(db);
    expect(isWorkingDay(schedule, localDateToDay("2025-04-26"))).toBe(true);
    expect(isWorkingDay(schedule, localDateToDay("2025-05-02"))).toBe(false);
  });

  it("refuse a day that is both a holiday and a working day", async () => {
    await expect(
      putCalendar(db, { year: 2026, holidays: ["2026-05-04"], workingDays: ["2026-05-04"] }, "admin", at),
    ).rejects.toBeInstanceOf(ZodError);
    expect(await getCalendar(db, 2026)).toBeNull();
  });
});

describe("dossier code sequences", () => {
  it("never repeat a number under concurrency and start again each day", async () => {
    const numbers = await Promise.all(
      Array.from({ length: 60 }, () => nextDossierSequence(db, "ward", "2025-03-12")),
    );
    expect(new Set(numbers).size).toBe(60);
    expect(Math.min(...numbers)).toBe(1);
    expect(Math.max(...numbers)).toBe(60);
    expect(await nextDossierSequence(db, "ward", "2025-03-13")).toBe(1);
    expect(await nextDossierSequence(db, "district", "2025-03-12")).toBe(1);
  });
});

describe("the change log", () => {
  it("records who changed what, with the value before and after", async () => {
    const changes = await listChanges(db, { kind: "procedure" });
    const shortened = changes.find((c) => c.key === "building-permit@2");
    expect(shortened).toMatchObject({
      actor_id: "admin",
      before: { timeLimit: { value: 15 } },
      after: { timeLimit: { value: 10 } },
    });
  });
});

describe("the reference cache", () => {
  it("answers repeated look-ups from memory, keeps at most maxEntries and counts hits and misses", async () => {
    await putUnit(db, unit("cache-a", "000.00.41.H26", null, "province"), "admin", at);
    await putUnit(db, unit("cache-b", "000.00.42.H26", null, "province"), "admin", at);
    await putUnit(db, unit("cache-c", "000.00.43.H26", null, "province"), "admin", at);
    const cache = new ReferenceCache(db, { ttlMs: 60_000, maxEntries: 2 });
    expect((await cache.unit("cache-a"))?.unitId).toBe("cache-a");
    expect((await cache.unit("cache-a"))?.unitId).toBe("cache-a");
    await cache.unit("cache-b");
    await cache.unit("cache-a"); // a is now the most recently used
    await cache.unit("cache-c"); // b goes
    expect(cache.stats()).toEqual({ size: 2, capacity: 2, hits: 2, misses: 3 });
    // A change made meanwhile shows only for what was dropped: b is read again, a still served from memory.
    await putUnit(
      db,
      { ...unit("cache-a", "000.00.41.H26", null, "province"), name: "Đổi tên A" },
      "admin",
      at,
    );
    await putUnit(
      db,
      { ...unit("cache-b", "000.00.42.H26", null, "province"), name: "Đổi tên B" },
      "admin",
      at,
    );
    expect((await cache.unit("cache-b"))?.name).toBe("Đổi tên B");
    expect((await cache.unit("cache-c"))?.name).toBe("Đơn vị cache-c");
    expect(cache.stats()).toMatchObject({ size: 2, hits: 3, misses: 4 });
    expect((await cache.unit("cache-a"))?.name).toBe("Đổi tên A");
  });

  it("makes one query for concurrent look-ups of a missing or stale key, and none stored across forget", async () => {
    await putUnit(db, unit("cache-d", "000.00.44.H26", null, "province"), "admin", at);
    const queries: string[] = [];
    const counted = new Kysely<ReferenceDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 8 }) }),
      log: (event) => {
        if (event.level === "query") queries.push(event.query.sql);
      },
    });
    try {
      let now = 0;
      const cache = new ReferenceCache(counted, { ttlMs: 1_000, now: () => now });
      const many = () => Promise.all(Array.from({ length: 20 }, () => cache.unit("cache-d")));
      expect((await many()).map((u) => u?.name)).toEqual(Array(20).fill("Đơn vị cache-d"));
      expect(queries).toHaveLength(1);
      expect(cache.stats()).toMatchObject({ size: 1, hits: 19, misses: 1 });
      // Expired: the twenty callers in flight read it once again between them.
      now = 1_000;
      await many();
      expect(queries).toHaveLength(2);
      expect(cache.stats()).toMatchObject({ hits: 38, misses: 2 });
      // A look-up begun before `forget` (an admin's change in this process) does not store what it read.
      now = 2_000;
      const before = cache.unit("cache-d");
      cache.forget();
      await putUnit(
        db,
        { ...unit("cache-d", "000.00.44.H26", null, "province"), name: "Đổi tên D" },
        "admin",
        at,
      );
      await before;
      expect((await cache.unit("cache-d"))?.name).toBe("Đổi tên D");
      expect(queries).toHaveLength(4);
      // A failed look-up is not remembered: the next caller asks again.
      const failing = new ReferenceCache(counted, { ttlMs: 1_000, now: () => now });
      await counted.destroy();
      await expect(failing.unit("cache-d")).rejects.toThrow();
      await expect(failing.unit("cache-d")).rejects.toThrow();
      expect(failing.stats()).toMatchObject({ hits: 0, misses: 2 });
    } finally {
      await counted.destroy().catch(() => {});
    }
  });
});
