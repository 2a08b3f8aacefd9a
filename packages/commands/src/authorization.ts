import type { Principal } from "@motcua/platform";
import type { ReferenceCache } from "@motcua/reference-data";
import { tookOver } from "./command-request";

/** Who is asking, as far as permissions go. */
export type Caller = Pick<Principal, "role" | "unitId">;

/**
 * Who may act on a dossier for `unitId` (the unit holding it, or the unit it is received or submitted
 * at): an officer of that unit; admins, the portal's connector and the system for any. An officer of the
 * successor of a holder that ceased may act too: the command handler asks the reference data about that
 * only when this answers no.
 */
export const mayAct = (caller: Caller, unitId: string): boolean =>
  caller.role !== "officer" || caller.unitId === unitId;

/**
 * Who may read one dossier: auditors and admins always; an officer when their unit holds it or held it
 * before (`unitsHeld`); analysts and the portal never (they get aggregates only).
 */
export const mayRead = (caller: Caller, unitsHeld: readonly string[]): boolean =>
  caller.role === "auditor" ||
  caller.role === "admin" ||
  (caller.role === "officer" && caller.unitId !== undefined && unitsHeld.includes(caller.unitId));

/**
 * `mayRead`, or an officer of the successor of a unit that held the dossier and has ceased by `now` (a
 * merged ward's dossiers pass to the ward that took it over, for reading as for acting). The reference data
 * is asked only when `mayRead` says no.
 */
export async function mayReadDossier(
  caller: Caller,
  unitsHeld: readonly string[],
  reference: ReferenceCache,
  now: string,
): Promise<boolean> {
  if (mayRead(caller, unitsHeld)) return true;
  if (caller.role !== "officer" || caller.unitId === undefined) return false;
  for (const held of unitsHeld) if (await tookOver({ reference }, caller.unitId, held, now)) return true;
  return false;
}

/**
 * Who may read a unit's reports: an officer for their own unit and the units below it (`subtreeOf`
 * answers the units under a unit, itself included); the other roles a route admits for any unit.
 */
export async function mayReadReports(
  caller: Caller,
  unitId: string,
  subtreeOf: (unitId: string) => Promise<readonly string[]>,
): Promise<boolean> {
  if (caller.role !== "officer") return true;
  return (await subtreeOf(caller.unitId ?? "")).includes(unitId);
}
