import {
  type DossierCommand,
  decide,
  formatDossierCode,
  initialState,
  localDateOf,
  type ProcedureVersion,
  parseInstant,
  type Unit,
} from "@motcua/domain";
import { nextDossierSequence } from "@motcua/reference-data";
import { mayAct } from "./authorization";
import { actorOf, type CommandDeps, type CommandRequest, momentOf, stripUndefined } from "./command-request";
import { applicantSubjectId, uuidFromName } from "./ids";
import { loadDossier } from "./load-dossier";
import {
  type AlreadyCode,
  type CommandRefusal,
  type CommandResult,
  refusalOfDecision,
  refused,
} from "./outcomes";
import { appendDecided, replayOrRefuse } from "./record-events";

/** A dossier as received at the counter, online or by post (API.md: POST /dossiers). */
export interface Receipt {
  dossierId?: string | undefined;
  procedureId: string;
  unitId: string;
  channel: "direct" | "online" | "postal";
  applicant: {
    name: string;
    idNumber?: string | undefined;
    phone?: string | undefined;
    address?: string | undefined;
  };
  documents?: { name: string; digitized: boolean }[] | undefined;
}

/** An online submission: a receipt without its channel (API.md: POST /submissions). */
export type Submission = Omit<Receipt, "channel">;

/** The unit and procedure a new dossier names, or the refusal naming those that do not exist. */
export async function knownUnitAndProcedure(
  deps: CommandDeps,
  unitId: string,
  procedureId: string,
): Promise<{ unit: Unit; procedure: ProcedureVersion } | CommandRefusal> {
  const [unit, procedure] = await Promise.all([
    deps.reference.unit(unitId),
    deps.reference.procedure(procedureId),
  ]);
  if (unit && procedure) return { unit, procedure };
  return {
    kind: "UnknownReference",
    code: "reference.unknown",
    detail: "The unit or procedure does not exist",
    fields: [
      ...(unit ? [] : [{ field: "unitId", message: "must be a known unit" }]),
      ...(procedure ? [] : [{ field: "procedureId", message: "must be a known procedure" }]),
    ],
  };
}

/**
 * The path of a command that starts a dossier's stream: authorize for the unit, check the references,
 * answer a replayed command as the first time, decide on a fresh dossier, append.
 */
async function startDossier(
  deps: CommandDeps,
  input: Submission,
  request: CommandRequest,
  how: {
    readonly notYourUnit: string;
    readonly already: AlreadyCode;
    readonly command: (dossierId: string, unit: Unit, now: string) => Promise<DossierCommand>;
  },
): Promise<CommandResult> {
  const { principal } = request;
  if (!mayAct(principal, input.unitId))
    return refused({ kind: "NotHeldByYourUnit", code: "dossier.not_your_unit", detail: how.notYourUnit });
  const known = await knownUnitAndProcedure(deps, input.unitId, input.procedureId);
  if ("kind" in known) return refused(known);
  const { unit, procedure } = known;
  const dossierId = input.dossierId ?? uuidFromName("motcua.dossier", request.commandId);
  const now = momentOf(deps, request);
  if (typeof now !== "string") return refused(now);
  // A dossier named after a fresh random command id cannot exist (were it there, the append's
  // `no_stream` would refuse it as a concurrent change): one read fewer per counter receipt.
  if (input.dossierId !== undefined || request.freshCommandId !== true) {
    const existing = await loadDossier(deps.store, dossierId);
    if (existing.revision > 0) return replayOrRefuse(deps, dossierId, existing, request, how.already);
  }
  const decision = decide(await how.command(dossierId, unit, now), initialState(), {
    now,
    actor: actorOf(principal),
    schedule: await deps.reference.schedule(unit.unitId),
    procedure,
    units: { [unit.unitId]: unit },
  });
  if (!decision.ok) return refused(refusalOfDecision(decision.refusal));
  return appendDecided(deps, {
    dossierId,
    events: decision.events,
    expected: "no_stream",
    request,
    subjectId: applicantSubjectId(deps.subjectSecret, dossierId, input.applicant.idNumber),
    applied: new Set(),
  });
}

/** Receives a dossier at the counter, online or by post: issues its code and starts its clock. */
export function receiveDossier(
  deps: CommandDeps,
  input: Receipt,
  request: CommandRequest,
): Promise<CommandResult> {
  return startDossier(deps, input, request, {
    notYourUnit: "An officer receives dossiers only for their own unit",
    already: "dossier.already_received",
    command: async (dossierId, unit, now) => {
      const sequence = await nextDossierSequence(deps.db, unit.unitId, localDateOf(parseInstant(now)));
      return {
        type: "ReceiveDossier",
        data: {
          dossierId,
          code: formatDossierCode(unit.code, parseInstant(now), sequence),
          unitId: unit.unitId,
          channel: input.channel,
          applicant: stripUndefined(input.applicant),
          documents: input.documents ?? [],
        },
      };
    },
  });
}

/**
 * An online submission (the national or provincial portal, or an officer of the unit): the dossier
 * exists with its applicant and documents, but no code is issued and no clock runs until accepted.
 */
export function submitDossier(
  deps: CommandDeps,
  input: Submission,
  request: CommandRequest,
): Promise<CommandResult> {
  return startDossier(deps, input, request, {
    notYourUnit: "An officer submits dossiers only for their own unit",
    already: "dossier.already_exists",
    command: async (dossierId, unit) => ({
      type: "SubmitDossier",
      data: {
        dossierId,
        unitId: unit.unitId,
        applicant: stripUndefined(input.applicant),
        documents: input.documents ?? [],
      },
    }),
  });
}
