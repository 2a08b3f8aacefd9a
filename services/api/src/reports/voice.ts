import { ratingSummary } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { positionField, readErrors } from "../read-model-access";
import { coverageFields, periodQuery, periodReport, type ReportDeps } from "./period-report";

const count = (description: string) => z.number().int().meta({ description });

/**
 * `GET /reports/ratings`: the citizens' ratings for analysts in figures only (no rater, no words) —
 * ratings given, the satisfied share, the mean scores; beside `GET /reports/feedback` in the board's
 * "citizens' voice" panel.
 */
export function voiceRoutes(deps: ReportDeps): RouteSlice {
  const answerPeriodReport = periodReport(deps);
  return async (app) => {
    app.get(
      "/reports/ratings",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Citizens' ratings in figures: ratings given in the period, the satisfied share, the mean scores",
          querystring: periodQuery,
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              rated: count("Ratings given in the period (one per dossier)"),
              returned: count("Dossiers whose result was returned in the period"),
              satisfied: count("Ratings whose overall score is at least 4 (hài lòng)"),
              satisfiedShare: z.number().nullable(),
              averageScore: z
                .number()
                .nullable()
                .meta({ description: "Mean of the ratings' mean scores, 1–5" }),
              averageByCriterion: z.record(z.string(), z.number().nullable()),
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
          (db, schema, selection) => ratingSummary(db, schema, selection),
          ({ from: _from, to: _to, ...figures }) => ({
            unitId: q.unitId,
            from: q.from,
            to: q.to,
            ...figures,
          }),
        );
      },
    );
  };
}
