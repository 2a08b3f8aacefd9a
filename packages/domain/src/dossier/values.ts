import { z } from "zod";
import { TimeLimitUnitSchema } from "../procedures/procedure";

/** ISO 8601 date-time with an offset (`Z` or `+07:00`). */
export const IsoDateTimeSchema = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with offset, e.g. 2025-04-26T08:00:00+07:00",
});

/**
 * The span of time a person may name (`at`, `receivedAt`, `promisedAt`, `stepDueAt`): local dates from
 * 2000-01-01 up to 2099-12-31. Dossier codes carry a two-digit year, so a wider span would let codes of
 * different centuries collide; and every instant in it formats as a four-digit year that Postgres reads
 * back (year 0000 or +010000 would halt a projection).
 */
export const EARLIEST_ACTION_TIME = "2000-01-01T00:00:00+07:00";
export const LATEST_ACTION_TIME_EXCLUSIVE = "2100-01-01T00:00:00+07:00";
const earliestActionMs = Date.parse(EARLIEST_ACTION_TIME);
const latestActionMsExclusive = Date.parse(LATEST_ACTION_TIME_EXCLUSIVE);

/** Whether an instant lies in the span people may name (see `EARLIEST_ACTION_TIME`). */
export const isWithinActionSpan = (instant: number): boolean =>
  instant >= earliestActionMs && instant < latestActionMsExclusive;

/** A date-time a person supplies: ISO 8601 with offset, inside the span the system can record. */
export const ActionTimeSchema = IsoDateTimeSchema.refine((value) => isWithinActionSpan(Date.parse(value)), {
  message: "must lie between 2000-01-01 and 2099-12-31 (Asia/Ho_Chi_Minh)",
});

/**
 * Text Postgres can store: no NUL (refused in text and JSON) and no lone UTF-16 surrogate (refused in
 * JSON). Either would fail an append or halt a projection, and neither is ever meaningful in a name, a
 * reason or an id.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;
export const isStorableText = (value: string): boolean =>
  !value.includes("\u0000") && !LONE_SURROGATE.test(value);
export const storableTextMessage = "must be Unicode text without NUL characters";

export const ChannelSchema = z.enum(["direct", "online", "postal"]);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * The citizen or organisation behind a dossier: personal data. It travels in exactly one field of the
 * events that carry it, which the event store encrypts under the applicant's own key. Messages here
 * never repeat the value.
 */
export const ApplicantSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, { message: "must not be empty" })
      .max(200)
      .refine(isStorableText, storableTextMessage),
    idNumber: z
      .string()
      .regex(/^(\d{9}|\d{12})$/, { message: "must be 9 digits (CMND) or 12 digits (CCCD)" })
      .optional(),
    phone: z
      .string()
      .regex(/^(\+84|0)\d{9,10}$/, {
        message: "must be a Vietnamese phone number: 0 or +84 then 9–10 digits",
      })
      .optional(),
    address: z.string().trim().min(1).max(500).refine(isStorableText, storableTextMessage).optional(),
  })
  .strict();
export type Applicant = z.infer<typeof ApplicantSchema>;

export const DocumentSchema = z
  .object({
    name: z.string().trim().min(1).max(300).refine(isStorableText, storableTextMessage),
    /** Scanned at intake (counts towards the digitisation indicator). */
    digitized: z.boolean(),
    /**
     * Taken from digitised data or results already held (Decision 766, 4.3: "sử dụng lại thông tin, dữ
     * liệu số hóa") instead of a new paper; absent on documents recorded before it was asked.
     */
    reused: z.boolean().exactOptional(),
  })
  .strict();
export type DossierDocument = z.infer<typeof DocumentSchema>;

export const ActorSchema = z
  .object({
    id: z.string().min(1),
    /** The person's name as their token gives it (officers' names are not applicants' personal data). */
    name: z.string().min(1).max(200).exactOptional(),
    role: z.enum(["officer", "auditor", "analyst", "admin", "portal", "system", "citizen"]),
    unitId: z.string().min(1).nullable(),
  })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

export const ResolutionOutcomeSchema = z.enum(["approved", "rejected"]);
export const ReturnMethodSchema = z.enum(["counter", "postal", "online"]);
/**
 * How fees were paid (Decision 766, 3.5–3.6): at the counter, online through the national portal's
 * payment platform, or online through the province's own gateway.
 */
export const FeePaymentMethodSchema = z.enum(["counter", "online_national_portal", "online_local_gateway"]);
export type FeePaymentMethod = z.infer<typeof FeePaymentMethodSchema>;

export const StoredTimeLimitSchema = z
  .object({ value: z.number().min(0), unit: TimeLimitUnitSchema })
  .strict();

const reasonSchema = z
  .string()
  .trim()
  .min(1, { message: "must say why" })
  .max(2000)
  .refine(isStorableText, storableTextMessage);
export const ReasonSchema = reasonSchema;
