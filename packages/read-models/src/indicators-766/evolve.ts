import { type DossierChange, isReceived } from "../worklist/evolve";
import type { DossierRecord } from "../worklist/table";
import type { Indicator766Delta, Indicator766Deltas } from "./counts";

/**
 * The 766 counts' reaction to one event: every count lands under the dossier's receiving unit,
 * procedure and month of receipt. Events of a dossier never received (an online submission) count
 * nothing: the portal counts dossiers by their receipt.
 */
export function evolveIndicator766Counts(counts: Indicator766Deltas, change: DossierChange): void {
  const { before, after, event, position } = change;
  const add = (record: DossierRecord, delta: Indicator766Delta) =>
    counts.add(record.receiving_unit_id, record.procedure_id, record.received_day as string, delta, position);
  switch (event.type) {
    case "DossierReceived": {
      if (isReceived(before) || !isReceived(after)) return;
      const documents = event.data.documents;
      add(after, {
        received: 1,
        received_online: after.channel === "online" ? 1 : 0,
        received_digitized:
          after.documents_total > 0 && after.documents_digitized === after.documents_total ? 1 : 0,
        received_reused: documents.some((document) => document.reused === true) ? 1 : 0,
      });
      return;
    }
    case "DossierResolved":
      if (isReceived(before) && event.data.outcome === "approved") add(after, { results: 1 });
      return;
    case "ElectronicResultIssued":
      if (isReceived(before) && after.outcome === "approved") add(after, { e_results: 1 });
      return;
    case "DossierSyncedToNationalPortal":
      if (isReceived(before)) add(after, { synced: 1 });
      return;
    case "FeeRequested":
      if (isReceived(before)) add(after, { fee_requests: 1 });
      return;
    case "FeePaid": {
      if (!isReceived(before)) return;
      const method = event.data.method;
      add(after, {
        fees_paid: 1,
        fees_paid_online: method === "online_national_portal" || method === "online_local_gateway" ? 1 : 0,
        fees_paid_national: method === "online_national_portal" ? 1 : 0,
      });
      return;
    }
    default:
      return;
  }
}
