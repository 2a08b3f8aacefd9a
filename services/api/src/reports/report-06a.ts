import { REPORT_06A_COUNT_KEYS, type Report06aCounts, report06a } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { positionField, readErrors } from "../read-model-access";
import { coverageFields, periodQuery, periodReport, type ReportDeps } from "./period-report";

/** The form's counts, each a whole number, in the form's order (the read models' list of them). */
const countsSchema = z.object(
  Object.fromEntries(REPORT_06A_COUNT_KEYS.map((key) => [key, z.number().int()])) as Record<
    keyof Report06aCounts,
    z.ZodNumber
  >,
);

/** `GET /reports/06a`: Biểu II.06a for a unit (and the units below) over a period. */
export function report06aRoute(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);
  return async (app) => {
    app.get(
      "/reports/06a",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary: "Biểu II.06a: reception and resolution of dossiers, per unit and per field, for a period",
          querystring: periodQuery,
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              includeSubunits: z.boolean(),
              total: countsSchema,
              rows: z.array(countsSchema.extend({ field: z.string() })),
              ...coverageFields,
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        return answerPeriodReport(principalOf(request), q, reply, report06a, (report) => ({
          unitId: q.unitId,
          from: report.from,
          to: q.to,
          includeSubunits: q.includeSubunits,
          total: report.total,
          rows: report.rows.map((r) => ({ ...r })),
        }));
      },
    );
  };
}
