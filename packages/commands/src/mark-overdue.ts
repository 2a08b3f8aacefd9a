import { type DecisionContext, decide } from "@motcua/domain";
import { type CommandDeps, type CommandRequest, SYSTEM_ACTOR } from "./command-request";
import { uuidFromName } from "./ids";
import { asReceived, loadDossier } from "./load-dossier";
import type { CommandAnswer } from "./outcomes";
import { appendDecided, subjectOf } from "./record-events";

/**
 * The deadline watcher's system command: records `DossierBecameOverdue` at the due moment when the
 * dossier is still pending past it, and nothing otherwise (null). Its command id is derived from the
 * deadline, so a watcher that fires twice, or restarts, records it once.
 */
export async function markOverdue(
  deps: CommandDeps,
  dossierId: string,
  correlationId = "deadline-watcher",
): Promise<CommandAnswer | null> {
  const loaded = await loadDossier(deps.store, dossierId);
  const dossier = asReceived(loaded.state);
  if (!dossier || dossier.dueAt === null) return null;
  const context: DecisionContext = {
    now: deps.now().toISOString(),
    actor: SYSTEM_ACTOR,
    schedule: await deps.reference.schedule(dossier.receivingUnitId),
  };
  const decision = decide({ type: "MarkOverdue", data: {} }, loaded.state, context);
  if (!decision.ok) return null;
  const request: CommandRequest = {
    principal: { sub: SYSTEM_ACTOR.id, name: "Deadline watcher", role: "admin", unitId: undefined },
    commandId: uuidFromName("motcua.overdue", `${dossierId}@${dossier.dueAt}`),
    correlationId,
  };
  const outcome = await appendDecided(deps, {
    dossierId,
    events: decision.events,
    expected: loaded.revision,
    request,
    subjectId: subjectOf(deps, dossierId, loaded.events),
    actor: SYSTEM_ACTOR,
    from: loaded.state,
  });
  if (outcome.ok) return outcome.answer;
  // Someone acted meanwhile: their action recorded the overdue event first, or the dossier moved on.
  if (outcome.refusal.kind === "RevisionConflict") return null;
  throw new Error(`markOverdue: unexpected refusal ${outcome.refusal.code}`);
}
