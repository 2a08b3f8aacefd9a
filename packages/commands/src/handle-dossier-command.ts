import {
  type Decision,
  type DecisionContext,
  type DossierCommand,
  type DossierEvent,
  type DossierState,
  decide,
} from "@motcua/domain";
import type { RecordedEvent } from "@motcua/event-store";
import { mayAct } from "./authorization";
import { actorOf, type CommandDeps, type CommandRequest, momentOf, tookOver } from "./command-request";
import { asReceived, type LoadedDossier, loadDossier } from "./load-dossier";
import {
  type CommandRefusal,
  type CommandResult,
  NOT_FOUND,
  refusalOfDecision,
  refused,
  staleRevision,
} from "./outcomes";
import { appendDecided, replayOrRefuse, subjectOf } from "./record-events";

/** The commands an officer issues on a received dossier (every route `/dossiers/{id}/…` but intake's). */
export type DossierCommandType = Exclude<
  DossierCommand["type"],
  "SubmitDossier" | "ReceiveDossier" | "RefuseIntake" | "MarkOverdue" | "RateDossier"
>;

/** How one command on an existing dossier is judged: who answers for it, then the decision itself. */
export interface DossierCommandHandling {
  /** The unit that answers for the dossier in this state; null when there is no such dossier to act on. */
  readonly answerableUnit: (state: DossierState) => string | null;
  /** Whether the successor of an answerable unit that ceased may act too. */
  readonly successorMayAct: boolean;
  /** Why an officer of another unit may not act. */
  readonly notYourUnit: string;
  readonly decide: (loaded: LoadedDossier, now: string) => Promise<Decision<DossierEvent> | CommandRefusal>;
}

/** What a decision is made on: the dossier's state at a revision, and what the append needs besides. */
interface DecidingOn {
  readonly state: DossierState;
  readonly revision: number;
  readonly position: number;
  readonly subjectId: string;
  readonly applied: ReadonlySet<string>;
  /** The stored events, when the stream was read (not for a state kept from an earlier command). */
  readonly events: readonly RecordedEvent[];
}

/**
 * THE path of a command on an existing dossier: load it, answer a replayed command as the first time,
 * authorize the caller, check If-Match, decide, append. Intake decisions and every officer's command
 * go through here.
 */
export async function handleOnDossier(
  deps: CommandDeps,
  dossierId: string,
  request: CommandRequest,
  handling: DossierCommandHandling,
): Promise<CommandResult> {
  const loaded = await loadDossier(deps.store, dossierId);
  if (loaded.revision === 0 || handling.answerableUnit(loaded.state) === null) return refused(NOT_FOUND);
  if (loaded.events.some((e) => e.metadata.commandId === request.commandId))
    return replayOrRefuse(deps, dossierId, loaded, request, "dossier.command_replayed");
  return decideAndAppend(deps, dossierId, request, handling, {
    state: loaded.state,
    revision: loaded.revision,
    position: loaded.position,
    events: loaded.events,
    subjectId: subjectOf(deps, dossierId, loaded.events),
    applied: new Set(loaded.events.map((e) => e.metadata.commandId)),
  });
}

/**
 * A command on a dossier this process left at a known revision: decided on that state without reading
 * the stream. Only an append at exactly that revision is answered from it; a refusal, a revision the
 * caller's If-Match does not name, or another process's append meanwhile (the append is refused) sends
 * the command down the stored stream's path (`handleOnDossier`), so the answer is the same as without it.
 */
async function handleOnFolded(
  deps: CommandDeps,
  dossierId: string,
  request: CommandRequest,
  handling: DossierCommandHandling,
): Promise<CommandResult> {
  const folded = deps.folded?.get(dossierId);
  if (
    folded &&
    !folded.commandIds.has(request.commandId) &&
    (request.expectedRevision === undefined || request.expectedRevision === folded.revision) &&
    handling.answerableUnit(folded.state) !== null
  ) {
    // A literal naming every field: in Node 20 a spread followed by keys its source lacks costs microseconds.
    const result = await decideAndAppend(deps, dossierId, request, handling, {
      state: folded.state,
      revision: folded.revision,
      position: folded.position,
      subjectId: folded.subjectId,
      applied: folded.commandIds,
      events: [],
    });
    if (result.ok) return result;
    deps.folded?.dropStale(dossierId);
  }
  return handleOnDossier(deps, dossierId, request, handling);
}

/** Authorize the caller, check If-Match, decide, append: on the dossier as stored or as kept. */
async function decideAndAppend(
  deps: CommandDeps,
  dossierId: string,
  request: CommandRequest,
  handling: DossierCommandHandling,
  on: DecidingOn,
): Promise<CommandResult> {
  const loaded: LoadedDossier = on;
  const unitId = handling.answerableUnit(loaded.state);
  if (unitId === null) return refused(NOT_FOUND);
  const now = momentOf(deps, request);
  if (typeof now !== "string") return refused(now);
  const { principal } = request;
  if (
    !mayAct(principal, unitId) &&
    !(handling.successorMayAct && (await tookOver(deps, principal.unitId, unitId, now)))
  ) {
    return refused({
      kind: "NotHeldByYourUnit",
      code: "dossier.not_held_by_your_unit",
      detail: handling.notYourUnit,
    });
  }
  if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision)
    return refused(staleRevision(loaded.revision, request.expectedRevision));
  const decision = await handling.decide(loaded, now);
  if ("kind" in decision) return refused(decision);
  if (!decision.ok) return refused(refusalOfDecision(decision.refusal));
  return appendDecided(deps, {
    dossierId,
    events: decision.events,
    expected: loaded.revision,
    request,
    subjectId: on.subjectId,
    from: loaded.state,
    applied: on.applied,
  });
}

/** Any command on a received dossier, by its holding unit's officer (or an admin). */
export function handleDossierCommand(
  deps: CommandDeps,
  dossierId: string,
  command: DossierCommand,
  request: CommandRequest,
): Promise<CommandResult> {
  return handleOnFolded(deps, dossierId, request, {
    answerableUnit: (state) => asReceived(state)?.currentUnitId ?? null,
    successorMayAct: true,
    notYourUnit: "Only the unit holding the dossier (or the successor of a unit that ceased) may act on it",
    decide: async (loaded, now) => {
      const dossier = asReceived(loaded.state);
      if (!dossier) return NOT_FOUND;
      const handOver = await handOverContext(deps, command, dossier);
      if ("kind" in handOver) return handOver;
      const context: DecisionContext = {
        now,
        actor: actorOf(request.principal),
        schedule: await deps.reference.schedule(dossier.receivingUnitId),
        ...handOver,
      };
      return decide(command, loaded.state, context);
    },
  });
}

/** For a hand-over: the target's validity, and for a transfer the path of the version received under. */
async function handOverContext(
  deps: CommandDeps,
  command: DossierCommand,
  dossier: NonNullable<ReturnType<typeof asReceived>>,
): Promise<Pick<DecisionContext, "units" | "procedure"> | CommandRefusal> {
  if (command.type !== "TransferDossier" && command.type !== "ForwardDossier") return {};
  if (!(await deps.reference.unit(command.data.toUnitId))) {
    return {
      kind: "UnknownReference",
      code: "reference.unknown",
      detail: "The unit to hand the dossier to does not exist",
      fields: [{ field: "toUnitId", message: "must be a known unit" }],
    };
  }
  const { procedureId, procedureVersion } = dossier.terms;
  const version =
    command.type === "TransferDossier"
      ? await deps.reference.procedureVersion(procedureId, procedureVersion)
      : null;
  return {
    units: await deps.reference.unitsById([command.data.toUnitId, dossier.currentUnitId]),
    ...(version ? { procedure: version } : {}),
  };
}
