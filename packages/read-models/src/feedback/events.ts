import {
  FEEDBACK_FREE_TEXT_PATHS,
  FeedbackAnsweredSchema,
  FeedbackAssignedSchema,
  FeedbackBecameOverdueSchema,
  FeedbackClosedSchema,
  type FeedbackEventType,
  FeedbackSenderErasedSchema,
  FeedbackSubmittedSchema,
} from "@motcua/domain";
import { z } from "zod";
import { PoisonEventError } from "../errors";
import type { ProjectableEvent } from "../events";
import { normalizeIso } from "../local-time";

/** Feedback events as the projection sees them: without the sender's words, contact or the answer. */
const ProjectedFeedbackEventSchema = z.discriminatedUnion("type", [
  FeedbackSubmittedSchema.extend({
    data: FeedbackSubmittedSchema.shape.data.omit({ content: true, contact: true }),
  }),
  FeedbackAssignedSchema,
  FeedbackAnsweredSchema.extend({ data: FeedbackAnsweredSchema.shape.data.omit({ answer: true }) }),
  FeedbackClosedSchema,
  FeedbackBecameOverdueSchema,
  FeedbackSenderErasedSchema,
]);
export type ProjectedFeedbackEvent = z.infer<typeof ProjectedFeedbackEventSchema>;

type Unprojected = Exclude<FeedbackEventType, ProjectedFeedbackEvent["type"]>;
const everyTypeProjected: [Unprojected] extends [never] ? true : Unprojected = true;
void everyTypeProjected;

export interface ParsedFeedbackEvent {
  readonly feedbackId: string;
  readonly at: string;
  readonly revision: number;
  readonly position: number;
  readonly event: ProjectedFeedbackEvent;
}

const STREAM_ID = /^feedback-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const isFeedbackStream = (streamId: string): boolean => String(streamId).startsWith("feedback-");

/** Validates one recorded feedback event, dropping the personal free text first. */
export function parseFeedbackEvent(recorded: ProjectableEvent): ParsedFeedbackEvent {
  const poison = (reason: string) =>
    new PoisonEventError(
      { streamId: String(recorded.streamId), position: recorded.position, type: String(recorded.type) },
      reason,
    );
  const stream = STREAM_ID.exec(String(recorded.streamId));
  if (!stream?.[1]) throw poison("not a feedback stream (feedback-<uuid>)");
  if (!Number.isSafeInteger(recorded.revision) || recorded.revision < 1) {
    throw poison("revision must be a positive integer");
  }
  const type = String(recorded.type);
  const raw =
    typeof recorded.data === "object" && recorded.data !== null && !Array.isArray(recorded.data)
      ? (recorded.data as Record<string, unknown>)
      : null;
  const paths = Object.hasOwn(FEEDBACK_FREE_TEXT_PATHS, type)
    ? FEEDBACK_FREE_TEXT_PATHS[type as FeedbackEventType]
    : [];
  const data =
    raw === null
      ? recorded.data
      : Object.fromEntries(Object.entries(raw).filter(([k]) => !paths.includes(k)));
  const parsed = ProjectedFeedbackEventSchema.safeParse({
    type,
    schemaVersion: recorded.schemaVersion,
    data,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw poison(`unknown type or version, or invalid data${where}: ${issue?.message ?? "invalid"}`);
  }
  const feedbackId = stream[1].toLowerCase();
  if (parsed.data.type === "FeedbackSubmitted" && parsed.data.data.feedbackId.toLowerCase() !== feedbackId) {
    throw poison("the event's feedbackId is not its stream's");
  }
  return {
    feedbackId,
    at: normalizeIso(parsed.data.data.at),
    revision: recorded.revision,
    position: recorded.position,
    event: parsed.data,
  };
}
