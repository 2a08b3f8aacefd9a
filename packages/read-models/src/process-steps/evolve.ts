import { parseInstant } from "@motcua/domain";
import { normalizeIso } from "../local-time";
import { type DossierChange, isReceived } from "../worklist/evolve";
import type { StepRecord } from "./table";

/** One dossier's holdings as a batch changes them. */
export interface ProcessSteps {
  /** The last holding's seq (`dossiers.step_seq`). */
  seq: number;
  /** The holding in progress (the row whose `to_at` is null). */
  open: StepRecord | null;
  /** The rows this batch wrote, by seq. */
  readonly changed: Map<number, StepRecord>;
}

export const processStepsOf = (seq: number, open: StepRecord | null): ProcessSteps => ({
  seq,
  open,
  changed: new Map(),
});

/**
 * The slip's reaction to one event: a receipt opens the first holding, a hand-over closes one and
 * opens the next, a resolution, withdrawal or stop closes the last; a new due moment follows the open
 * holding, and an overdue event marks it when it names its unit.
 */
export function evolveProcessSteps(steps: ProcessSteps, change: DossierChange): void {
  const { before, after, event, position } = change;
  switch (event.type) {
    case "DossierReceived":
      open(steps, after, event.data.unitId, "received", after.received_at as string, null, position);
      return;
    case "DossierForwarded":
    case "DossierTransferred": {
      const at = change.at;
      close(steps, change, at, position);
      const forwarded = event.type === "DossierForwarded";
      const stepDueAt =
        forwarded && event.data.stepDueAt !== null ? normalizeIso(event.data.stepDueAt) : null;
      open(
        steps,
        after,
        event.data.toUnitId,
        forwarded ? "forwarded" : "transferred",
        at,
        stepDueAt,
        position,
      );
      return;
    }
    case "SupplementReceived":
    case "FeePaid":
      if (steps.open !== null) {
        steps.open.due_at = after.due_at;
        steps.open.position = position;
        steps.changed.set(steps.open.seq, steps.open);
      }
      return;
    case "DossierResolved":
      close(steps, change, change.at, position);
      return;
    case "DossierWithdrawn":
    case "DossierStopped":
      if (isReceived(before)) close(steps, change, change.at, position);
      return;
    case "DossierBecameOverdue": {
      const step = steps.open;
      if (step !== null && step.unit_id === event.data.holdingUnitId) {
        step.overdue_recorded = true;
        step.late = true;
        step.position = position;
        steps.changed.set(step.seq, step);
      }
      return;
    }
    default:
      return;
  }
}

function open(
  steps: ProcessSteps,
  after: DossierChange["after"],
  unitId: string,
  kind: StepRecord["kind"],
  at: string,
  stepDueAt: string | null,
  position: number,
): void {
  steps.seq += 1;
  const record: StepRecord = {
    dossier_id: after.dossier_id,
    seq: steps.seq,
    unit_id: unitId,
    kind,
    // Step names and reasons are free text about the applicant: sealed in the event store, never
    // here; the API reads them from the dossier's stream when it shows the slip.
    step: null,
    reason: null,
    from_at: at,
    to_at: null,
    ended_by: null,
    due_at: after.due_at,
    step_due_at: stepDueAt,
    overdue_recorded: false,
    late: false,
    position,
  };
  steps.open = record;
  steps.changed.set(record.seq, record);
}

/**
 * Ends the current holding. It ran late when the unit kept the dossier past its due moment (the step's
 * own due moment if the forwarding set one, else the dossier's), judged where the clock stopped, or
 * when an overdue event named the unit while it held the dossier.
 */
function close(steps: ProcessSteps, { before, event }: DossierChange, at: string, position: number): void {
  const step = steps.open;
  if (step === null || before === null) return;
  const due = step.step_due_at ?? before.due_at;
  const heldUntil = before.paused_at ?? at;
  step.to_at = at;
  step.ended_by = event.type;
  step.due_at = before.due_at;
  step.late = step.overdue_recorded || (due !== null && parseInstant(heldUntil) > parseInstant(due));
  step.position = position;
  steps.changed.set(step.seq, step);
  steps.open = null;
}
