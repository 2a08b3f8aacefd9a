import { delaysByHoldingUnit } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { positionField, readErrors, withUnitNames } from "../read-model-access";
import { coverageFields, periodQuery, periodReport, type ReportDeps } from "./period-report";

/** `GET /reports/delays`: which holding units let dossiers pass their deadline in a period. */
export function delaysRoute(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);
  return async (app) => {
    app.get(
      "/reports/delays",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Overdue attribution: how many dossiers each holding unit let pass their deadline in a period",
          querystring: periodQuery,
          response: {
            200: z.object({ items: z.array(z.unknown()), ...coverageFields, position: positionField }),
            ...readErrors,
          },
        },
      },
      async (request, reply) =>
        answerPeriodReport(
          principalOf(request),
          request.query,
          reply,
          async (db, schema, selection) =>
            withUnitNames(deps.db, await delaysByHoldingUnit(db, schema, selection)),
          (items) => ({ items: items as unknown[] }),
        ),
    );
  };
}
