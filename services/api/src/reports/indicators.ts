import { indicators } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { readErrors } from "../read-model-access";
import { positionField } from "../read-position";
import { coverageFields, periodQuery, periodReport, type ReportDeps } from "./period-report";

/** `GET /indicators`: the unit's on-time rate, shares, average resolution time and 766 progress score. */
export function indicatorsRoute(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);
  return async (app) => {
    app.get(
      "/indicators",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "On-time rate, online and digitised shares, average resolution time, the 766 progress score",
          querystring: periodQuery,
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              onTimeRate: z.number().nullable(),
              onlineShare: z.number().nullable(),
              digitizedShare: z.number().nullable(),
              averageResolutionWorkingDays: z.number().nullable(),
              progressScore766: z.number().nullable(),
              ...coverageFields,
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        return answerPeriodReport(principalOf(request), q, reply, indicators, (figures) => ({
          unitId: q.unitId,
          from: q.from,
          to: q.to,
          ...figures,
        }));
      },
    );
  };
}
