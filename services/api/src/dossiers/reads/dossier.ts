import { asReceived, ratingCodeOf } from "@motcua/commands";
import { isDueAtProvisional } from "@motcua/domain";
import { getDossier } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { assertMayRead, dossierView, dossierViewSchema } from "../../audit/routes";
import { principalOf, requireRole } from "../../plugins/auth";
import { AppError } from "../../problem";
import { answerAtPosition, minPositionQuery, readErrors } from "../../read-model-access";
import type { DossierReadDeps } from "./deps";

/** `GET /dossiers/:id`: the dossier's current state from the read models, or from the log until projected. */
export function dossierRoute(deps: DossierReadDeps): RouteSlice {
  const { access } = deps;
  return async (app) => {
    app.get(
      "/dossiers/:id",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["dossiers"],
          summary: "A dossier's current state, from the read models (`?minPosition=` to read your own write)",
          params: z.object({ id: z.uuid() }),
          querystring: minPositionQuery,
          response: { 200: dossierViewSchema, ...readErrors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        // The slip (form 01) prints the rating code; only those who print slips see it.
        const ratingCode =
          deps.ratingCodeSecret && (principal.role === "officer" || principal.role === "admin")
            ? { ratingCode: ratingCodeOf(deps.ratingCodeSecret, request.params.id) }
            : {};
        const position = await access.waitFor(request.query.minPosition);
        const schema = await access.schema();
        const row = await getDossier(access.db, schema, request.params.id);
        if (row) {
          await assertMayRead(principal, row, deps);
          return answerAtPosition(reply, position, {
            dossierId: row.dossierId,
            code: row.code,
            procedureId: row.procedureId,
            procedureVersion: row.procedureVersion,
            field: row.field,
            status: row.status,
            receivingUnitId: row.receivingUnitId,
            currentUnitId: row.currentUnitId,
            channel: row.channel,
            receivedAt: row.receivedAt,
            dueAt: row.dueAt,
            dueAtProvisional: isDueAtProvisional(await deps.service.yearsWithNotice(), row.dueAt),
            promisedAt: row.promisedAt,
            resolvedAt: row.resolvedAt,
            returnedAt: row.returnedAt,
            timeliness: row.timeliness,
            overdue: row.overdue,
            supplementRequests: row.supplementRequests,
            revision: row.revision,
            ...ratingCode,
          });
        }
        // Not projected yet (the projector is behind): answer from the event store, with the stream's
        // own position — the truth, never a made-up read-model position.
        const loaded = await deps.service.load(request.params.id);
        const dossier = asReceived(loaded.state);
        if (!dossier) throw new AppError(404, "dossier.not_found", "There is no such dossier");
        await assertMayRead(principal, dossier, deps);
        return answerAtPosition(reply, loaded.position, {
          ...dossierView(
            dossier,
            loaded.revision,
            loaded.position,
            deps.now().getTime(),
            await deps.service.yearsWithNotice(),
          ),
          ...ratingCode,
        });
      },
    );
  };
}
