import { describe, expect, it } from "vitest";
import { importWithOfficers, officersOf } from "./officers";
import type { DossierPlan } from "./plan";

const NAMES: Record<string, string> = {
  ward: "UBND phường Phan Đình Phùng",
  dept: "Sở Tài nguyên và Môi trường",
};
const unitName = (unitId: string) => NAMES[unitId] ?? unitId;

const plan: DossierPlan = {
  dossierId: "00000000-0000-4000-8000-000000000001",
  unitId: "ward",
  procedureId: "p",
  channel: "direct",
  applicant: { name: "Trần Thị Bình", idNumber: "019085001234" },
  documents: [],
  receivedAt: "2025-03-03T08:00:00+07:00",
  actions: [
    { action: "supplement-request", at: "2025-03-03T09:00:00+07:00", reason: "Thiếu" },
    { action: "supplement-received", at: "2025-03-04T09:00:00+07:00" },
    { action: "transfer", at: "2025-03-04T10:00:00+07:00", toUnitId: "dept" },
    { action: "resolve", at: "2025-03-05T10:00:00+07:00", outcome: "approved" },
    { action: "transfer", at: "2025-03-05T11:00:00+07:00", toUnitId: "ward" },
    { action: "return", at: "2025-03-06T10:00:00+07:00", method: "counter" },
  ],
};

describe("simulated histories name the officers who acted", () => {
  it("names an officer by post and unit, never a citizen", () => {
    expect(officersOf("ward", NAMES.ward as string)).toEqual({
      counter: { id: "ward.mot-cua", name: "Cán bộ một cửa phường Phan Đình Phùng", unitId: "ward" },
      specialist: { id: "ward.chuyen-vien", name: "Chuyên viên phường Phan Đình Phùng", unitId: "ward" },
    });
  });

  it("the receiving counter receives; each action is done by the unit holding the dossier then", () => {
    const body = importWithOfficers(plan, unitName);
    expect(body.actor.id).toBe("ward.mot-cua");
    expect(body.actions.map((a) => [a.action, a.actor.id])).toEqual([
      ["supplement-request", "ward.chuyen-vien"],
      ["supplement-received", "ward.mot-cua"],
      ["transfer", "ward.chuyen-vien"],
      ["resolve", "dept.chuyen-vien"],
      ["transfer", "dept.chuyen-vien"],
      ["return", "ward.mot-cua"],
    ]);
    expect(JSON.stringify(body.actions.map((a) => a.actor))).not.toContain(plan.applicant.name);
    // The planned actions themselves are untouched (the simulator's own expected counts read them).
    expect(plan.actions[0]).not.toHaveProperty("actor");
  });
});
