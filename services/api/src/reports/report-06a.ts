import { report06a } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { readErrors } from "../read-model-access";
import { positionField } from "../read-position";
import { coverageFields, periodQuery, periodReport, type ReportDeps } from "./period-report";

const countsSchema = z.object({
  received: z.number().int(),
  receivedOnline: z.number().int(),
  receivedDirect: z.number().int(),
  carriedOver: z.number().int(),
  resolved: z.number().int(),
  resolvedEarly: z.number().int(),
  resolvedOnTime: z.number().int(),
  resolvedLate: z.number().int(),
  pending: z.number().int(),
  pendingInTime: z.number().int(),
  pendingOverdue: z.number().int(),
});

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
