import { z } from "zod";
import { SupplementPolicySchema } from "../procedures/procedure";
import { RatingScoresSchema } from "../ratings/criteria";
import {
  ApplicantSchema,
  ChannelSchema,
  DocumentSchema,
  FeePaymentMethodSchema,
  IsoDateTimeSchema,
  ReasonSchema,
  ResolutionOutcomeSchema,
  ReturnMethodSchema,
  StoredTimeLimitSchema,
} from "./values";

const event = <const T extends string, S extends z.ZodRawShape>(type: T, data: S) =>
  z.object({ type: z.literal(type), schemaVersion: z.literal(1), data: z.object(data).strict() }).strict();

const at = IsoDateTimeSchema;
const nullableTime = IsoDateTimeSchema.nullable();

/** The procedure rules a dossier was received under; later changes to the procedure never touch them. */
const procedureTerms = {
  procedureId: z.string().min(1),
  procedureVersion: z.number().int().positive(),
  procedureCode: z.string().min(1),
  field: z.string().min(1),
  timeLimit: StoredTimeLimitSchema,
  supplementPolicy: SupplementPolicySchema,
  sameDayCutoff: z.string(),
  supplementWindowWorkingDays: z.number().int().positive().nullable(),
};

export const DossierSubmittedSchema = event("DossierSubmitted", {
  dossierId: z.uuid(),
  ...procedureTerms,
  unitId: z.string().min(1),
  applicant: ApplicantSchema,
  documents: z.array(DocumentSchema),
  at,
});

export const DossierIntakeRefusedSchema = event("DossierIntakeRefused", { reason: ReasonSchema, at });

export const DossierReceivedSchema = event("DossierReceived", {
  dossierId: z.uuid(),
  code: z.string().min(1),
  ...procedureTerms,
  unitId: z.string().min(1),
  channel: ChannelSchema,
  applicant: ApplicantSchema,
  documents: z.array(DocumentSchema),
  at,
  clockStartsAt: at,
  dueAt: nullableTime,
});

export const DossierForwardedSchema = event("DossierForwarded", {
  fromUnitId: z.string().min(1),
  toUnitId: z.string().min(1),
  step: z.string().max(200).nullable(),
  stepDueAt: nullableTime,
  at,
});

export const DossierTransferredSchema = event("DossierTransferred", {
  fromUnitId: z.string().min(1),
  toUnitId: z.string().min(1),
  reason: z.string().max(2000).nullable(),
  /** The overall due moment, unchanged by the transfer; recorded so each unit's share can be judged. */
  dueAt: nullableTime,
  at,
});

export const SupplementRequestedSchema = event("SupplementRequested", {
  reason: ReasonSchema,
  /** 1 for the first request; the 766 indicator counts a dossier with more than one as late. */
  requestNumber: z.number().int().positive(),
  respondBy: nullableTime,
  at,
});

export const SupplementReceivedSchema = event("SupplementReceived", {
  policy: SupplementPolicySchema,
  /** Working time the clock stood still, counted on the calendar in force when the pause ended. */
  pausedWorkingMinutes: z.number().nonnegative(),
  previousDueAt: nullableTime,
  dueAt: nullableTime,
  at,
});

export const FeeRequestedSchema = event("FeeRequested", {
  reason: ReasonSchema,
  amount: z.number().int().nonnegative().nullable(),
  at,
});

export const FeePaidSchema = event("FeePaid", {
  /** Absent on payments recorded before the method was asked. */
  method: FeePaymentMethodSchema.exactOptional(),
  pausedWorkingMinutes: z.number().nonnegative(),
  previousDueAt: nullableTime,
  dueAt: nullableTime,
  at,
});

export const ApologyIssuedSchema = event("ApologyIssued", {
  reason: ReasonSchema,
  promisedAt: at,
  /** The legal due moment, which an apology never moves. */
  dueAt: nullableTime,
  at,
});

export const DossierResolvedSchema = event("DossierResolved", {
  outcome: ResolutionOutcomeSchema,
  note: z.string().max(2000).nullable(),
  dueAt: nullableTime,
  timeliness: z.enum(["early", "on_time", "late"]),
  supplementRequests: z.number().int().nonnegative(),
  lateFor766: z.boolean(),
  /** Working time from the clock's start to resolution, pauses excluded: fixed here for the indicators. */
  elapsedWorkingMinutes: z.number().nonnegative(),
  at,
});

export const ResultReturnedSchema = event("ResultReturned", { method: ReturnMethodSchema, at });

export const DossierWithdrawnSchema = event("DossierWithdrawn", { reason: ReasonSchema, at });

export const DossierStoppedSchema = event("DossierStopped", {
  reason: ReasonSchema,
  cause: z.enum(["not_eligible", "supplement_not_received"]),
  at,
});

export const DossierBecameOverdueSchema = event("DossierBecameOverdue", {
  dueAt: at,
  /** The unit holding the dossier when its deadline passed: the delay is attributed to it. */
  holdingUnitId: z.string().min(1),
  /** Always the due moment, however late the detection. */
  at,
});

/**
 * An admin erased the applicant's personal data (Decree 13/2023, Law 91/2025): their key is destroyed, so
 * every value sealed under it reads as erased. Holds no personal data; `reason` is the admin's ground
 * (a request's number, an article), which the form asks never to name the person.
 */
/** The result was issued electronically (a signed file the applicant can download; Decision 766, 4.1). */
export const ElectronicResultIssuedSchema = event("ElectronicResultIssued", { at });

/**
 * The dossier was synchronised with the national public-service portal (Cổng Dịch vụ công quốc gia;
 * Decision 766, 1.4): recorded once, the first time the connector or an officer confirms it.
 */
export const DossierSyncedToNationalPortalSchema = event("DossierSyncedToNationalPortal", { at });

export const ApplicantErasedSchema = event("ApplicantErased", { reason: ReasonSchema, at });

/**
 * The applicant rated the handling of their returned dossier (once), with the rating code from the slip
 * or the "result ready" notice. The scores are not personal; the comment is free text and is sealed and
 * erased like the other free text (`FREE_TEXT_PATHS`), never in read models.
 */
export const DossierRatedSchema = event("DossierRated", {
  scores: RatingScoresSchema,
  comment: z.string().max(2000).nullable(),
  at,
});

export const DossierEventSchema = z.discriminatedUnion("type", [
  DossierSubmittedSchema,
  DossierIntakeRefusedSchema,
  DossierReceivedSchema,
  DossierForwardedSchema,
  DossierTransferredSchema,
  SupplementRequestedSchema,
  SupplementReceivedSchema,
  FeeRequestedSchema,
  FeePaidSchema,
  ApologyIssuedSchema,
  DossierResolvedSchema,
  ResultReturnedSchema,
  DossierWithdrawnSchema,
  DossierStoppedSchema,
  DossierBecameOverdueSchema,
  ApplicantErasedSchema,
  DossierRatedSchema,
  ElectronicResultIssuedSchema,
  DossierSyncedToNationalPortalSchema,
]);
export type DossierEvent = z.infer<typeof DossierEventSchema>;
export type DossierEventType = DossierEvent["type"];
export type EventOf<T extends DossierEventType> = Extract<DossierEvent, { type: T }>;

export const DOSSIER_EVENT_TYPES: readonly DossierEventType[] = DossierEventSchema.options.map(
  (o) => o.shape.type.value,
);

/** The current schema version of every dossier event type (the event store's upcasters target these). */
export const DOSSIER_EVENT_SCHEMA_VERSIONS: Readonly<Record<DossierEventType, number>> = Object.fromEntries(
  DOSSIER_EVENT_TYPES.map((t) => [t, 1]),
) as Record<DossierEventType, number>;

/** The field of an event's data that holds personal data, if any. */
export const PERSONAL_DATA_FIELD = "applicant";

/**
 * Free text people type, which may name the applicant or quote their ID number (document names, reasons,
 * notes, step names), as dot paths into each event's data (`*`: every element). It is personal data too:
 * sealed under the applicant's key like the applicant, erased with them, never in read models or jobs.
 */
export const FREE_TEXT_PATHS: Readonly<Record<DossierEventType, readonly string[]>> = {
  DossierSubmitted: ["documents.*.name"],
  DossierIntakeRefused: ["reason"],
  DossierReceived: ["documents.*.name"],
  DossierForwarded: ["step"],
  DossierTransferred: ["reason"],
  SupplementRequested: ["reason"],
  SupplementReceived: [],
  FeeRequested: ["reason"],
  FeePaid: [],
  ApologyIssued: ["reason"],
  DossierResolved: ["note"],
  ResultReturned: [],
  DossierWithdrawn: ["reason"],
  DossierStopped: ["reason"],
  DossierBecameOverdue: [],
  // The ground of an erasure is kept in the clear: sealing it under the erased key would re-create one.
  ApplicantErased: [],
  DossierRated: ["comment"],
  ElectronicResultIssued: [],
  DossierSyncedToNationalPortal: [],
};

export const dossierStreamId = (dossierId: string) => `dossier-${dossierId}`;

/**
 * An event's data without the applicant and without its free text (`FREE_TEXT_PATHS` removed): what read
 * models and job payloads may hold, whether the event was stored before free text was sealed (in clear),
 * sealed, or read with its sealed values left out.
 */
export function withoutPersonalData(
  type: string,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  // Copies only what changes: data without an applicant or free text (a projection reading it again, an
  // event read with its sealed values left out) is answered as it is.
  let rest = data as Record<string, unknown>;
  if (Object.hasOwn(data, PERSONAL_DATA_FIELD)) {
    const { [PERSONAL_DATA_FIELD]: _applicant, ...others } = data;
    rest = others;
  }
  const paths = Object.hasOwn(FREE_TEXT_PATHS, type) ? FREE_TEXT_SEGMENTS[type as DossierEventType] : [];
  return paths.reduce<Record<string, unknown>>(
    (current, segments) => withoutPath(current, segments) as Record<string, unknown>,
    rest,
  );
}

const FREE_TEXT_SEGMENTS = Object.fromEntries(
  Object.entries(FREE_TEXT_PATHS).map(([type, paths]) => [type, paths.map((path) => path.split("."))]),
) as unknown as Readonly<Record<DossierEventType, readonly (readonly string[])[]>>;

/** A copy of `value` without what `segments` reach (`*`: every element of an array). */
function withoutPath(value: unknown, segments: readonly string[]): unknown {
  const [segment, ...rest] = segments;
  if (segment === undefined || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return segment === "*" ? value.map((item) => withoutPath(item, rest)) : value;
  const object = value as Record<string, unknown>;
  if (!Object.hasOwn(object, segment)) return value;
  const { [segment]: inner, ...others } = object;
  return rest.length === 0 ? others : { ...others, [segment]: withoutPath(inner, rest) };
}
