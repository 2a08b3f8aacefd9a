import { z } from "zod";
import { RATING_COMMENT_MAX, RatingScoresSchema } from "../ratings/criteria";
import {
  ActionTimeSchema,
  ApplicantSchema,
  ChannelSchema,
  DocumentSchema,
  FeePaymentMethodSchema,
  isStorableText,
  ReasonSchema,
  ResolutionOutcomeSchema,
  ReturnMethodSchema,
  storableTextMessage,
} from "./values";

const command = <const T extends string, S extends z.ZodRawShape>(type: T, data: S) =>
  z.object({ type: z.literal(type), data: z.object(data).strict() }).strict();

const unitId = z.string().trim().min(1).max(100).refine(isStorableText, storableTextMessage);

/** A citizen files online: the dossier exists, but no clock runs until an officer receives it. */
export const SubmitDossierSchema = command("SubmitDossier", {
  dossierId: z.uuid(),
  unitId,
  applicant: ApplicantSchema,
  documents: z.array(DocumentSchema).max(200).default([]),
});

export const RefuseIntakeSchema = command("RefuseIntake", { reason: ReasonSchema });

/**
 * Receipt at the counter, online or by post. The code comes from the unit's daily sequence, which is
 * kept outside the domain; the applicant may be omitted when receiving an online submission.
 */
export const ReceiveDossierSchema = command("ReceiveDossier", {
  dossierId: z.uuid(),
  code: z.string().min(1).max(80).refine(isStorableText, storableTextMessage),
  unitId,
  channel: ChannelSchema,
  applicant: ApplicantSchema.optional(),
  documents: z.array(DocumentSchema).max(200).default([]),
});

export const ForwardDossierSchema = command("ForwardDossier", {
  toUnitId: unitId,
  step: z.string().trim().min(1).max(200).refine(isStorableText, storableTextMessage).optional(),
  /** At most five years after receipt (the decider refuses later ones). */
  stepDueAt: ActionTimeSchema.optional(),
});

export const TransferDossierSchema = command("TransferDossier", {
  toUnitId: unitId,
  reason: z.string().trim().min(1).max(2000).refine(isStorableText, storableTextMessage).optional(),
});

export const RequestSupplementSchema = command("RequestSupplement", { reason: ReasonSchema });
export const ReceiveSupplementSchema = command("ReceiveSupplement", {});
export const CloseMissedSupplementSchema = command("CloseMissedSupplement", {
  reason: ReasonSchema.optional(),
});
export const RequestFeeSchema = command("RequestFee", {
  reason: ReasonSchema,
  amount: z.number().int().nonnegative().max(1_000_000_000_000).optional(),
});
export const RecordFeePaidSchema = command("RecordFeePaid", {
  /** How the fees were paid; the 766 payment indicators count the online ones. */
  method: FeePaymentMethodSchema.optional(),
});
export const IssueApologySchema = command("IssueApology", {
  reason: ReasonSchema,
  /** At most five years after receipt (the decider refuses later ones). */
  promisedAt: ActionTimeSchema,
});
export const ResolveDossierSchema = command("ResolveDossier", {
  outcome: ResolutionOutcomeSchema,
  note: z.string().trim().max(2000).refine(isStorableText, storableTextMessage).optional(),
});
export const ReturnResultSchema = command("ReturnResult", { method: ReturnMethodSchema });
export const WithdrawDossierSchema = command("WithdrawDossier", { reason: ReasonSchema });
export const StopDossierSchema = command("StopDossier", { reason: ReasonSchema });
/** Issued by the deadline watcher; succeeds only when the dossier is pending and its due moment has come. */
export const MarkOverdueSchema = command("MarkOverdue", {});

/**
 * The applicant rates their returned dossier, once. The rating code that proves they hold the slip is
 * checked before deciding (`@motcua/commands`), so it never reaches the events.
 */
export const RateDossierSchema = command("RateDossier", {
  scores: RatingScoresSchema,
  comment: z
    .string()
    .trim()
    .max(RATING_COMMENT_MAX, { message: `Ý kiến góp ý dài tối đa ${RATING_COMMENT_MAX} ký tự` })
    .refine(isStorableText, "Ý kiến góp ý chứa ký tự không hợp lệ")
    .optional(),
});

/** The officer records that the result was issued electronically (Decision 766, 4.1). */
export const IssueElectronicResultSchema = command("IssueElectronicResult", {});
/** The connector (or an officer) records the dossier's synchronisation with the national portal (766, 1.4). */
export const RecordNationalPortalSyncSchema = command("RecordNationalPortalSync", {});

export const DossierCommandSchema = z.discriminatedUnion("type", [
  SubmitDossierSchema,
  RefuseIntakeSchema,
  ReceiveDossierSchema,
  ForwardDossierSchema,
  TransferDossierSchema,
  RequestSupplementSchema,
  ReceiveSupplementSchema,
  CloseMissedSupplementSchema,
  RequestFeeSchema,
  RecordFeePaidSchema,
  IssueApologySchema,
  ResolveDossierSchema,
  ReturnResultSchema,
  WithdrawDossierSchema,
  StopDossierSchema,
  MarkOverdueSchema,
  RateDossierSchema,
  IssueElectronicResultSchema,
  RecordNationalPortalSyncSchema,
]);
export type DossierCommand = z.output<typeof DossierCommandSchema>;
export type DossierCommandInput = z.input<typeof DossierCommandSchema>;
export type DossierCommandType = DossierCommand["type"];
export type CommandOf<T extends DossierCommandType> = Extract<DossierCommand, { type: T }>;

export const DOSSIER_COMMAND_TYPES: readonly DossierCommandType[] = DossierCommandSchema.options.map(
  (o) => o.shape.type.value,
);
