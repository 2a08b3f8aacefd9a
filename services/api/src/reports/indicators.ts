import { type Indicators, indicators, type ReadModelDb } from "@motcua/read-models";
import { listUnits, unitSubtree } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { positionField, readErrors } from "../read-model-access";
import {
  coverageFields,
  type PeriodSelection,
  periodQuery,
  periodReport,
  type ReportDeps,
} from "./period-report";

const figuresShape = {
  onTimeRate: z.number().nullable(),
  onlineShare: z.number().nullable(),
  digitizedShare: z.number().nullable(),
  averageResolutionWorkingDays: z.number().nullable(),
  progressScore766: z.number().nullable(),
};

/** Child units read at once: the ranking of a province's hundred communes is one request, not a hundred. */
const CHILDREN_IN_FLIGHT = 4;

/**
 * `GET /indicators`: the unit's on-time rate, shares, average resolution time and 766 progress score.
 * `groupBy=child` (an extension) adds `children`: each direct child unit's figures, exactly what
 * `/indicators?unitId=<child>` with the same period and `includeSubunits` answers — the dashboard's
 * ranking in one call.
 */
export function indicatorsRoute(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);

  /** Each direct child of `unitId`, in the reference data's order, with its own figures. */
  async function childFigures(
    db: ReadModelDb,
    schema: string,
    unitId: string,
    includeSubunits: boolean,
    period: Omit<PeriodSelection, "unitIds">,
  ) {
    const children = (await listUnits(deps.db)).filter((u) => u.parentId === unitId);
    const answers: ({ unitId: string; unitName: string } & Indicators)[] = new Array(children.length);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < children.length; index = next++) {
        const child = children[index] as (typeof children)[number];
        const unitIds = includeSubunits ? await unitSubtree(deps.db, child.unitId) : [child.unitId];
        const figures = await indicators(db, schema, { ...period, unitIds });
        answers[index] = { unitId: child.unitId, unitName: child.name, ...figures };
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHILDREN_IN_FLIGHT, children.length) }, worker));
    return answers;
  }

  return async (app) => {
    app.get(
      "/indicators",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "On-time rate, online and digitised shares, average resolution time, the 766 progress score",
          querystring: periodQuery.extend({
            groupBy: z.enum(["child"]).optional().meta({
              description:
                "Extension: `child` adds `children`, each direct child unit's indicators as `/indicators?unitId=<child>` (same period and includeSubunits) answers them",
            }),
          }),
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              ...figuresShape,
              children: z
                .array(z.object({ unitId: z.string(), unitName: z.string(), ...figuresShape }))
                .optional()
                .meta({
                  description: "With `groupBy=child` only: the direct child units, in unit-code order",
                }),
              ...coverageFields,
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        return answerPeriodReport(
          principalOf(request),
          q,
          reply,
          async (db, schema, selection) => ({
            figures: await indicators(db, schema, selection),
            ...(q.groupBy === "child"
              ? {
                  children: await childFigures(db, schema, q.unitId, q.includeSubunits, {
                    from: selection.from,
                    to: selection.to,
                  }),
                }
              : {}),
          }),
          ({ figures, children }) => ({
            unitId: q.unitId,
            from: q.from,
            to: q.to,
            ...figures,
            ...(children ? { children } : {}),
          }),
        );
      },
    );
  };
}
