import type { DossierChange } from "../worklist/evolve";
import type { DeadlineRecord } from "./table";

/** One dossier's due moments as a batch adds them. */
export interface DeadlineHistory {
  /** The last seq (`dossiers.deadline_seq`). */
  seq: number;
  /** The rows this batch added. */
  readonly added: DeadlineRecord[];
}

export const deadlineHistoryOf = (seq: number): DeadlineHistory => ({ seq, added: [] });

/** A receipt sets the first due moment; a supplement received or fees paid set the next. */
export function evolveDeadlineHistory(
  history: DeadlineHistory,
  { after, event, at, position }: DossierChange,
): void {
  let effectiveAt: string;
  let cause: DeadlineRecord["cause"];
  switch (event.type) {
    case "DossierReceived":
      effectiveAt = after.received_at as string;
      cause = "received";
      break;
    case "SupplementReceived":
      effectiveAt = at;
      cause = "supplement_received";
      break;
    case "FeePaid":
      effectiveAt = at;
      cause = "fee_paid";
      break;
    default:
      return;
  }
  history.seq += 1;
  history.added.push({
    dossier_id: after.dossier_id,
    seq: history.seq,
    effective_at: effectiveAt,
    due_at: after.due_at,
    cause,
    position,
  });
}
