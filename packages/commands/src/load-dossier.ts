import {
  type DossierEvent,
  type DossierState,
  dossierStreamId,
  evolve,
  initialState,
  type ReceivedDossier,
} from "@motcua/domain";
import type { EventStore, RecordedEvent } from "@motcua/event-store";

export interface LoadedDossier {
  readonly state: DossierState;
  readonly revision: number;
  readonly position: number;
  readonly events: readonly RecordedEvent[];
}

/** Stored events read back as domain events; they were validated when written and upcast when read. */
export const toDomainEvent = (e: RecordedEvent): DossierEvent =>
  ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }) as unknown as DossierEvent;

/** A dossier's stream folded into its state, with the revision and position it reflects. */
export async function loadDossier(store: EventStore, dossierId: string): Promise<LoadedDossier> {
  const events: RecordedEvent[] = [];
  let state = initialState();
  for await (const e of store.readStream(dossierStreamId(dossierId))) {
    events.push(e);
    state = evolve(state, toDomainEvent(e));
  }
  const last = events.at(-1);
  return { state, revision: last?.revision ?? 0, position: last?.position ?? 0, events };
}

export function asReceived(state: DossierState): ReceivedDossier | null {
  return state.status === "none" || state.status === "submitted" || state.status === "refused" ? null : state;
}
