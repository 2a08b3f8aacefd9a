import { CALENDAR_2026 } from "@motcua/domain";
import {
  getCalendar,
  migrateReferenceData,
  putCalendar,
  type ReferenceDatabase,
} from "@motcua/reference-data";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoReferenceData } from "./seed";

let database: TestDatabase;
let db: Kysely<ReferenceDatabase>;
const at = "2026-12-04T09:00:00+07:00";

beforeAll(async () => {
  database = await createTestDatabase("demoseed");
  db = new Kysely<ReferenceDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 4 }) }),
  });
  await migrateReferenceData(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe("the demo seed's calendars", () => {
  it("are the official ones, and replace the old unchecked 2026 guess in a database seeded before", async () => {
    const first = await seedDemoReferenceData(db, { communes: 2, at });
    expect(first.seeded).toBe(true);
    expect((await getCalendar(db, 2026))?.workingDays).toEqual(["2026-01-10", "2026-08-22"]);

    // What the demo used to load for 2026, and an admin's own 2025.
    await putCalendar(
      db,
      {
        year: 2026,
        notice: "Demo calendar for 2026 — verify against the year's official notice",
        holidays: ["2026-01-01"],
      },
      "demo-seed",
      at,
    );
    await putCalendar(db, { year: 2025, notice: "an admin's reading" }, "admin", at);

    const again = await seedDemoReferenceData(db, { communes: 2, at });
    expect(again).toMatchObject({ seeded: false, calendarsUpdated: [2026] });
    expect((await getCalendar(db, 2026))?.notice).toBe(CALENDAR_2026.notice);
    expect((await getCalendar(db, 2026))?.holidays).toContain("2026-01-02");
    expect((await getCalendar(db, 2025))?.notice).toBe("an admin's reading");
  });
});
