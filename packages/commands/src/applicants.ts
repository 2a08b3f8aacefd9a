import { type DossierState, dossierStreamId, formatInstant } from "@motcua/domain";
import type { EventActor, EventStore, RecordedEvent } from "@motcua/event-store";
import type { FoldedDossiers } from "./folded-dossiers";
import { applicantSubjectId, uuidFromName } from "./ids";
import { asReceived, loadDossier } from "./load-dossier";

/*
 * A person's rights over their data (Decree 13/2023/NĐ-CP; Law 91/2025/QH15 from 2026): access to
 * everything held about them, and erasure. A person is found by their ID number alone: it keys the
 * subject whose data key seals their data (`applicantSubjectId`), and the event store knows which streams
 * hold values sealed under that key. Nothing here keeps the ID number, and no answer names another person.
 */

export interface ApplicantRecordsDeps {
  readonly store: EventStore;
  /** The server's secret that keys subject ids (`subjectSecret`). */
  readonly subjectSecret: Buffer;
  /** This process's folded dossiers: an erased person's are dropped at once. */
  readonly folded?: FoldedDossiers | undefined;
}

/** The dossier a stream holds (`dossierStreamId`'s inverse). */
const dossierIdOf = (streamId: string) => streamId.slice(dossierStreamId("").length);

/** Whose data: the subject an ID number stands for (the dossier id is unused when there is an ID number). */
const subjectOf = (deps: ApplicantRecordsDeps, idNumber: string) =>
  applicantSubjectId(deps.subjectSecret, "", idNumber);

export interface HeldDossier {
  readonly dossierId: string;
  readonly code: string | null;
  readonly status: DossierState["status"];
  /** Every event of the dossier as stored, personal data decrypted. */
  readonly events: readonly RecordedEvent[];
}

export interface ApplicantData {
  readonly dossiers: readonly HeldDossier[];
}

/** A dossier as loaded (its stream folded by the commands' own `loadDossier`), with its code once received. */
async function heldDossier(store: EventStore, streamId: string): Promise<HeldDossier> {
  const dossierId = dossierIdOf(streamId);
  const { state, events } = await loadDossier(store, dossierId);
  return { dossierId, code: asReceived(state)?.code ?? null, status: state.status, events };
}

/** Everything the event store holds about the person with this ID number; null when it holds nothing. */
export async function applicantData(
  deps: ApplicantRecordsDeps,
  idNumber: string,
): Promise<ApplicantData | null> {
  const streams = await deps.store.subjectStreams(subjectOf(deps, idNumber));
  if (streams.length === 0) return null;
  const dossiers: HeldDossier[] = [];
  for (const streamId of streams) dossiers.push(await heldDossier(deps.store, streamId));
  return { dossiers };
}

export interface ErasureRequest {
  readonly idNumber: string;
  /** The ground: a request's number, an article of the law. Kept in the clear in each dossier's history. */
  readonly reason: string;
  readonly actor: EventActor;
  /** When the erasure is decided (business time). */
  readonly at: number;
  readonly correlationId: string;
}

export interface ErasedDossier {
  readonly dossierId: string;
  readonly code: string | null;
  /** The revision of the `ApplicantErased` event in the dossier's stream. */
  readonly revision: number;
}

export interface Erasure {
  readonly erasedAt: string;
  readonly dossiers: readonly ErasedDossier[];
}

/**
 * Erases the person with this ID number: first an `ApplicantErased` event (no personal data) on each
 * dossier holding their data, then their key is destroyed, so every value sealed under it — the applicant,
 * the free text about them — reads as erased, in every dossier at once. The events come first so that a
 * crash in between leaves the key in place and a retry finds the person again; each event's command id is
 * derived from the key itself, so the retry's appends are answered as replays. Null: nobody to erase.
 */
export async function eraseApplicant(
  deps: ApplicantRecordsDeps,
  request: ErasureRequest,
): Promise<Erasure | null> {
  const subjectId = subjectOf(deps, request.idNumber);
  const streams = await deps.store.subjectStreams(subjectId);
  if (streams.length === 0) return null;
  const erasedAt = formatInstant(request.at);
  const dossiers: ErasedDossier[] = [];
  for (const streamId of streams) {
    const { dossierId, code } = await heldDossier(deps.store, streamId);
    // Unique to this key's life and this stream, and unguessable: a digest under the person's own key.
    const commandId = uuidFromName(
      "motcua-applicant-erased",
      await deps.store.subjectDigest(subjectId, `applicant-erased|${streamId}`),
    );
    const result = await deps.store.append(
      streamId,
      [
        {
          type: "ApplicantErased",
          schemaVersion: 1,
          data: { reason: request.reason, at: erasedAt },
          metadata: {
            commandId,
            correlationId: request.correlationId,
            causationId: null,
            actor: request.actor,
            occurredAt: erasedAt,
          },
        },
      ],
      { expectedRevision: "any", commandId },
    );
    dossiers.push({ dossierId, code, revision: result.lastRevision });
  }
  await deps.store.forget(subjectId);
  for (const { dossierId } of dossiers) deps.folded?.forget(dossierId);
  return { erasedAt, dossiers };
}
