import {
  type CommandOf,
  type DecisionContext,
  type DossierState,
  decide,
  formatDossierCode,
  localDateOf,
  parseInstant,
} from "@motcua/domain";
import { nextDossierSequence } from "@motcua/reference-data";
import { actorOf, type CommandDeps, type CommandRequest } from "./command-request";
import { handleOnDossier } from "./handle-dossier-command";
import { type CommandResult, refusalOfDecision } from "./outcomes";

/** The unit an intake decision is judged against: where it was submitted, or the holder once received. */
const unitAnswerableFor = (state: DossierState): string | null =>
  state.status === "none" ? null : "currentUnitId" in state ? state.currentUnitId : state.unitId;

const NOT_YOUR_SUBMISSION = "Only the unit the dossier was submitted to may accept or refuse it";

/**
 * Accepts an online submission: receipt as at the counter — the code is issued, the clock starts and
 * dueAt is computed under the procedure version the dossier was submitted under.
 */
export function acceptSubmission(
  deps: CommandDeps,
  dossierId: string,
  request: CommandRequest,
): Promise<CommandResult> {
  return handleOnDossier(deps, dossierId, request, {
    answerableUnit: unitAnswerableFor,
    successorMayAct: false,
    notYourUnit: NOT_YOUR_SUBMISSION,
    decide: async ({ state, events }, now) => {
      const context = async (unitId: string, procedureId: string): Promise<DecisionContext> => {
        const procedure = await deps.reference.procedure(procedureId);
        return {
          now,
          actor: actorOf(request.principal),
          schedule: await deps.reference.schedule(unitId),
          ...(procedure ? { procedure } : {}),
        };
      };
      if (state.status !== "submitted") {
        // Refused by the decider for the state it is in (already received, refused at intake, withdrawn…);
        // no code is issued for a refusal.
        const unitId = unitAnswerableFor(state) ?? "";
        const refusal = decide(
          { type: "ReceiveDossier", data: { dossierId, code: "", unitId, channel: "online", documents: [] } },
          state,
          await context(unitId, "terms" in state ? state.terms.procedureId : ""),
        );
        return refusalOfDecision(
          refusal.ok ? { code: "dossier.not_submitted", message: "" } : refusal.refusal,
        );
      }
      const submitted = events.find((e) => e.type === "DossierSubmitted");
      // The applicant and documents as submitted (the store hands them back decrypted).
      const { applicant, documents } = (submitted?.data ?? {}) as Partial<
        Pick<CommandOf<"ReceiveDossier">["data"], "applicant" | "documents">
      >;
      const unit = await deps.reference.unit(state.unitId);
      if (!unit) {
        return {
          kind: "ReferenceGone",
          code: "reference.unknown",
          detail: "The unit the dossier was submitted to is gone",
        };
      }
      const sequence = await nextDossierSequence(deps.db, unit.unitId, localDateOf(parseInstant(now)));
      // Where it may be received is judged under the version it was submitted under, at this moment.
      const { procedureId, procedureVersion } = state.terms;
      const submittedVersion = await deps.reference.procedureVersion(procedureId, procedureVersion);
      return decide(
        {
          type: "ReceiveDossier",
          data: {
            dossierId,
            code: formatDossierCode(unit.code, parseInstant(now), sequence),
            unitId: unit.unitId,
            channel: "online",
            ...(applicant ? { applicant } : {}),
            documents: documents ?? [],
          },
        },
        state,
        {
          ...(await context(unit.unitId, procedureId)),
          ...(submittedVersion ? { procedure: submittedVersion } : {}),
          units: { [unit.unitId]: unit },
        },
      );
    },
  });
}

/** Refuses an online submission at intake (Mẫu 03): the dossier is closed and outside every report. */
export function refuseIntake(
  deps: CommandDeps,
  dossierId: string,
  reason: string,
  request: CommandRequest,
): Promise<CommandResult> {
  return handleOnDossier(deps, dossierId, request, {
    answerableUnit: unitAnswerableFor,
    successorMayAct: false,
    notYourUnit: NOT_YOUR_SUBMISSION,
    decide: async ({ state }, now) =>
      decide({ type: "RefuseIntake", data: { reason } }, state, {
        now,
        actor: actorOf(request.principal),
        schedule: await deps.reference.schedule(unitAnswerableFor(state) ?? ""),
      }),
  });
}
