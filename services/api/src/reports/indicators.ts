import { type Indicators, indicators, indicatorsByGroup, type ReadModelDb } from "@motcua/read-models";
import { listUnits } from "@motcua/reference-data";
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

/**
 * `GET /indicators`: the unit's on-time rate, shares, average resolution time and 766 progress score.
 * `groupBy=child` (an extension) adds `children`: each direct child unit's figures, exactly what
 * `/indicators?unitId=<child>` with the same period and `includeSubunits` answers — the dashboard's
 * ranking in one call.
 */
export function indicatorsRoute(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);

  /**
   * Each direct child of `unitId`, in the reference data's order, with its own figures: every child's
   * units read in one statement, not a statement per child (a province has a hundred communes).
   */
  async function childFigures(
    db: ReadModelDb,
    schema: string,
    unitId: string,
    includeSubunits: boolean,
    period: Omit<PeriodSelection, "unitIds">,
  ) {
    const units = await listUnits(deps.db);
    const children = units.filter((u) => u.parentId === unitId);
    // Each child's subtree from the one unit list (as unitSubtree walks it), not a query per child.
    const below = new Map<string, string[]>();
    for (const unit of units) {
      if (unit.parentId !== null)
        below.set(unit.parentId, [...(below.get(unit.parentId) ?? []), unit.unitId]);
    }
    const subtree = (root: string): string[] => {
      const found = [root];
      for (let i = 0; i < found.length; i++) {
        for (const next of below.get(found[i] as string) ?? []) if (!found.includes(next)) found.push(next);
      }
      return found;
    };
    const groups = new Map<string, string[]>();
    for (const child of children) {
      groups.set(child.unitId, includeSubunits ? subtree(child.unitId) : [child.unitId]);
    }
    const figures = await indicatorsByGroup(db, schema, { groups, from: period.from, to: period.to });
    return children.map((child) => ({
      unitId: child.unitId,
      unitName: child.name,
      ...(figures.get(child.unitId) as Indicators),
    }));
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
