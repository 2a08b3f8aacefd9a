import { listDossiers } from "@motcua/read-models";
import { getProcedureVersion, type ReferenceDatabase, unitNames } from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { AppError, problemResponse } from "../problem";
import { answerAtPosition, positionField, type ReadModelAccess } from "../read-model-access";

/**
 * `GET /public/dossiers/{code}/details`: what the citizens' page shows beside the status — the procedure's
 * name (of the version the dossier was received under), the receiving and the holding agency, and when the
 * result was ready and returned. Names and dates only, nothing personal; public and rate-limited like every
 * `/public/*` read. (The contract's `/public/dossiers/{code}` keeps its fields as they are.)
 */
export function publicDetailsRoute(deps: {
  access: ReadModelAccess;
  db: Kysely<ReferenceDatabase>;
}): RouteSlice {
  const { access, db } = deps;
  return async (app) => {
    app.get(
      "/public/dossiers/:code/details",
      {
        schema: {
          tags: ["public"],
          summary:
            "The citizens' page's details: procedure and agencies by name, resolution and return dates",
          params: z.object({ code: z.string().trim().min(1).max(80) }),
          response: {
            200: z.object({
              code: z.string(),
              procedureName: z.string(),
              field: z.string(),
              receivingUnitName: z.string(),
              currentUnitName: z.string(),
              resolvedAt: z.string().nullable(),
              returnedAt: z.string().nullable(),
              position: positionField,
            }),
            404: problemResponse("No dossier with that code"),
          },
        },
      },
      async (request, reply) => {
        const position = await access.position();
        const page = await listDossiers(access.db, await access.schema(), {
          code: request.params.code,
          limit: 1,
        });
        const found = page.items[0];
        if (!found) throw new AppError(404, "dossier.not_found", "No dossier has that code");
        const [procedure, names] = await Promise.all([
          getProcedureVersion(db, found.procedureId, found.procedureVersion),
          unitNames(db, [found.receivingUnitId, found.currentUnitId]),
        ]);
        return answerAtPosition(reply, position, {
          code: found.code,
          procedureName: procedure?.name ?? found.procedureId,
          field: found.field,
          receivingUnitName: names.get(found.receivingUnitId) ?? found.receivingUnitId,
          currentUnitName: names.get(found.currentUnitId) ?? found.currentUnitId,
          resolvedAt: found.resolvedAt,
          returnedAt: found.returnedAt,
        });
      },
    );
  };
}
