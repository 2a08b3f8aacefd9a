import { dossierStreamId } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import { getDossier, listProcessSteps, type ProcessStepView } from "@motcua/read-models";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { assertMayRead } from "../../audit/routes";
import { principalOf, requireRole } from "../../plugins/auth";
import { AppError } from "../../problem";
import {
  answerAtPosition,
  minPositionQuery,
  positionField,
  readErrors,
  withUnitNames,
} from "../../read-model-access";
import type { DossierReadDeps } from "./deps";

/** `GET /dossiers/:id/steps`: the process-control log (phiếu kiểm soát, Mẫu 05). */
export function processStepsRoute(deps: DossierReadDeps): RouteSlice {
  const { access } = deps;
  return async (app) => {
    app.get(
      "/dossiers/:id/steps",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["audit"],
          summary:
            "The process-control log (phiếu kiểm soát, Mẫu 05): each unit's holding, with times and lateness",
          params: z.object({ id: z.uuid() }),
          querystring: minPositionQuery,
          response: {
            200: z.object({ steps: z.array(z.unknown()), position: positionField }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const position = await access.waitFor(request.query.minPosition);
        const schema = await access.schema();
        const row = await getDossier(access.db, schema, request.params.id);
        if (!row)
          throw new AppError(
            404,
            "dossier.not_found",
            "There is no such dossier (or it is not projected yet)",
          );
        await assertMayRead(principal, row, deps);
        const steps = await listProcessSteps(access.db, schema, request.params.id);
        return answerAtPosition(reply, position, {
          steps: await withUnitNames(deps.db, await withHandoverText(deps.store, request.params.id, steps)),
        });
      },
    );
  };
}

/**
 * Step names and transfer reasons are free text sealed under the applicant's key and kept out of the read
 * models, so the slip reads them from the dossier's own events: the n-th hand-over event opened the n-th
 * holding after the receipt. Once the applicant is erased they read as null.
 */
async function withHandoverText(
  store: EventStore,
  dossierId: string,
  steps: readonly ProcessStepView[],
): Promise<ProcessStepView[]> {
  const handovers: { kind: ProcessStepView["kind"]; step: string | null; reason: string | null }[] = [];
  for await (const e of store.readStream(dossierStreamId(dossierId))) {
    if (e.type !== "DossierForwarded" && e.type !== "DossierTransferred") continue;
    handovers.push({
      kind: e.type === "DossierForwarded" ? "forwarded" : "transferred",
      step: typeof e.data.step === "string" ? e.data.step : null,
      reason: typeof e.data.reason === "string" ? e.data.reason : null,
    });
  }
  let next = 0;
  return steps.map((view) => {
    if (view.kind === "received") return view;
    const handover = handovers[next++];
    return handover?.kind === view.kind ? { ...view, step: handover.step, reason: handover.reason } : view;
  });
}
