import { RECEIVING_UNITS, seededRandom, simulateDossiers } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DossierRow } from "../database";
import {
  feed,
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { type DossierView, type ListDossiersQuery, listDossiers, type ReceivedStatus } from "./queries";

const SCHEMA = "rm_v1";
let t: ReadModelTestDatabase;
let rows: DossierRow[];

beforeAll(async () => {
  t = await openTestDatabase("worklist");
  const { events } = simulateDossiers({ seed: 314, dossiers: 1200, from: "2025-09-01", until: "2025-12-31" });
  await freshVersion(t.db, SCHEMA, 3);
  await feed(t.db, SCHEMA, events, { partitions: 3, batchSize: 300 });
  rows = await t.db
    .withSchema(SCHEMA)
    .selectFrom("dossiers")
    .selectAll()
    .where("received_at", "is not", null)
    .execute();
});

afterAll(async () => {
  await t?.close();
});

/** Every page of a list, following nextCursor to the end. */
async function allPages(query: ListDossiersQuery): Promise<{ items: DossierView[]; pages: number }> {
  const items: DossierView[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listDossiers(t.db, SCHEMA, { ...query, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    if (pages > 1000) throw new Error("pagination does not end");
  } while (cursor !== null);
  return { items, pages };
}

/** The expected list, filtered and ordered in plain code over every row. */
function expected(filter: (r: DossierRow) => boolean): string[] {
  return rows
    .filter(filter)
    .sort((a, b) => {
      const da = a.due_at?.getTime() ?? Number.POSITIVE_INFINITY;
      const db = b.due_at?.getTime() ?? Number.POSITIVE_INFINITY;
      return da - db || (a.dossier_id < b.dossier_id ? -1 : 1);
    })
    .map((r) => r.dossier_id);
}

describe("the worklist", () => {
  it("pages through every matching dossier once, in due order, whatever the page size and filters", async () => {
    const rng = seededRandom(8);
    const pending: ReceivedStatus[] = ["received", "processing", "awaiting_supplement", "awaiting_payment"];
    const cases: [string, ListDossiersQuery, (r: DossierRow) => boolean][] = [
      ["everything", {}, () => true],
      [
        "held by the commune now",
        { currentUnitId: RECEIVING_UNITS[0] },
        (r) => r.current_unit_id === RECEIVING_UNITS[0],
      ],
      [
        "held now or before by two units",
        { unitIds: [RECEIVING_UNITS[1], "unit-province-office"] },
        (r) => r.units_held.includes(RECEIVING_UNITS[1]) || r.units_held.includes("unit-province-office"),
      ],
      ["pending", { status: pending }, (r) => (pending as string[]).includes(r.status)],
      ["overdue", { overdue: true }, (r) => r.overdue],
      [
        "pending, due before 1 December",
        { status: pending, dueBefore: "2025-12-01T00:00:00+07:00" },
        (r) =>
          (pending as string[]).includes(r.status) &&
          r.due_at !== null &&
          r.due_at.getTime() < Date.parse("2025-12-01T00:00:00+07:00"),
      ],
    ];
    for (const [label, query, filter] of cases) {
      const want = expected(filter);
      expect(want.length, `${label}: the case selects something`).toBeGreaterThan(0);
      for (const limit of [1 + rng.int(0, 6), 37, 200]) {
        if (limit === 1 && want.length > 400) continue;
        const { items, pages } = await allPages({ ...query, limit });
        const ids = items.map((i) => i.dossierId);
        expect(new Set(ids).size, `${label}, limit ${limit}: no duplicates`).toBe(ids.length);
        expect(ids, `${label}, limit ${limit}`).toEqual(want);
        expect(pages).toBe(Math.max(1, Math.ceil(want.length / limit)));
      }
    }
  });

  it("lists overdue dossiers with the unit holding each and the unit the delay is attributed to", async () => {
    const { items } = await allPages({ overdue: true, limit: 200 });
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(["received", "processing", "awaiting_supplement", "awaiting_payment"]).toContain(item.status);
      expect(item.overdueHoldingUnitId).not.toBeNull();
      expect(item.unitsHeld).toContain(item.overdueHoldingUnitId);
      expect(item.unitsHeld).toContain(item.currentUnitId);
    }
  });

  it("refuses unreadable cursors and limits outside 1..200", async () => {
    await expect(listDossiers(t.db, SCHEMA, { cursor: "bm9wZQ" })).rejects.toMatchObject({
      code: "read_models.invalid_query",
      parameter: "cursor",
    });
    await expect(listDossiers(t.db, SCHEMA, { limit: 0 })).rejects.toMatchObject({ parameter: "limit" });
    await expect(listDossiers(t.db, SCHEMA, { limit: 201 })).rejects.toMatchObject({ parameter: "limit" });
    await expect(listDossiers(t.db, SCHEMA, { dueBefore: "soon" })).rejects.toMatchObject({
      parameter: "dueBefore",
    });
    expect((await listDossiers(t.db, SCHEMA, { unitIds: [] })).items).toEqual([]);
  });
});
