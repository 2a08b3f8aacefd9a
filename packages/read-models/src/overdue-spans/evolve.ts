import { PENDING } from "@motcua/domain";
import { dayNumberOf, dayToLocalDate, localDateToDay } from "../local-time";
import type { ReportCountDeltas } from "../report-06a/counts";
import { type DossierChange, isReceived } from "../worklist/evolve";
import type { DossierRecord } from "../worklist/table";
import type { SpanRecord } from "./table";

/** One dossier's open spans, and the span rows a batch writes. */
export interface OverdueSpans {
  /** First day of the open overdue span (`dossiers.overdue_span_from`). */
  overdueFrom: string | null;
  /** First day of the open span of counting late for Decision 766 (`dossiers.late766_span_from`). */
  late766From: string | null;
  /** By from_day; null deletes a span that turned out never to hold at the end of any day. */
  readonly changed: Map<string, SpanRecord | null>;
}

export const overdueSpansOf = (overdueFrom: string | null, late766From: string | null): OverdueSpans => ({
  overdueFrom,
  late766From,
  changed: new Map(),
});

/**
 * The spans react to anything that changes how the dossier is judged at the end of a day: receipt, a
 * pause, a new due moment, a finish. Each span also adds its starts and ends to the 06a's counts.
 */
export function evolveOverdueSpans(
  spans: OverdueSpans,
  counts: ReportCountDeltas,
  change: DossierChange,
): void {
  const { before, after, event, position } = change;
  switch (event.type) {
    case "DossierReceived":
      reconfigure(spans, counts, after, after.received_at as string, position);
      return;
    case "SupplementRequested":
    case "FeeRequested":
    case "SupplementReceived":
    case "FeePaid":
    case "DossierResolved":
      reconfigure(spans, counts, after, change.at, position);
      return;
    case "DossierWithdrawn":
    case "DossierStopped":
      if (isReceived(before)) reconfigure(spans, counts, after, change.at, position);
      return;
    default:
      return;
  }
}

/**
 * A report dated D counts a pending dossier overdue when its due date (as of D) is before D, or, if its
 * clock stands still at D, before the pause date. The configuration that took effect on day `d` governs
 * the ends of days d, d+1, … until the next one: the previous span stops at d−1 (or vanishes if it had
 * not begun), and a new one opens where the new configuration first counts overdue.
 */
function reconfigure(
  spans: OverdueSpans,
  counts: ReportCountDeltas,
  r: DossierRecord,
  at: string,
  position: number,
): void {
  const d = dayNumberOf(at);
  reconfigureLate766(spans, counts, r, d, position);
  const span = (from: string, to: string | null): SpanRecord => ({
    dossier_id: r.dossier_id,
    from_day: from,
    to_day: to,
    receiving_unit_id: r.receiving_unit_id,
    field: r.field,
    position,
  });
  if (spans.overdueFrom !== null) {
    const from = spans.overdueFrom;
    if (localDateToDay(from) <= d - 1) {
      spans.changed.set(from, span(from, dayToLocalDate(d - 1)));
      counts.add(r.receiving_unit_id, r.field, dayToLocalDate(d), { overdue_ends: 1 }, position);
    } else {
      spans.changed.set(from, null);
      counts.add(r.receiving_unit_id, r.field, from, { overdue_starts: -1 }, position);
    }
    spans.overdueFrom = null;
  }
  const start = overdueFrom(r, d);
  if (start === null) return;
  const from = dayToLocalDate(start);
  counts.add(r.receiving_unit_id, r.field, from, { overdue_starts: 1 }, position);
  spans.changed.set(from, span(from, null));
  spans.overdueFrom = from;
}

/**
 * The same bookkeeping, in counts only, for the pending dossiers Decision 766 counts late at the end of a
 * day: those counting overdue, and from the day of a second supplement request those asked more than
 * once (VPCP's indicator 2.1 applies that rule to open dossiers too). Reconfigured with the overdue
 * span, which covers every change to either condition.
 */
function reconfigureLate766(
  spans: OverdueSpans,
  counts: ReportCountDeltas,
  r: DossierRecord,
  d: number,
  position: number,
): void {
  const from = spans.late766From;
  if (from !== null) {
    if (localDateToDay(from) <= d - 1) {
      counts.add(r.receiving_unit_id, r.field, dayToLocalDate(d), { late766_ends: 1 }, position);
    } else {
      counts.add(r.receiving_unit_id, r.field, from, { late766_starts: -1 }, position);
    }
    spans.late766From = null;
  }
  const pending = r.finished_at === null && PENDING.has(r.status);
  const start = pending && r.supplement_requests > 1 ? d : overdueFrom(r, d);
  if (start === null) return;
  spans.late766From = dayToLocalDate(start);
  counts.add(r.receiving_unit_id, r.field, spans.late766From, { late766_starts: 1 }, position);
}

/** The first day (≥ d) at whose end the dossier counts overdue if nothing else happens; null if never. */
function overdueFrom(r: DossierRecord, d: number): number | null {
  if (r.finished_at !== null || !PENDING.has(r.status) || r.due_at === null) return null;
  const dueDay = dayNumberOf(r.due_at);
  if (r.paused_at !== null) return dueDay < dayNumberOf(r.paused_at) ? d : null;
  return Math.max(d, dueDay + 1);
}
