import type { DossierPlan, PlannedAction } from "./plan";

/** An officer as an import names them (API.md import actions: `actor: { id, name, unitId }`). */
export interface Officer {
  readonly id: string;
  readonly name: string;
  readonly unitId: string;
}

/** Actions the one-stop counter does (receipt, handing back the result); the rest is the specialists'. */
const AT_THE_COUNTER = new Set(["return", "withdraw", "supplement-received", "fee-paid"]);

/** "UBND phường Phan Đình Phùng" → "phường Phan Đình Phùng": how officers name their own unit. */
const shortName = (unitName: string) => unitName.replace(/^UBND\s+/u, "");

/**
 * The officers of a unit: its one-stop officer and a specialist. Names say the post and the unit — an
 * officer's name is not a citizen's personal data, but a simulation has no real staff to name.
 */
export function officersOf(unitId: string, unitName: string): { counter: Officer; specialist: Officer } {
  return {
    counter: { id: `${unitId}.mot-cua`, name: `Cán bộ một cửa ${shortName(unitName)}`, unitId },
    specialist: { id: `${unitId}.chuyen-vien`, name: `Chuyên viên ${shortName(unitName)}`, unitId },
  };
}

/**
 * The import body for a planned life, each step naming the officer who did it: the receiving unit's
 * one-stop officer receives; each later action is done by the unit holding the dossier at that moment
 * (transfers and forwards hand it on), at its counter or by its specialist.
 */
export function importWithOfficers(
  plan: DossierPlan,
  unitName: (unitId: string) => string,
): Omit<DossierPlan, "actions"> & { actor: Officer; actions: (PlannedAction & { actor: Officer })[] } {
  let holder = plan.unitId;
  const actions = plan.actions.map((action) => {
    const officers = officersOf(holder, unitName(holder));
    const actor = AT_THE_COUNTER.has(action.action) ? officers.counter : officers.specialist;
    if ((action.action === "transfer" || action.action === "forward") && typeof action.toUnitId === "string")
      holder = action.toUnitId;
    return { ...action, actor };
  });
  return { ...plan, actor: officersOf(plan.unitId, unitName(plan.unitId)).counter, actions };
}
