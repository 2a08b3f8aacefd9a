import { z } from "zod";
import { TimeLimitUnitSchema } from "../procedures/procedure";

/** ISO 8601 date-time with an offset (`Z` or `+07:00`). */
export const IsoDateTimeSchema = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time with offset, e.g. 2025-04-26T08:00:00+07:00",
});

export const ChannelSchema = z.enum(["direct", "online", "postal"]);
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * The citizen or organisation behind a dossier: personal data. It travels in exactly one field of the
 * events that carry it, which the event store encrypts under the applicant's own key. Messages here
 * never repeat the value.
 */
export const ApplicantSchema = z
  .object({
    name: z.string().trim().min(1, { message: "must not be empty" }).max(200),
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
    address: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type Applicant = z.infer<typeof ApplicantSchema>;

export const DocumentSchema = z
  .object({
    name: z.string().trim().min(1).max(300),
    /** Scanned at intake (counts towards the digitisation indicator). */
    digitized: z.boolean(),
  })
  .strict();
export type DossierDocument = z.infer<typeof DocumentSchema>;

export const ActorSchema = z
  .object({
    id: z.string().min(1),
    role: z.enum(["officer", "auditor", "analyst", "admin", "system", "citizen"]),
    unitId: z.string().min(1).nullable(),
  })
  .strict();
export type Actor = z.infer<typeof ActorSchema>;

export const ResolutionOutcomeSchema = z.enum(["approved", "rejected"]);
export const ReturnMethodSchema = z.enum(["counter", "postal", "online"]);

export const StoredTimeLimitSchema = z
  .object({ value: z.number().min(0), unit: TimeLimitUnitSchema })
  .strict();

const reasonSchema = z.string().trim().min(1, { message: "must say why" }).max(2000);
export const ReasonSchema = reasonSchema;
