import { GROUPS_766, type Group766, type Score766 } from "@motcua/read-models";
import { listProcedures, listUnits } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { answerAtPosition, positionField, readErrors } from "../read-model-access";
import {
  groupScoresSchema,
  period766Query,
  periodBounds,
  previousPeriodDate,
  read766,
  resolvePeriod,
  scopeFrom,
} from "./indicators-766";
import { type ReportDeps, reportUnits } from "./period-report";

/** The lowest total of `xuất sắc`, `tốt`, `khá` and `trung bình`, descending; below the last, `yếu`. */
export type Bands766 = readonly [number, number, number, number];
/** motcua's default grading (SCORE_766_BANDS): see README, "The 766 score". */
export const DEFAULT_BANDS_766: Bands766 = [90, 80, 65, 50];
const BAND_NAMES = ["xuất sắc", "tốt", "khá", "trung bình"] as const;
export type Band766 = (typeof BAND_NAMES)[number] | "yếu";

export function bandOf(totalScore: number, bands: Bands766): Band766 {
  const index = bands.findIndex((lowest) => totalScore >= lowest);
  return index === -1 ? "yếu" : (BAND_NAMES[index] as Band766);
}

export interface RankedUnit {
  readonly unitId: string;
  readonly value: number;
}

/**
 * Standard competition ranking ("1, 2, 2, 4"): a higher value ranks first; equal values share the rank
 * of the first of them, in the order given (the unit tree's code order).
 */
export function rank(units: readonly RankedUnit[]): Map<string, number> {
  const sorted = units
    .map((u, index) => ({ ...u, index }))
    .sort((a, b) => b.value - a.value || a.index - b.index);
  const ranks = new Map<string, number>();
  sorted.forEach((u, i) => {
    const previous = sorted[i - 1];
    ranks.set(
      u.unitId,
      previous !== undefined && previous.value === u.value ? (ranks.get(previous.unitId) as number) : i + 1,
    );
  });
  return ranks;
}

const rankedValue = (score: Score766, by: "total" | Group766) =>
  by === "total" ? score.totalScore : score.groupScores[by];

/**
 * `GET /rankings/766`: the units directly under `parentId`, each with its subunits, ranked by the total
 * 766 score or by one group for the month, quarter or year containing `date`; each with its change from
 * the previous period (rank and points) and its grading band.
 */
export function rankings766Route(deps: ReportDeps & { readonly bands?: Bands766 }): RouteSlice {
  const bands = deps.bands ?? DEFAULT_BANDS_766;
  return async (app) => {
    app.get(
      "/rankings/766",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary: "The units under a parent ranked by their Decision 766 score (total or a group)",
          querystring: period766Query.extend({
            parentId: z.string().trim().min(1).max(100),
            by: z
              .enum(["total", ...GROUPS_766], {
                error: `phải là total hoặc một nhóm: ${GROUPS_766.join(", ")}`,
              })
              .default("total")
              .meta({ description: "Rank by the total (default) or by one group's points" }),
          }),
          response: {
            200: z.object({
              parentId: z.string(),
              period: z.enum(["month", "quarter", "year"]),
              from: z.string(),
              to: z.string(),
              asOf: z.string(),
              by: z.string(),
              bands: z.array(z.object({ band: z.string(), from: z.number() })).meta({
                description: "The grading bands in force (SCORE_766_BANDS): the lowest total of each",
              }),
              items: z.array(
                z.object({
                  unitId: z.string(),
                  name: z.string(),
                  rank: z.number().int(),
                  totalScore: z.number(),
                  groupScores: groupScoresSchema,
                  value: z
                    .number()
                    .meta({ description: "What the ranking is by: the total or the group's points" }),
                  band: z.enum([...BAND_NAMES, "yếu"]),
                  change: z.number().int().nullable().meta({
                    description:
                      "Places gained since the previous period (negative: places lost); null if unranked then",
                  }),
                  scoreChange: z.number().nullable().meta({
                    description: "Points of `value` gained since the previous period (negative: lost)",
                  }),
                }),
              ),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const { from, to, asOf, date } = resolvePeriod(q, deps.now());
        await reportUnits(deps.db, principalOf(request), q.parentId, true);
        const [units, procedures] = await Promise.all([listUnits(deps.db), listProcedures(deps.db)]);
        const childrenOf = new Map<string, string[]>();
        for (const u of units) {
          if (u.parentId === null || u.parentId === undefined) continue;
          childrenOf.set(u.parentId, [...(childrenOf.get(u.parentId) ?? []), u.unitId]);
        }
        const subtree = (unitId: string): string[] => [
          unitId,
          ...(childrenOf.get(unitId) ?? []).flatMap(subtree),
        ];
        const previous = periodBounds(q.period, previousPeriodDate(q.period, date));
        const children = units.filter(
          (u) => u.parentId === q.parentId && (u.validTo === undefined || u.validTo >= previous.from),
        );
        const scopes = children.map((c) => scopeFrom(c.unitId, subtree(c.unitId), units, procedures));
        const position = await deps.access.waitFor(q.minPosition);
        const schema = await deps.access.schema();
        const [now, before] = await Promise.all([
          read766(deps.access.db, schema, scopes, { from, to: asOf, now: deps.now() }),
          read766(deps.access.db, schema, scopes, { ...previous, now: deps.now() }),
        ]);
        const by = q.by;
        const values = (scores: Map<string, Score766>) =>
          children.map((c) => ({
            unitId: c.unitId,
            value: rankedValue(scores.get(c.unitId) as Score766, by),
          }));
        const ranks = rank(values(now));
        const ranksBefore = rank(values(before));
        const items = children
          .map((c) => {
            const score = now.get(c.unitId) as Score766;
            const earlier = before.get(c.unitId) as Score766;
            const r = ranks.get(c.unitId) as number;
            const value = rankedValue(score, by);
            return {
              unitId: c.unitId,
              name: c.name,
              rank: r,
              totalScore: score.totalScore,
              groupScores: score.groupScores,
              value,
              band: bandOf(score.totalScore, bands),
              change: (ranksBefore.get(c.unitId) as number) - r,
              scoreChange: Math.round((value - rankedValue(earlier, by)) * 100) / 100,
            };
          })
          .sort((a, b) => a.rank - b.rank);
        return answerAtPosition(reply, position, {
          parentId: q.parentId,
          period: q.period,
          from,
          to,
          asOf,
          by,
          bands: BAND_NAMES.map((band, i) => ({ band, from: bands[i] as number })),
          items,
        });
      },
    );
  };
}
