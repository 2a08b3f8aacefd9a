import { isValidLocalDate, localDateOf, mayReceiveAt } from "@motcua/domain";
import type { Principal } from "@motcua/platform";
import {
  GROUPS_766,
  type Indicators766Query,
  indicators766,
  type ReadModelDb,
  type Scope766,
  type Score766,
} from "@motcua/read-models";
import { listProcedures, listUnits, type ReferenceDb } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { AppError } from "../problem";
import {
  answerAtPosition,
  minPositionQuery,
  positionField,
  queryError,
  readErrors,
} from "../read-model-access";
import { type ReportDeps, reportUnits } from "./period-report";

export type Period766 = "month" | "quarter" | "year";

/** The query every 766 read takes: a unit, a period kind and a day inside the period. */
export const period766Query = minPositionQuery.extend({
  period: z
    .enum(["month", "quarter", "year"], { error: "phải là month, quarter hoặc year (tháng, quý hoặc năm)" })
    .meta({ description: "month, quarter or year: the period containing `date`" }),
  date: z.string().optional().meta({
    description: "A day of the period (YYYY-MM-DD, Asia/Ho_Chi_Minh), not after today; default today",
  }),
});

const badQuery = (field: string, message: string) =>
  new AppError(400, "request.invalid", `${field}: ${message}`, {
    title: "Yêu cầu không hợp lệ",
    errors: [{ path: `query.${field}`, message }],
  });

const pad = (n: number) => String(n).padStart(2, "0");
const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The first and last day of the month, quarter or year containing `date`. */
export function periodBounds(period: Period766, date: string): { from: string; to: string } {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const [first, last] =
    period === "month"
      ? [month, month]
      : period === "quarter"
        ? [Math.floor((month - 1) / 3) * 3 + 1, Math.floor((month - 1) / 3) * 3 + 3]
        : [1, 12];
  return { from: `${year}-${pad(first)}-01`, to: `${year}-${pad(last)}-${pad(lastDayOf(year, last))}` };
}

/** The period before the one containing `date`, named by its last day. */
export function previousPeriodDate(period: Period766, date: string): string {
  const { from } = periodBounds(period, date);
  const year = Number(from.slice(0, 4));
  const month = Number(from.slice(5, 7));
  const back = month - 1 === 0 ? { y: year - 1, m: 12 } : { y: year, m: month - 1 };
  return `${back.y}-${pad(back.m)}-01`;
}

/**
 * The period a 766 query names, validated: `date` a real day not after today (400 naming `date`
 * otherwise), the period the one containing it, its end capped at today.
 */
export function resolvePeriod(
  q: { readonly period: Period766; readonly date?: string | undefined },
  now: Date,
): { from: string; to: string; asOf: string; date: string } {
  const today = localDateOf(now.getTime());
  const date = q.date ?? today;
  if (!isValidLocalDate(date)) throw badQuery("date", "phải là một ngày có thật, viết YYYY-MM-DD");
  if (date > today) throw badQuery("date", "không được sau hôm nay");
  const { from, to } = periodBounds(q.period, date);
  return { from, to, asOf: to < today ? to : today, date };
}

/** The procedures a set of units may receive, and those of them offered online. */
export async function scopeOf(db: ReferenceDb, key: string, unitIds: readonly string[]): Promise<Scope766> {
  const [units, procedures] = await Promise.all([listUnits(db), listProcedures(db)]);
  return scopeFrom(key, unitIds, units, procedures);
}

export function scopeFrom(
  key: string,
  unitIds: readonly string[],
  units: readonly { readonly unitId: string; readonly level: string }[],
  procedures: Awaited<ReturnType<typeof listProcedures>>,
): Scope766 {
  const wanted = new Set(unitIds);
  const levels = new Set(units.filter((u) => wanted.has(u.unitId)).map((u) => u.level));
  const applicable = procedures.filter((p) => [...levels].some((level) => mayReceiveAt(p, { level })));
  return {
    key,
    unitIds,
    procedures: {
      applicable: applicable.map((p) => p.procedureId),
      offeredOnline: applicable.filter((p) => p.onlineService !== "none").map((p) => p.procedureId),
    },
  };
}

/** Reads the 766 of several scopes over a period from the active read-model version. */
export async function read766(
  db: ReadModelDb,
  schema: string,
  scopes: readonly Scope766[],
  query: Indicators766Query,
): Promise<Map<string, Score766>> {
  return indicators766(db, schema, scopes, query).catch(queryError);
}

const groupScoresShape = z
  .object(
    Object.fromEntries(GROUPS_766.map((g) => [g, z.number()])) as Record<
      (typeof GROUPS_766)[number],
      z.ZodNumber
    >,
  )
  .meta({
    description:
      "Each group's points: transparency 18, progress 20, online 12, payment 10, digitisation 22, satisfaction 18",
  });
export const groupScoresSchema = groupScoresShape;

const indicatorSchema = z.object({
  id: z.string().meta({
    description: "The number in VPCP's formula description (1.1 … 5.4; P.A–P.C: the payment terms)",
  }),
  group: z.enum(GROUPS_766),
  name: z.string(),
  value: z.number().nullable().meta({
    description: "The rate in percent, or for 2.2 the mean working days; null when nothing is counted",
  }),
  score: z.number(),
  max: z.number(),
  formula: z.string(),
  missingData: z.string().optional().meta({
    description:
      "Present when motcua does not hold, or has not recorded, the data this needs: what is missing (Vietnamese); scored 0",
  }),
  note: z.string().optional().meta({
    description:
      "How the value was computed where the formula could not be followed fully, or why it is null",
  }),
});

/**
 * `GET /indicators/766`: the Decision 766 score of a unit (with its subunits if asked) for the month,
 * quarter or year containing `date`: every sub-indicator with its value, points and formula, each
 * group's points and the total (the sum of the groups).
 */
export function indicators766Route(deps: ReportDeps): RouteSlice {
  return async (app) => {
    app.get(
      "/indicators/766",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary: "The Decision 766 score: six groups, every sub-indicator, for a month, quarter or year",
          querystring: period766Query.extend({
            unitId: z.string().trim().min(1).max(100),
            includeSubunits: z
              .enum(["true", "false"])
              .optional()
              .transform((v) => v === "true")
              .meta({ description: "Add the units below unitId" }),
          }),
          response: {
            200: z.object({
              unitId: z.string(),
              period: z.enum(["month", "quarter", "year"]),
              from: z.string(),
              to: z.string(),
              asOf: z
                .string()
                .meta({ description: "The last day the figures reflect: `to`, or today if later" }),
              totalScore: z.number().meta({ description: "Out of 100: the sum of groupScores" }),
              groupScores: groupScoresSchema,
              indicators: z.array(indicatorSchema),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const principal: Principal = principalOf(request);
        const { from, to, asOf } = resolvePeriod(q, deps.now());
        const unitIds = await reportUnits(deps.db, principal, q.unitId, q.includeSubunits);
        const scope = await scopeOf(deps.db, q.unitId, unitIds);
        const position = await deps.access.waitFor(q.minPosition);
        const scores = await read766(deps.access.db, await deps.access.schema(), [scope], {
          from,
          to: asOf,
          now: deps.now(),
        });
        const score = scores.get(q.unitId) as Score766;
        return answerAtPosition(reply, position, {
          unitId: q.unitId,
          period: q.period,
          from,
          to,
          asOf,
          totalScore: score.totalScore,
          groupScores: score.groupScores,
          indicators: [...score.indicators],
        });
      },
    );
  };
}
