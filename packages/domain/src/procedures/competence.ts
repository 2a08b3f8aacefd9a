import type { Unit } from "../units/unit";
import type { ProcedureVersion } from "./procedure";

/** What the competence rules need of a procedure version (stored versions may predate `receivableAt`). */
export type ProcedureCompetence = Pick<ProcedureVersion, "level" | "interLevels"> & {
  readonly receivableAt?: readonly string[] | undefined;
};

/** What the rules need of a unit: its level and when it exists. */
export type UnitFacts = Pick<Unit, "unitId" | "level" | "validFrom" | "validTo" | "successorId">;

/** The levels where the procedure may be received: its `receivableAt`, else its own level. */
export function receivableLevels(procedure: ProcedureCompetence): readonly string[] {
  return procedure.receivableAt && procedure.receivableAt.length > 0
    ? procedure.receivableAt
    : [procedure.level];
}

export function mayReceiveAt(procedure: ProcedureCompetence, unit: Pick<UnitFacts, "level">): boolean {
  return receivableLevels(procedure).includes(unit.level);
}

/**
 * Whether a transfer leaves the procedure's declared path. The path lists levels in the order a dossier
 * passes them, so a transfer goes to a level later in the path than the holder's (the holder's first
 * place in it; a holder off the path, e.g. a commune receiving a department's procedure, may hand it to
 * any level of the path). A level listed twice allows one hand-over between units of that level
 * (inter-agency). Handing the dossier back to the unit that received it, to return the result there, or
 * to the successor of a holder that ceased, is always allowed. A procedure without a declared path
 * restricts nothing.
 */
export function transferOffPath(
  procedure: ProcedureCompetence,
  move: {
    readonly from: Pick<UnitFacts, "level" | "successorId">;
    readonly to: Pick<UnitFacts, "unitId" | "level">;
    readonly receivingUnitId: string;
  },
): boolean {
  const path = procedure.interLevels;
  if (path.length === 0) return false;
  if (move.to.unitId === move.receivingUnitId || move.to.unitId === move.from.successorId) return false;
  const here = path.indexOf(move.from.level);
  return !path.some((level, index) => index > here && level === move.to.level);
}

/**
 * Whether `unitId` has taken over from `holder`: following successors from the holder through units that
 * had ceased by `localDate` reaches it. Its officers then act on the dossiers the holder still holds.
 */
export function hasTakenOver(
  unitId: string,
  holder: UnitFacts,
  unitsById: (id: string) => UnitFacts | undefined,
  localDate: string,
): boolean {
  let cursor: UnitFacts | undefined = holder;
  for (let hops = 0; cursor && hops < 20; hops++) {
    if (unitServiceOn(cursor, localDate) !== "closed" || cursor.successorId === undefined) return false;
    if (cursor.successorId === unitId) return true;
    cursor = unitsById(cursor.successorId);
  }
  return false;
}

/** A unit serves on a local date between its validFrom and validTo, both included. */
export function unitServiceOn(
  unit: Pick<UnitFacts, "validFrom" | "validTo">,
  localDate: string,
): "not_yet_open" | "open" | "closed" {
  if (unit.validFrom !== undefined && localDate < unit.validFrom) return "not_yet_open";
  if (unit.validTo !== undefined && localDate > unit.validTo) return "closed";
  return "open";
}
