import { type DossierChange, isReceived } from "../worklist/evolve";
import type { DossierRecord } from "../worklist/table";
import type { CountDelta, ReportCountDeltas } from "./counts";

/**
 * The 06a's reaction to one event: a receipt counts on its day, by channel and digitisation; a finish
 * (resolution, withdrawal or stop of a received dossier) counts on its day by class. The overdue and
 * Decision 766 spans add their own counts (see `../overdue-spans/evolve.ts`).
 */
export function evolveReportCounts(
  counts: ReportCountDeltas,
  { before, after, event, position }: DossierChange,
) {
  switch (event.type) {
    case "DossierReceived":
      counts.add(
        after.receiving_unit_id,
        after.field,
        after.received_day as string,
        receptionDelta(after),
        position,
      );
      return;
    case "DossierResolved":
      counts.add(
        after.receiving_unit_id,
        after.field,
        after.finished_day as string,
        {
          ...finishDelta(after),
          resolutions: 1,
          resolution_working_minutes: Math.round(event.data.elapsedWorkingMinutes),
        },
        position,
      );
      return;
    case "DossierWithdrawn":
    case "DossierStopped":
      if (isReceived(before)) {
        counts.add(
          after.receiving_unit_id,
          after.field,
          after.finished_day as string,
          finishDelta(after),
          position,
        );
      }
      return;
    default:
      return;
  }
}

function receptionDelta(r: DossierRecord): CountDelta {
  const digitized = r.documents_total > 0 && r.documents_digitized === r.documents_total;
  return {
    received_online: r.channel === "online" ? 1 : 0,
    received_direct: r.channel === "direct" ? 1 : 0,
    received_postal: r.channel === "postal" ? 1 : 0,
    received_digitized: digitized ? 1 : 0,
  };
}

const finishDelta = (r: DossierRecord): CountDelta => ({
  finished_early: r.finish_class === "early" ? 1 : 0,
  finished_on_time: r.finish_class === "on_time" ? 1 : 0,
  finished_late: r.finish_class === "late" ? 1 : 0,
  finished_late_766: r.late_for_766 ? 1 : 0,
});
