import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenWorkDossiers, openWorkScenario } from "../test-read-scenario";
import { receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/** The overdue list: pending dossiers past their due moment, by holding unit, for analysts and officers. */
let rt: TestRuntime;
let officerA: Record<string, string>;
let ids: OpenWorkDossiers;
const APPLICANT = receiveBody().applicant;

beforeAll(async () => {
  ({ rt, officerA, ids } = await openWorkScenario("overdue_list"));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("the overdue list for analysts", () => {
  it("lists overdue dossiers with the holding unit, procedure, dueAt and days overdue, nothing personal", async () => {
    const analyst = await rt.auth("analyst");
    const response = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.province.unitId}&includeSubunits=true`,
      headers: analyst,
    });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items;
    // Both were due at the same moment: their order is by id.
    expect(items).toHaveLength(2);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          dossierId: ids.overdue,
          procedureId: "permit",
          holdingUnitId: UNITS.communeA.unitId,
          holdingUnitName: UNITS.communeA.name,
          dueAt: expect.stringMatching(/^2025-03-10T09:00/),
          daysOverdue: 2,
        }),
        expect.objectContaining({
          dossierId: ids.transferred,
          receivingUnitId: UNITS.communeA.unitId,
          holdingUnitId: UNITS.department.unitId,
          holdingUnitName: UNITS.department.name,
        }),
      ]),
    );
    for (const personal of [APPLICANT.name, APPLICANT.idNumber, APPLICANT.phone])
      expect(response.body).not.toContain(personal);
  });

  it("is by holding unit, and officers read it for their own subtree only", async () => {
    const mine = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.communeA.unitId}`,
      headers: officerA,
    });
    expect(mine.json().items.map((i: { dossierId: string }) => i.dossierId)).toEqual([ids.overdue]);
    const other = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.department.unitId}`,
      headers: officerA,
    });
    expect(other.statusCode).toBe(403);
  });
});
