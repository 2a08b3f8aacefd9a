import { localDateOf, localDateToDay, parseInstant } from "@motcua/domain";
import { listDossiers } from "@motcua/read-models";
import { unitNames } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import {
  answerAtPosition,
  minPositionQuery,
  positionField,
  queryError,
  readErrors,
} from "../read-model-access";
import { periodQuery, type ReportDeps, reportUnits } from "./period-report";

/** `GET /reports/overdue`: the pending dossiers past their due moment, by holding unit; nothing personal. */
export function overdueRoute(deps: ReportDeps): RouteSlice {
  return async (app) => {
    app.get(
      "/reports/overdue",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Overdue list: pending dossiers past their due moment, by the unit holding each; nothing personal",
          querystring: minPositionQuery.extend({
            unitId: z.string().trim().min(1).max(100).meta({ description: "The holding unit" }),
            includeSubunits: periodQuery.shape.includeSubunits,
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  dossierId: z.string(),
                  code: z.string(),
                  procedureId: z.string(),
                  field: z.string(),
                  status: z.string(),
                  receivingUnitId: z.string(),
                  holdingUnitId: z.string(),
                  holdingUnitName: z.string().nullable(),
                  dueAt: z.string(),
                  daysOverdue: z.number().int().meta({
                    description: "Calendar days from the due date to today (Asia/Ho_Chi_Minh)",
                  }),
                }),
              ),
              nextCursor: z.string().nullable(),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const unitIds = await reportUnits(deps.db, principalOf(request), q.unitId, q.includeSubunits);
        const { result: page, position } = await deps.access.read(q.minPosition, reply, (db, schema) =>
          listDossiers(db, schema, {
            currentUnitIds: unitIds,
            overdue: true,
            limit: q.limit,
            ...(q.cursor ? { cursor: q.cursor } : {}),
          }).catch(queryError),
        );
        const names = await unitNames(
          deps.db,
          page.items.map((i) => i.currentUnitId),
        );
        const today = localDateToDay(localDateOf(deps.now().getTime()));
        return answerAtPosition(reply, position, {
          items: page.items.map((item) => ({
            dossierId: item.dossierId,
            code: item.code,
            procedureId: item.procedureId,
            field: item.field,
            status: item.status,
            receivingUnitId: item.receivingUnitId,
            holdingUnitId: item.currentUnitId,
            holdingUnitName: names.get(item.currentUnitId) ?? null,
            dueAt: item.dueAt as string,
            daysOverdue: today - localDateToDay(localDateOf(parseInstant(item.dueAt as string))),
          })),
          nextCursor: page.nextCursor,
        });
      },
    );
  };
}
