import { z } from "zod";
import { ClockTimeSchema } from "../calendar/calendar";

export const TimeLimitUnitSchema = z.enum([
  "working_days",
  "calendar_days",
  "working_hours",
  "same_day",
  "none",
]);
export type TimeLimitUnit = z.infer<typeof TimeLimitUnitSchema>;

/**
 * A procedure's time limit. `same_day` and `none` carry no amount (any value given is ignored and stored
 * as 0); the others need a positive amount, in halves at the finest (some procedures say "0.5 working day").
 */
export const TimeLimitSchema = z
  .object({
    value: z
      .number({ message: "must be a number" })
      .min(0, { message: "must not be negative" })
      .max(3650, { message: "must be at most 3650" }),
    unit: TimeLimitUnitSchema,
  })
  .strict()
  .superRefine((limit, ctx) => {
    const needsAmount = limit.unit !== "same_day" && limit.unit !== "none";
    if (needsAmount && limit.value <= 0) {
      ctx.addIssue({ code: "custom", path: ["value"], message: `must be greater than 0 for ${limit.unit}` });
    }
    if (needsAmount && !Number.isInteger(limit.value * 2)) {
      ctx.addIssue({ code: "custom", path: ["value"], message: "must be a whole or half number" });
    }
  })
  .transform((limit) =>
    limit.unit === "same_day" || limit.unit === "none" ? { value: 0, unit: limit.unit } : limit,
  );
export type TimeLimit = z.output<typeof TimeLimitSchema>;

export const OnlineServiceSchema = z.enum(["full", "partial", "none"]);
export const SupplementPolicySchema = z.enum(["restart", "resume"]);
export type SupplementPolicy = z.infer<typeof SupplementPolicySchema>;

const CodeSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z.\-_]+$/, { message: "may contain only letters, digits, '.', '-' and '_'" });

const LevelNameSchema = z.string().trim().min(1).max(40);

/** What an admin says about a procedure. Every choice the law leaves open is a setting here. */
export const ProcedureDefinitionSchema = z
  .object({
    code: CodeSchema,
    name: z.string().trim().min(1).max(500),
    field: z.string().trim().min(1).max(200),
    level: z.string().trim().min(1).max(40),
    timeLimit: TimeLimitSchema,
    onlineService: OnlineServiceSchema,
    /**
     * The unit levels where a dossier may be received; absent means the procedure's own level. Receipt
     * regardless of administrative boundaries (Decree 118/2025: any commune or ward of the province
     * receives) is said by listing those levels, e.g. ["department", "commune", "ward"].
     */
    receivableAt: z.array(LevelNameSchema).min(1).max(10).optional(),
    /** Inter-level (liên thông) procedures pass through several levels, in this order. */
    interLevel: z.boolean().default(false),
    /**
     * The levels a dossier passes through, in order: a transfer goes only further along it (see
     * `transferOffPath`). Empty: transfers are not restricted by level.
     */
    interLevels: z.array(LevelNameSchema).max(6).default([]),
    /** restart (default, per the Decree): full limit again; resume: due moves by the paused working time. */
    supplementPolicy: SupplementPolicySchema.default("restart"),
    /** Same-day procedures received at or after this local time are due the next working day. */
    sameDayCutoff: ClockTimeSchema.default("15:00"),
    /** Working days the citizen has to bring a requested supplement; none set means no window. */
    supplementWindowWorkingDays: z.number().int().positive().max(365).optional(),
  })
  .strict();
export type ProcedureDefinition = z.output<typeof ProcedureDefinitionSchema>;
export type ProcedureDefinitionInput = z.input<typeof ProcedureDefinitionSchema>;

/** A version of a procedure: every dossier keeps the version it was received under. */
export type ProcedureVersion = ProcedureDefinition & {
  readonly procedureId: string;
  readonly version: number;
};

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );

/**
 * The version a definition lands as: unchanged definitions keep the current version, any change makes
 * the next one. Dossiers already received keep theirs, so a shortened limit never moves their deadlines.
 */
export function nextProcedureVersion(
  procedureId: string,
  current: ProcedureVersion | undefined,
  definition: ProcedureDefinition,
): { version: ProcedureVersion; changed: boolean } {
  if (current) {
    const { procedureId: _id, version: _v, ...currentDefinition } = current;
    if (canonical(currentDefinition) === canonical(definition)) return { version: current, changed: false };
  }
  return { version: { ...definition, procedureId, version: (current?.version ?? 0) + 1 }, changed: true };
}
