import { z } from "zod";
import { IsoDateTimeSchema, isStorableText, ReasonSchema, storableTextMessage } from "../dossier/values";

/** The longest feedback a sender may write, in characters (the API names this rule when refusing). */
export const FEEDBACK_CONTENT_MAX = 5_000;
/** The longest contact (a phone number, an e-mail, an address) a sender may leave. */
export const FEEDBACK_CONTACT_MAX = 300;
/** The longest answer an officer may write. */
export const FEEDBACK_ANSWER_MAX = 10_000;

/**
 * Decree 20/2008/NĐ-CP on receiving and handling feedback on administrative regulations, as amended by
 * Decree 92/2017/NĐ-CP: a feedback is handled within 10 working days of its receipt. A setting
 * (FEEDBACK_HANDLING_WORKING_DAYS) overrides it where a province's rules say otherwise.
 */
export const DEFAULT_FEEDBACK_HANDLING_WORKING_DAYS = 10;

const text = (max: number) => z.string().trim().min(1).max(max).refine(isStorableText, storableTextMessage);

/** What the feedback is about, as the sender named it; null where they named nothing. */
export const FeedbackAboutSchema = z
  .object({
    unitId: z.string().min(1).max(100).nullable(),
    procedureId: z.string().min(1).max(100).nullable(),
    dossierCode: z.string().min(1).max(100).nullable(),
  })
  .strict();
export type FeedbackAbout = z.infer<typeof FeedbackAboutSchema>;

const event = <const T extends string, S extends z.ZodRawShape>(type: T, data: S) =>
  z.object({ type: z.literal(type), schemaVersion: z.literal(1), data: z.object(data).strict() }).strict();

const at = IsoDateTimeSchema;

export const FeedbackSubmittedSchema = event("FeedbackSubmitted", {
  feedbackId: z.uuid(),
  about: FeedbackAboutSchema,
  /** The unit that handles it (FEEDBACK.md: the unit named, the dossier's holder, or the procedure's unit). */
  unitId: z.string().min(1),
  /** The sender's words: personal free text, sealed under the feedback's own key. */
  content: text(FEEDBACK_CONTENT_MAX),
  /** How to reach the sender, if they left it: personal data, sealed the same way. */
  contact: text(FEEDBACK_CONTACT_MAX).nullable(),
  handlingWorkingDays: z.number().int().positive(),
  clockStartsAt: at,
  dueAt: at,
  at,
});

export const FeedbackAssignedSchema = event("FeedbackAssigned", {
  fromUnitId: z.string().min(1),
  toUnitId: z.string().min(1),
  /** The officer who handles it, or null when it is handed to a unit as a whole. */
  officerId: z.string().min(1).max(200).nullable(),
  at,
});

export const FeedbackAnsweredSchema = event("FeedbackAnswered", {
  /** The officer's answer: free text that may quote the sender, sealed with the feedback. */
  answer: text(FEEDBACK_ANSWER_MAX),
  /** Published answers are shown to whoever holds the tracking code (and only those). */
  publish: z.boolean(),
  dueAt: at,
  timeliness: z.enum(["on_time", "late"]),
  unitId: z.string().min(1),
  at,
});

export const FeedbackClosedSchema = event("FeedbackClosed", { answered: z.boolean(), at });

export const FeedbackBecameOverdueSchema = event("FeedbackBecameOverdue", {
  dueAt: at,
  /** The unit handling it when its time ran out. */
  unitId: z.string().min(1),
  /** Always the due moment, however late the detection. */
  at,
});

/**
 * An admin erased the sender's data (Decree 13/2023/NĐ-CP): the feedback's key is destroyed, so its words,
 * contact and answer read as erased everywhere. `reason` is the admin's ground, never the person's name.
 */
export const FeedbackSenderErasedSchema = event("FeedbackSenderErased", { reason: ReasonSchema, at });

export const FeedbackEventSchema = z.discriminatedUnion("type", [
  FeedbackSubmittedSchema,
  FeedbackAssignedSchema,
  FeedbackAnsweredSchema,
  FeedbackClosedSchema,
  FeedbackBecameOverdueSchema,
  FeedbackSenderErasedSchema,
]);
export type FeedbackEvent = z.infer<typeof FeedbackEventSchema>;
export type FeedbackEventType = FeedbackEvent["type"];

export const FEEDBACK_EVENT_TYPES: readonly FeedbackEventType[] = FeedbackEventSchema.options.map(
  (o) => o.shape.type.value,
);

/**
 * The sender's words, their contact and the answer (which may quote them), as dot paths into each
 * event's data: sealed under the feedback's own key (`feedbackSubjectId`), erased with it, never in read
 * models or jobs.
 */
export const FEEDBACK_FREE_TEXT_PATHS: Readonly<Record<FeedbackEventType, readonly string[]>> = {
  FeedbackSubmitted: ["content", "contact"],
  FeedbackAssigned: [],
  FeedbackAnswered: ["answer"],
  FeedbackClosed: [],
  FeedbackBecameOverdue: [],
  // The ground of an erasure stays in the clear: sealing it under the erased key would re-create one.
  FeedbackSenderErased: [],
};

export const FEEDBACK_STREAM_PREFIX = "feedback-";
export const feedbackStreamId = (feedbackId: string) => `${FEEDBACK_STREAM_PREFIX}${feedbackId}`;
/** The vault subject of one feedback: forgetting it erases the sender's words, contact and the answer. */
export const feedbackSubjectId = (feedbackId: string) => `feedback:${feedbackId}`;

/**
 * A tracking code: `PA-` and two groups of four characters of Crockford's base 32 (no I, L, O, U), 40
 * random bits. Typed by people, so it is read case-insensitively and without look-alikes.
 */
export const TRACKING_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
export const TRACKING_CODE_PATTERN = /^PA-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A typed tracking code in its one spelling (upper case, O→0, I/L→1), or null when it cannot be one. */
export function normalizeTrackingCode(typed: string): string | null {
  const compact = typed.trim().toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  if (!/^PA[0-9A-Z]{8}$/.test(compact)) return null;
  const code = `PA-${compact.slice(2, 6)}-${compact.slice(6)}`;
  return TRACKING_CODE_PATTERN.test(code) ? code : null;
}
