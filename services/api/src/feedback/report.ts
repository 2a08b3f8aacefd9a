import {
  formatInstant,
  isValidLocalDate,
  localDateOf,
  localDateToDay,
  startOfLocalDay,
} from "@motcua/domain";
import { feedbackSummary } from "@motcua/read-models";
import type { ReferenceDb } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { AppError } from "../problem";
import {
  answerAtPosition,
  minPositionQuery,
  positionField,
  queryError,
  type ReadModelAccess,
  readErrors,
} from "../read-model-access";
import { reportUnits } from "../reports/period-report";

const counts = {
  received: z.number().int().meta({ description: "Sent in the period" }),
  answered: z.number().int().meta({ description: "Answered in the period" }),
  answeredOnTime: z.number().int(),
  answeredLate: z.number().int(),
  published: z.number().int().meta({ description: "Answers of the period that were published" }),
  closedUnanswered: z.number().int(),
  becameOverdue: z
    .number()
    .int()
    .meta({ description: "Whose due moment fell in the period while unanswered" }),
  open: z.number().int().meta({ description: "Now: received or assigned, unanswered" }),
  overdue: z.number().int().meta({ description: "Now: open and past the due moment" }),
  dueSoon: z.number().int().meta({ description: "Now: open and due within 48 hours" }),
};

const badDate = (field: "from" | "to", message: string) =>
  new AppError(400, "request.invalid", `${field}: ${message}`, {
    title: "Invalid request",
    errors: [{ path: `query.${field}`, message }],
  });

/**
 * `GET /reports/feedback`: the board's and the 766 satisfaction group's figures of feedback for a unit
 * (with its subunits) — the period's counts, and what is open, overdue and due soon now. Counts only,
 * never a sender or their words.
 */
export function feedbackReportRoute(deps: {
  readonly access: ReadModelAccess;
  readonly db: ReferenceDb;
  readonly now: () => Date;
}): RouteSlice {
  return async (app) => {
    app.get(
      "/reports/feedback",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Feedback figures of a unit: received, answered on time and late in a period; open, overdue and due soon now",
          querystring: minPositionQuery.extend({
            unitId: z.string().trim().min(1).max(100),
            from: z
              .string()
              .optional()
              .meta({ description: "First day (YYYY-MM-DD), default the 1st of this month" }),
            to: z
              .string()
              .optional()
              .meta({ description: "Last day (YYYY-MM-DD), included, not after today; default today" }),
            includeSubunits: z
              .enum(["true", "false"])
              .optional()
              .transform((v) => v === "true"),
          }),
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              ...counts,
              units: z.array(z.object({ unitId: z.string(), ...counts })),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const now = deps.now();
        const today = localDateOf(now.getTime());
        const to = q.to ?? today;
        const from = q.from ?? `${today.slice(0, 7)}-01`;
        if (!isValidLocalDate(from)) throw badDate("from", "must be a date (YYYY-MM-DD)");
        if (!isValidLocalDate(to)) throw badDate("to", "must be a date (YYYY-MM-DD)");
        if (to > today) throw badDate("to", "must not be after today");
        if (from > to) throw badDate("from", "must not be after to");
        const unitIds = await reportUnits(deps.db, principalOf(request), q.unitId, q.includeSubunits);
        const position = await deps.access.waitFor(q.minPosition);
        const schema = await deps.access.schema();
        const summary = await feedbackSummary(deps.access.db, schema, {
          unitIds,
          from: formatInstant(startOfLocalDay(localDateToDay(from))),
          to: formatInstant(startOfLocalDay(localDateToDay(to) + 1)),
          now: now.toISOString(),
        }).catch(queryError);
        const rename = <C extends { overdue: number; overdueOpen: number }>({
          overdue,
          overdueOpen,
          ...rest
        }: C) => ({
          ...rest,
          becameOverdue: overdue,
          overdue: overdueOpen,
        });
        return answerAtPosition(reply, position, {
          ...rename(summary),
          unitId: q.unitId,
          from,
          to,
          units: summary.units.map(rename),
        });
      },
    );
  };
}
