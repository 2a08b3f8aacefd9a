import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, type MarchScenario, marchScenario } from "../test-read-scenario";
import { projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/** `GET /indicators?…&groupBy=child`: the dashboard's ranking in one call instead of one per child unit. */
let rt: TestRuntime;
let analyst: Record<string, string>;

beforeAll(async () => {
  let post: MarchScenario["post"];
  ({ rt, analyst, post } = await marchScenario("indicators_by_child"));
  // Commune B's own March: one resolved early, one pending, so its figures differ from commune A's.
  const officerB = await rt.auth("officer", UNITS.communeB.unitId);
  rt.clock.set(at("2025-03-12T09:00"));
  const receive = async (extra: Record<string, unknown> = {}) =>
    (await post("/dossiers", receiveBody({ unitId: UNITS.communeB.unitId, ...extra }), officerB))
      .dossierId as string;
  const early = await receive({ channel: "online" });
  await receive();
  rt.clock.set(at("2025-03-13T09:00"));
  await post(`/dossiers/${early}/resolve`, { outcome: "approved" }, officerB);
  await projectAll(rt);
});
afterAll(async () => {
  await rt?.dispose();
});

const get = async (query: Record<string, string>, headers = analyst) =>
  rt.app.inject({ url: `/indicators?${new URLSearchParams(query)}`, headers });

/** The figures of an `/indicators` answer, without what says which unit and period they are for. */
const figuresOf = ({
  unitId: _u,
  from: _f,
  to: _t,
  asOf: _a,
  toCapped: _c,
  position: _p,
  ...rest
}: Record<string, unknown>) => rest;

const period = { from: "2025-03-01", to: "2025-03-31" };
const childrenOfProvince = [UNITS.department, UNITS.communeA, UNITS.communeB].sort((a, b) =>
  a.code.localeCompare(b.code),
);

describe("the indicators of every child unit in one call (groupBy=child)", () => {
  for (const includeSubunits of ["true", "false"]) {
    it(`answers each child's figures exactly as the per-unit call does (includeSubunits=${includeSubunits})`, async () => {
      const grouped = await get({
        unitId: UNITS.province.unitId,
        ...period,
        includeSubunits,
        groupBy: "child",
      });
      expect(grouped.statusCode, grouped.body).toBe(200);
      const body = grouped.json();
      const alone = await get({ unitId: UNITS.province.unitId, ...period, includeSubunits });
      const { children, ...own } = body;
      expect(own).toEqual(alone.json());
      expect(children.map((c: { unitId: string }) => c.unitId)).toEqual(
        childrenOfProvince.map((u) => u.unitId),
      );
      for (const child of children as ({ unitId: string; unitName: string } & Record<string, unknown>)[]) {
        const perUnit = await get({ unitId: child.unitId, ...period, includeSubunits });
        expect(perUnit.statusCode, perUnit.body).toBe(200);
        const { unitId, unitName, ...figures } = child;
        expect(figures, unitId).toEqual(figuresOf(perUnit.json()));
        expect(unitName).toBe(childrenOfProvince.find((u) => u.unitId === unitId)?.name);
      }
      // The two communes differ, so a mix-up between children would show.
      const rate = (unitId: string) =>
        children.find((c: { unitId: string }) => c.unitId === unitId).onTimeRate;
      expect([rate(UNITS.communeA.unitId), rate(UNITS.communeB.unitId)]).toEqual([0.5, 1]);
    });
  }

  it("answers an empty list for a unit without child units, and no list without groupBy", async () => {
    const leaf = await get({ unitId: UNITS.communeA.unitId, ...period, groupBy: "child" });
    expect(leaf.statusCode, leaf.body).toBe(200);
    expect(leaf.json().children).toEqual([]);
    const plain = await get({ unitId: UNITS.communeA.unitId, ...period });
    expect(plain.json()).not.toHaveProperty("children");
  });

  it("keeps the report's rules: an officer groups their own unit only", async () => {
    const officerA = await rt.auth("officer", UNITS.communeA.unitId);
    const refused = await get({ unitId: UNITS.province.unitId, ...period, groupBy: "child" }, officerA);
    expect(refused.statusCode).toBe(403);
  });

  it("refuses a groupBy it does not know with 400 naming the parameter", async () => {
    const response = await get({ unitId: UNITS.province.unitId, ...period, groupBy: "parent" });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json().errors.map((e: { path: string }) => e.path)).toEqual(["query.groupBy"]);
  });
});
