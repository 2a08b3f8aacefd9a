import { isValidLocalDate, localDateOf } from "@motcua/domain";
import { indicators, report06a } from "@motcua/read-models";
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
import { periodQuery, type ReportDeps, reportUnits } from "./period-report";

/** The month `count` months after `YYYY-MM` (negative: before). */
function addMonths(month: string, count: number): string {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** The last day of `YYYY-MM`. */
function lastDayOf(month: string): string {
  const days = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  return `${month}-${String(days).padStart(2, "0")}`;
}

const monthShape = z.object({
  month: z.string().meta({ description: "YYYY-MM" }),
  from: z.string(),
  to: z.string().meta({ description: "The month's last day, or today for the current month" }),
  received: z.number().int().meta({ description: "Received in the month (online, direct and postal)" }),
  resolved: z.number().int(),
  resolvedLate: z.number().int(),
  pendingOverdue: z.number().int().meta({ description: "Pending and overdue on the month's last day" }),
  onTimeRate: z.number().nullable(),
  progressScore766: z.number().nullable(),
});

/**
 * `GET /reports/monthly`: the unit's months side by side, for the board's trend lines — each month as
 * `/reports/06a` and `/indicators` answer it for that month alone.
 */
export function monthlyRoute(deps: ReportDeps): RouteSlice {
  return async (app) => {
    app.get(
      "/reports/monthly",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Monthly trend: received, resolved, on-time rate and the 766 progress score of each of the last months",
          querystring: minPositionQuery.extend({
            unitId: periodQuery.shape.unitId,
            to: z
              .string()
              .meta({ description: "A day of the last month shown (YYYY-MM-DD); not after today" }),
            months: z.coerce.number().int().min(1).max(24).default(12),
            includeSubunits: periodQuery.shape.includeSubunits,
          }),
          response: {
            200: z.object({
              unitId: z.string(),
              months: z.array(monthShape),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const today = localDateOf(deps.now().getTime());
        if (!isValidLocalDate(q.to) || q.to > today) {
          throw new AppError(400, "request.invalid", "to: must be a date (YYYY-MM-DD) not after today", {
            title: "Invalid request",
            errors: [{ path: "query.to", message: "must be a date (YYYY-MM-DD) not after today" }],
          });
        }
        const unitIds = await reportUnits(deps.db, principalOf(request), q.unitId, q.includeSubunits);
        const position = await deps.access.waitFor(q.minPosition);
        const schema = await deps.access.schema();
        const last = q.to.slice(0, 7);
        // Every month at once: each is two small reads of the prefix sums.
        const months = await Promise.all(
          Array.from({ length: q.months }, async (_, index) => {
            const k = q.months - 1 - index;
            const month = addMonths(last, -k);
            const from = `${month}-01`;
            const to = k === 0 ? q.to : lastDayOf(month);
            const selection = { unitIds, from, to };
            const [report, figures] = await Promise.all([
              report06a(deps.access.db, schema, selection),
              indicators(deps.access.db, schema, selection),
            ]).catch(queryError);
            return {
              month,
              from,
              to,
              received: report.total.receivedOnline + report.total.receivedDirect,
              resolved: report.total.resolved,
              resolvedLate: report.total.resolvedLate,
              pendingOverdue: report.total.pendingOverdue,
              onTimeRate: figures.onTimeRate,
              progressScore766: figures.progressScore766,
            };
          }),
        );
        return answerAtPosition(reply, position, { unitId: q.unitId, months });
      },
    );
  };
}
