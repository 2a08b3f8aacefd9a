import { api } from "../api";
import { orThrow } from "../load";
import type { HistoryEvent } from "./Timeline";
import type { ProcessStep } from "./UnitShares";

export interface DossierView {
  dossierId: string;
  code: string;
  procedureId: string;
  field: string;
  status: string;
  receivingUnitId: string;
  currentUnitId: string;
  channel: string;
  receivedAt: string;
  dueAt: string | null;
  dueAtProvisional: boolean;
  promisedAt: string | null;
  resolvedAt: string | null;
  returnedAt: string | null;
  timeliness: "early" | "on_time" | "late" | null;
  overdue: boolean;
  revision: number;
  /** For the slip (form 01): given to the unit's officers only. */
  ratingCode?: string;
}

export interface Applicant {
  name?: string;
  idNumber?: string;
  phone?: string;
  address?: string;
}

/**
 * A dossier as its page shows it: the history straight from the event store, then the read model's state
 * once it reflects at least that history (and `minPosition`, the page's own last action) — so the status
 * and revision never lag behind the timeline shown beside them, and a form never sends a stale If-Match
 * for a change the page already displays.
 */
export async function loadDossier(dossierId: string, minPosition: number | undefined) {
  const history = orThrow(await api.GET("/dossiers/{id}/history", { params: { path: { id: dossierId } } }));
  const events = history.events as HistoryEvent[];
  const seen = Math.max(minPosition ?? 0, ...events.map((e) => e.position));
  const query = seen > 0 ? { minPosition: seen } : {};
  const [dossier, steps] = await Promise.all([
    api.GET("/dossiers/{id}", { params: { path: { id: dossierId }, query } }),
    api.GET("/dossiers/{id}/steps", { params: { path: { id: dossierId }, query } }),
  ]);
  const received = events.find((e) => e.type === "DossierReceived" || e.type === "DossierSubmitted");
  const applicant = (received?.data.applicant ?? null) as Applicant | null;
  const documents = (received?.data.documents ?? []) as { name: string; digitized: boolean }[];
  return {
    dossier: orThrow(dossier) as DossierView,
    events,
    unitNames: history.unitNames,
    applicant,
    documents,
    steps: (steps.data?.steps ?? []) as ProcessStep[],
  };
}
