import { api } from "./api";
import { orThrow } from "./load";

export interface UnitInfo {
  readonly unitId: string;
  readonly code: string;
  readonly name: string;
  readonly level: string;
  readonly parentId: string | null;
  readonly validTo?: string;
  readonly officeHours?: unknown;
}

export interface ProcedureInfo {
  readonly procedureId: string;
  readonly code: string;
  readonly name: string;
  readonly field: string;
  readonly level: string;
  readonly version: number;
  readonly timeLimit: { value: number; unit: string };
  readonly receivableAt?: string[];
  readonly interLevels?: string[];
  readonly sameDayCutoff?: string;
}

/** Units and procedures change rarely: one read per page load, shared by every page. */
let units: Promise<UnitInfo[]> | null = null;
let procedures: Promise<ProcedureInfo[]> | null = null;

export function loadUnits(): Promise<UnitInfo[]> {
  units ??= api.GET("/units").then((a) => orThrow(a).items as UnitInfo[]);
  units.catch(() => {
    units = null;
  });
  return units;
}

export function loadProcedures(): Promise<ProcedureInfo[]> {
  procedures ??= api.GET("/procedures").then((a) => orThrow(a).items as unknown as ProcedureInfo[]);
  procedures.catch(() => {
    procedures = null;
  });
  return procedures;
}

/** After signing in as someone else, what the previous person could read is not reused. */
export function forgetReferenceData(): void {
  units = null;
  procedures = null;
}

export const byId = <T, K extends keyof T>(items: readonly T[], key: K): Map<T[K], T> =>
  new Map(items.map((item) => [item[key], item]));

/** Where a procedure may be received: the levels it names, else its own level. */
export const receivableAt = (procedure: ProcedureInfo): string[] =>
  procedure.receivableAt && procedure.receivableAt.length > 0 ? procedure.receivableAt : [procedure.level];
