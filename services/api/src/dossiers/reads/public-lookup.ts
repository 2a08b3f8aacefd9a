import { getDossierByCode, isRatedByCode } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { AppError, problemResponse } from "../../problem";
import { answerAtPosition, positionField } from "../../read-model-access";
import type { DossierReadDeps } from "./deps";

/** `GET /public/dossiers/:code`: the citizen's lookup from the slip or its QR code; nothing personal. */
export function publicLookupRoute(deps: DossierReadDeps): RouteSlice {
  const { access } = deps;
  return async (app) => {
    app.get(
      "/public/dossiers/:code",
      {
        schema: {
          tags: ["public"],
          summary:
            "Public lookup by dossier code (appointment slip, QR code): status and dates, nothing personal",
          params: z.object({ code: z.string().trim().min(1).max(80) }),
          response: {
            200: z.object({
              code: z.string(),
              status: z.string(),
              receivedAt: z.string(),
              dueAt: z.string().nullable(),
              dueAtProvisional: z.boolean().meta({
                description: "true while dueAt may still move: its year's holiday notice is not loaded",
              }),
              promisedAt: z.string().nullable(),
              rated: z.boolean().meta({
                description:
                  "The applicant has rated the dossier (POST /public/dossiers/{code}/rating); the scores are not shown",
              }),
              position: positionField,
            }),
            404: problemResponse("No dossier with that code"),
          },
        },
      },
      async (request, reply) => {
        const position = await access.position();
        const schema = await access.schema();
        const found = await getDossierByCode(access.db, schema, request.params.code);
        if (!found) throw new AppError(404, "dossier.not_found", "No dossier has that code");
        const rated = found.status === "returned" && (await isRatedByCode(access.db, schema, found.code));
        return answerAtPosition(reply, position, {
          ...found,
          rated,
          dueAtProvisional: await deps.service.isDueAtProvisional(found.dueAt),
        });
      },
    );
  };
}
