import { type DossierChange, isReceived } from "../worklist/evolve";
import type { PauseRecord } from "./table";

/** One dossier's clock stops as a batch changes them. */
export interface ClockPauses {
  /** The last pause's seq (`dossiers.pause_seq`). */
  seq: number;
  /** The rows this batch wrote, by seq. */
  readonly changed: Map<number, PauseRecord>;
}

export const clockPausesOf = (seq: number): ClockPauses => ({ seq, changed: new Map() });

/**
 * A supplement or fee request stops the clock; the supplement received, the fees paid, or a withdrawal
 * or stop while waiting end the pause.
 */
export function evolveClockPauses(
  pauses: ClockPauses,
  { before, after, event, at, position }: DossierChange,
): void {
  switch (event.type) {
    case "SupplementRequested":
    case "FeeRequested":
      pauses.seq += 1;
      pauses.changed.set(pauses.seq, {
        dossier_id: after.dossier_id,
        seq: pauses.seq,
        kind: event.type === "SupplementRequested" ? "supplement" : "fee",
        paused_at: at,
        ended_at: null,
        ended_by: null,
        paused_working_minutes: null,
        position,
      });
      return;
    case "SupplementReceived":
    case "FeePaid":
      end(pauses, before, at, event.type, event.data.pausedWorkingMinutes, position);
      return;
    case "DossierWithdrawn":
    case "DossierStopped":
      if (isReceived(before)) end(pauses, before, at, event.type, null, position);
      return;
    default:
      return;
  }
}

function end(
  pauses: ClockPauses,
  before: DossierChange["before"],
  at: string,
  endedBy: string,
  pausedWorkingMinutes: number | null,
  position: number,
): void {
  if (before === null || before.paused_at === null || pauses.seq === 0) return;
  pauses.changed.set(pauses.seq, {
    dossier_id: before.dossier_id,
    seq: pauses.seq,
    kind: before.status === "awaiting_payment" ? "fee" : "supplement",
    paused_at: before.paused_at,
    ended_at: at,
    ended_by: endedBy,
    paused_working_minutes: pausedWorkingMinutes,
    position,
  });
}
