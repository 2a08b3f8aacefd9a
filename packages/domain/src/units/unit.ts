import { z } from "zod";
import { LocalDateSchema, OfficeHoursSchema } from "../calendar/calendar";

/**
 * A unit's code (QCVN 102, e.g. `000.00.00.H49`) opens every dossier code it issues, so it must not
 * contain the hyphen that separates the code's parts.
 */
export const UnitCodeSchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[0-9A-Za-z.]+$/, { message: "may contain only letters, digits and '.'" });

/** Levels are data (the district level was abolished in 2025; others may come), not a fixed enum. */
export const UnitLevelSchema = z
  .string()
  .trim()
  .regex(/^[a-z][a-z_]{1,39}$/, { message: "must be a lower-case level name such as province or commune" });

/** The fields of a unit, before the rules that relate them (for schemas that reshape it). */
export const UnitFieldsSchema = z
  .object({
    unitId: z.string().trim().min(1).max(100),
    code: UnitCodeSchema,
    name: z.string().trim().min(1).max(300),
    level: UnitLevelSchema,
    parentId: z.string().trim().min(1).max(100).nullable(),
    validFrom: LocalDateSchema.optional(),
    validTo: LocalDateSchema.optional(),
    successorId: z.string().trim().min(1).max(100).optional(),
    officeHours: OfficeHoursSchema.optional(),
  })
  .strict();

/** Rules between a unit's fields: validity in order, no self-parent, a successor only for an ended unit. */
export function checkUnitFields(
  unit: {
    unitId?: string;
    parentId: string | null;
    validFrom?: string | undefined;
    validTo?: string | undefined;
    successorId?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (unit.validFrom && unit.validTo && unit.validTo < unit.validFrom) {
    ctx.addIssue({
      code: "custom",
      path: ["validTo"],
      message: `must not be before validFrom (${unit.validFrom})`,
    });
  }
  if (unit.unitId !== undefined && unit.parentId === unit.unitId) {
    ctx.addIssue({ code: "custom", path: ["parentId"], message: "a unit cannot be its own parent" });
  }
  if (unit.successorId !== undefined && unit.validTo === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["validTo"],
      message: "a unit with a successor must say when it ended",
    });
  }
}

export const UnitSchema = UnitFieldsSchema.superRefine(checkUnitFields);
export type Unit = z.output<typeof UnitSchema>;

export function isUnitActiveOn(unit: Unit, date: string): boolean {
  return (
    (unit.validFrom === undefined || unit.validFrom <= date) &&
    (unit.validTo === undefined || date <= unit.validTo)
  );
}

/** The unit and every unit below it (at any depth), in breadth-first order. */
export function unitWithDescendants(units: readonly Unit[], unitId: string): string[] {
  const children = new Map<string, string[]>();
  for (const u of units) {
    if (u.parentId === null) continue;
    const list = children.get(u.parentId) ?? [];
    list.push(u.unitId);
    children.set(u.parentId, list);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [unitId];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    queue.push(...(children.get(id) ?? []));
  }
  return out;
}

/** Would setting `parentId` on `unitId` make the tree a loop? */
export function wouldCreateCycle(units: readonly Unit[], unitId: string, parentId: string | null): boolean {
  const parents = new Map(units.map((u) => [u.unitId, u.parentId] as const));
  let cursor = parentId;
  for (let depth = 0; cursor !== null && cursor !== undefined && depth < 1000; depth++) {
    if (cursor === unitId) return true;
    cursor = parents.get(cursor) ?? null;
  }
  return false;
}
