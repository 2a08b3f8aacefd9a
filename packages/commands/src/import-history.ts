import {
  type Actor,
  type DossierCommand,
  type DossierEvent,
  decide,
  evolve,
  formatDossierCode,
  formatInstant,
  initialState,
  localDateOf,
  parseInstant,
} from "@motcua/domain";
import { nextDossierSequence, unitNames } from "@motcua/reference-data";
import { actorOf, type CommandDeps, type CommandRequest, stripUndefined } from "./command-request";
import { applicantSubjectId, uuidFromName } from "./ids";
import { loadDossier } from "./load-dossier";
import { atInFuture, type CommandResult, refusalOfDecision, refused } from "./outcomes";
import { knownUnitAndProcedure, type Receipt } from "./receive-dossier";
import { appendDecided, replayOrRefuse } from "./record-events";

/** The officer who really did an imported action in the earlier system (API.md: import actions). */
export interface ImportedActor {
  readonly id: string;
  readonly name: string;
  readonly unitId: string;
}

export interface ImportedReceipt extends Receipt {
  receivedAt: string;
  /** Who received it in the earlier system; also who did the actions that name nobody. */
  actor?: ImportedActor | undefined;
}

export interface ImportedAction {
  readonly command: DossierCommand;
  readonly at: string;
  readonly actor?: ImportedActor | undefined;
}

/**
 * A whole history from an earlier system, decided in order and appended in ONE append, so nobody ever
 * sees half of it. Deadlines the history passes get their overdue events at the deadline, as live; a
 * dossier still pending past its deadline today gets its overdue event too.
 */
export async function importHistory(
  deps: CommandDeps,
  input: ImportedReceipt,
  actions: readonly ImportedAction[],
  request: CommandRequest,
): Promise<CommandResult> {
  const known = await knownUnitAndProcedure(deps, input.unitId, input.procedureId);
  if ("kind" in known) return refused(known);
  const { unit, procedure } = known;
  const now = deps.now().getTime();
  const times = [
    { field: "receivedAt", at: input.receivedAt },
    ...actions.map((a, i) => ({ field: `actions.${i}.at`, at: a.at })),
  ];
  const future = times.filter((t) => parseInstant(t.at) > now);
  if (future.length > 0) {
    return refused(
      atInFuture(
        future.map((t) => ({ field: t.field, message: "must not lie in the future" })),
        "A history cannot contain actions in the future",
      ),
    );
  }
  const handOvers = actions.flatMap((a, i) =>
    a.command.type === "TransferDossier" || a.command.type === "ForwardDossier"
      ? [{ field: `actions.${i}.toUnitId`, unitId: a.command.data.toUnitId }]
      : [],
  );
  const units = await deps.reference.unitsById([unit.unitId, ...handOvers.map((h) => h.unitId)]);
  const unknownUnits = handOvers.filter((h) => !(h.unitId in units));
  if (unknownUnits.length > 0) {
    return refused({
      kind: "UnknownReference",
      code: "reference.unknown",
      detail: "A unit to hand the dossier to does not exist",
      fields: unknownUnits.map((h) => ({ field: h.field, message: "must be a known unit" })),
    });
  }
  const dossierId = input.dossierId ?? uuidFromName("motcua.dossier", request.commandId);
  const existing = await loadDossier(deps.store, dossierId);
  if (existing.revision > 0)
    return replayOrRefuse(deps, dossierId, existing, request, "dossier.already_received");

  const schedule = await deps.reference.schedule(unit.unitId);
  const actor = actorOf(request.principal);
  const named = [
    ...(input.actor ? [{ field: "actor.unitId", unitId: input.actor.unitId }] : []),
    ...actions.flatMap((a, i) =>
      a.actor ? [{ field: `actions.${i}.actor.unitId`, unitId: a.actor.unitId }] : [],
    ),
  ];
  const knownUnits = await unitNames(
    deps.db,
    named.map((n) => n.unitId),
  );
  const unknownOfficerUnits = named.filter((n) => !knownUnits.has(n.unitId));
  if (unknownOfficerUnits.length > 0) {
    return refused({
      kind: "UnknownReference",
      code: "reference.unknown",
      detail: "An action's officer belongs to no known unit",
      fields: unknownOfficerUnits.map((n) => ({ field: n.field, message: "must be a known unit" })),
    });
  }
  const officer = (who: ImportedActor | undefined): Actor =>
    who ? { id: who.id, name: who.name, role: "officer", unitId: who.unitId } : actor;
  const receiptActor = officer(input.actor);
  const sequence = await nextDossierSequence(
    deps.db,
    unit.unitId,
    localDateOf(parseInstant(input.receivedAt)),
  );
  const steps: { command: DossierCommand; at: string; index: number | null; actor: Actor }[] = [
    {
      command: {
        type: "ReceiveDossier",
        data: {
          dossierId,
          code: formatDossierCode(unit.code, parseInstant(input.receivedAt), sequence),
          unitId: unit.unitId,
          channel: input.channel,
          applicant: stripUndefined(input.applicant),
          documents: input.documents ?? [],
        },
      },
      at: input.receivedAt,
      index: null,
      actor: receiptActor,
    },
    ...actions.map((a, index) => ({ ...a, index, actor: a.actor ? officer(a.actor) : receiptActor })),
  ];
  let state = initialState();
  const events: DossierEvent[] = [];
  const eventActors: Actor[] = [];
  for (const step of steps) {
    // Each action is judged at its own moment (`at`): a unit closed since then still took it then.
    const decision = decide(step.command, state, {
      now: step.at,
      actor: step.actor,
      schedule,
      procedure,
      units,
    });
    if (!decision.ok) {
      const where = step.index === null ? "the receipt" : `action ${step.index}`;
      return refused(
        refusalOfDecision(
          { code: decision.refusal.code, message: `${where}: ${decision.refusal.message}` },
          step.index === null ? "receivedAt" : `actions.${step.index}.at`,
          step.index ?? undefined,
        ),
      );
    }
    for (const e of decision.events) {
      events.push(e);
      eventActors.push(step.actor);
      state = evolve(state, e);
    }
  }
  const overdue = decide({ type: "MarkOverdue", data: {} }, state, {
    now: formatInstant(now),
    actor,
    schedule,
  });
  if (overdue.ok) {
    events.push(...overdue.events);
    eventActors.push(...overdue.events.map(() => actor));
  }
  return appendDecided(deps, {
    dossierId,
    events,
    expected: "no_stream",
    request,
    subjectId: applicantSubjectId(deps.subjectSecret, dossierId, input.applicant.idNumber),
    actor: eventActors,
  });
}
