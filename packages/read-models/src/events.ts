import {
  ApologyIssuedSchema,
  ApplicantErasedSchema,
  DocumentSchema,
  DossierBecameOverdueSchema,
  type DossierEventType,
  DossierForwardedSchema,
  DossierIntakeRefusedSchema,
  DossierRatedSchema,
  DossierReceivedSchema,
  DossierResolvedSchema,
  DossierStoppedSchema,
  DossierSubmittedSchema,
  DossierSyncedToNationalPortalSchema,
  DossierTransferredSchema,
  DossierWithdrawnSchema,
  ElectronicResultIssuedSchema,
  FeePaidSchema,
  FeeRequestedSchema,
  ResultReturnedSchema,
  SupplementReceivedSchema,
  SupplementRequestedSchema,
  withoutPersonalData,
} from "@motcua/domain";
import { z } from "zod";
import { PoisonEventError } from "./errors";
import { normalizeIso } from "./local-time";

/**
 * What the projection needs of a recorded event (the event store's RecordedEvent is a superset). Events
 * arrive already upcast to the domain's current schema versions.
 */
export interface ProjectableEvent {
  /** `dossier-<uuid>` */
  readonly streamId: string;
  /** 1-based, per stream. */
  readonly revision: number;
  /** Global, ascending. */
  readonly position: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: {
    readonly occurredAt: string;
    readonly actor: { readonly id: string; readonly role: string; readonly unitId: string | null };
  };
}

/**
 * The domain's event schemas without personal data: the read models never see the applicant nor free
 * text people typed (document names, reasons, notes, step names — `FREE_TEXT_PATHS`), whether it arrives
 * in clear, encrypted, left out, or as `{ erased: true }` after crypto-shredding.
 */
const DocumentWithoutName = DocumentSchema.omit({ name: true });
const SubmittedWithoutApplicant = DossierSubmittedSchema.extend({
  data: DossierSubmittedSchema.shape.data
    .omit({ applicant: true })
    .extend({ documents: z.array(DocumentWithoutName) }),
});
const ReceivedWithoutApplicant = DossierReceivedSchema.extend({
  data: DossierReceivedSchema.shape.data
    .omit({ applicant: true })
    .extend({ documents: z.array(DocumentWithoutName) }),
});
const ProjectedEventSchema = z.discriminatedUnion("type", [
  SubmittedWithoutApplicant,
  DossierIntakeRefusedSchema.extend({ data: DossierIntakeRefusedSchema.shape.data.omit({ reason: true }) }),
  ReceivedWithoutApplicant,
  DossierForwardedSchema.extend({ data: DossierForwardedSchema.shape.data.omit({ step: true }) }),
  DossierTransferredSchema.extend({ data: DossierTransferredSchema.shape.data.omit({ reason: true }) }),
  SupplementRequestedSchema.extend({ data: SupplementRequestedSchema.shape.data.omit({ reason: true }) }),
  SupplementReceivedSchema,
  FeeRequestedSchema.extend({ data: FeeRequestedSchema.shape.data.omit({ reason: true }) }),
  FeePaidSchema,
  ApologyIssuedSchema.extend({ data: ApologyIssuedSchema.shape.data.omit({ reason: true }) }),
  DossierResolvedSchema.extend({ data: DossierResolvedSchema.shape.data.omit({ note: true }) }),
  ResultReturnedSchema,
  DossierWithdrawnSchema.extend({ data: DossierWithdrawnSchema.shape.data.omit({ reason: true }) }),
  DossierStoppedSchema.extend({ data: DossierStoppedSchema.shape.data.omit({ reason: true }) }),
  DossierBecameOverdueSchema,
  ApplicantErasedSchema,
  // The rating's comment is the applicant's free text: only the scores reach the read models.
  DossierRatedSchema.extend({ data: DossierRatedSchema.shape.data.omit({ comment: true }) }),
  ElectronicResultIssuedSchema,
  DossierSyncedToNationalPortalSchema,
]);

/** A dossier event as the projection sees it: validated, without personal data. */
export type ProjectedDossierEvent = z.infer<typeof ProjectedEventSchema>;

// Every domain event type must be projected: a new one fails here until the projection learns it.
type Unprojected = Exclude<DossierEventType, ProjectedDossierEvent["type"]>;
const everyTypeProjected: [Unprojected] extends [never] ? true : Unprojected = true;
void everyTypeProjected;

export interface ParsedEvent {
  readonly dossierId: string;
  /** The event's moment, written the one way the projection compares instants (`normalizeIso`). */
  readonly at: string;
  readonly revision: number;
  readonly position: number;
  readonly event: ProjectedDossierEvent;
}

const STREAM_ID = /^dossier-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** Validates one recorded event, dropping personal data first. Anything unusable is a poison event. */
export function parseProjectableEvent(recorded: ProjectableEvent): ParsedEvent {
  const poison = (reason: string) =>
    new PoisonEventError(
      { streamId: String(recorded.streamId), position: recorded.position, type: String(recorded.type) },
      reason,
    );
  const stream = STREAM_ID.exec(String(recorded.streamId));
  if (!stream?.[1]) throw poison("not a dossier stream (dossier-<uuid>)");
  if (!Number.isSafeInteger(recorded.position) || recorded.position < 1) {
    throw poison("position must be a positive integer");
  }
  if (!Number.isSafeInteger(recorded.revision) || recorded.revision < 1) {
    throw poison("revision must be a positive integer");
  }
  const data =
    typeof recorded.data === "object" && recorded.data !== null && !Array.isArray(recorded.data)
      ? withoutPersonalData(String(recorded.type), recorded.data as Record<string, unknown>)
      : recorded.data;
  const parsed = ProjectedEventSchema.safeParse({
    type: recorded.type,
    schemaVersion: recorded.schemaVersion,
    data,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw poison(`unknown type or version, or invalid data${where}: ${issue?.message ?? "invalid"}`);
  }
  const dossierId = stream[1].toLowerCase();
  if ("dossierId" in parsed.data.data && parsed.data.data.dossierId.toLowerCase() !== dossierId) {
    throw poison("the event's dossierId is not its stream's");
  }
  return {
    dossierId,
    at: normalizeIso(parsed.data.data.at),
    revision: recorded.revision,
    position: recorded.position,
    event: parsed.data,
  };
}
