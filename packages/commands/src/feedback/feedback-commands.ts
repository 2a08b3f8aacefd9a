import {
  type Actor,
  FEEDBACK_FREE_TEXT_PATHS,
  type FeedbackAbout,
  type FeedbackCommand,
  type FeedbackEvent,
  type FeedbackRefusal,
  type FeedbackState,
  feedbackDecider,
  feedbackStreamId,
  feedbackSubjectId,
  localDateOf,
  normalizeTrackingCode,
  parseInstant,
} from "@motcua/domain";
import {
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  RevisionConflictError,
} from "@motcua/event-store";
import { listUnits } from "@motcua/reference-data";
import { mayAct } from "../authorization";
import { type CommandDeps, stripUndefined } from "../command-request";
import { uuidFromName } from "../ids";
import type { CommandRefusal } from "../outcomes";
import { feedbackIdOf, newTrackingCode } from "./tracking-code";

/** What feedback's commands answer: where the feedback stands after them. */
export interface FeedbackAnswer {
  readonly feedbackId: string;
  readonly status: Exclude<FeedbackState["status"], "none">;
  readonly unitId: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly revision: number;
  readonly position: number;
}

export type FeedbackResult<A = FeedbackAnswer> =
  | { readonly ok: true; readonly answer: A }
  | { readonly ok: false; readonly refusal: CommandRefusal };

export interface FeedbackRequest {
  readonly actor: Actor;
  readonly commandId: string;
  readonly correlationId: string;
  /** From If-Match: the revision the caller last saw. */
  readonly expectedRevision?: number | undefined;
  readonly commandHash?: string | undefined;
}

/** The citizen sending feedback from the public page: nobody in particular. */
export const PUBLIC_SENDER: Actor = { id: "public", role: "citizen", unitId: null };
export const FEEDBACK_WATCHER: Actor = { id: "deadline-watcher", role: "system", unitId: null };

export interface LoadedFeedback {
  readonly feedbackId: string;
  readonly state: FeedbackState;
  readonly revision: number;
  readonly events: readonly RecordedEvent[];
}

const toFeedbackEvent = (e: RecordedEvent): FeedbackEvent =>
  ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }) as unknown as FeedbackEvent;

export async function loadFeedback(
  deps: Pick<CommandDeps, "store">,
  feedbackId: string,
): Promise<LoadedFeedback> {
  const events: RecordedEvent[] = [];
  let state = feedbackDecider.initialState();
  for await (const e of deps.store.readStream(feedbackStreamId(feedbackId))) {
    events.push(e);
    state = feedbackDecider.evolve(state, toFeedbackEvent(e));
  }
  return { feedbackId, state, revision: events.at(-1)?.revision ?? 0, events };
}

const NOT_FOUND: CommandRefusal = {
  kind: "NotFound",
  code: "feedback.not_found",
  detail: "Không có phản ánh, kiến nghị này",
};
const NOT_YOUR_UNIT: CommandRefusal = {
  kind: "NotHeldByYourUnit",
  code: "feedback.not_your_unit",
  detail: "Phản ánh, kiến nghị này do đơn vị khác xử lý",
};
const CONCURRENT = {
  kind: "RevisionConflict",
  code: "feedback.revision_conflict",
  detail: "Phản ánh, kiến nghị vừa được người khác cập nhật; hãy tải lại rồi thao tác lại",
} as const satisfies CommandRefusal;

const REFUSAL_DETAILS: Readonly<Record<FeedbackRefusal["code"], string>> = {
  "feedback.already_exists": "Phản ánh, kiến nghị này đã được gửi",
  "feedback.not_found": "Không có phản ánh, kiến nghị này",
  "feedback.already_closed": "Phản ánh, kiến nghị đã đóng; không thể thao tác thêm",
  "feedback.already_erased": "Thông tin của người gửi đã được xoá",
  "feedback.already_answered": "Phản ánh, kiến nghị đã được trả lời",
  "feedback.not_answered": "Phản ánh, kiến nghị chưa được trả lời",
  "feedback.assign_to_same": "Phản ánh, kiến nghị đã được giao như vậy",
  "feedback.already_overdue": "Phản ánh, kiến nghị đã quá hạn",
  "feedback.not_yet_due": "Chưa đến hạn xử lý",
};

const refusalOf = (refusal: FeedbackRefusal): CommandRefusal =>
  refusal.code === "feedback.not_found"
    ? NOT_FOUND
    : { kind: "NotAllowed", code: refusal.code, detail: REFUSAL_DETAILS[refusal.code] };

const unknownField = (field: string, message: string, detail: string): CommandRefusal => ({
  kind: "UnknownReference",
  code: "reference.unknown",
  detail,
  fields: [{ field, message }],
});

function toNewEvents(
  feedbackId: string,
  events: readonly FeedbackEvent[],
  request: FeedbackRequest,
): NewEvent[] {
  return events.map((event) => {
    const paths = FEEDBACK_FREE_TEXT_PATHS[event.type];
    return {
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data as unknown as JsonObject,
      metadata: {
        commandId: request.commandId,
        correlationId: request.correlationId,
        causationId: null,
        actor: stripUndefined(request.actor),
        occurredAt: event.data.at,
        ...(request.commandHash ? { commandHash: request.commandHash } : {}),
      },
      // The sender's words and contact, and the answer, sealed under the feedback's own key.
      ...(paths.length > 0 ? { personal: { subjectId: feedbackSubjectId(feedbackId), paths } } : {}),
    };
  });
}

function answerOf(
  feedbackId: string,
  state: FeedbackState,
  revision: number,
  position: number,
): FeedbackAnswer {
  return {
    feedbackId,
    status: state.status === "none" ? "received" : state.status,
    unitId: state.unitId ?? "",
    dueAt: state.dueAt ?? "",
    overdue: state.overdue,
    revision,
    position,
  };
}

async function append(
  deps: CommandDeps,
  loaded: LoadedFeedback,
  events: readonly FeedbackEvent[],
  request: FeedbackRequest,
): Promise<FeedbackResult> {
  try {
    const result = await deps.store.append(
      feedbackStreamId(loaded.feedbackId),
      toNewEvents(loaded.feedbackId, events, request),
      {
        expectedRevision: loaded.revision === 0 ? "no_stream" : loaded.revision,
        commandId: request.commandId,
      },
    );
    const state = result.events.map(toFeedbackEvent).reduce(feedbackDecider.evolve, loaded.state);
    return { ok: true, answer: answerOf(loaded.feedbackId, state, result.lastRevision, result.lastPosition) };
  } catch (error) {
    if (error instanceof RevisionConflictError) return { ok: false, refusal: CONCURRENT };
    throw error;
  }
}

export interface SubmitFeedbackInput {
  readonly about: FeedbackAbout;
  readonly content: string;
  readonly contact: string | null;
}

export interface FeedbackSettings {
  /** FEEDBACK_HANDLING_WORKING_DAYS: the legal handling time. */
  readonly handlingWorkingDays: number;
  /** The unit holding a dossier by its code (the read models know), or null when there is none. */
  readonly holderOfDossier: (code: string) => Promise<string | null>;
}

/**
 * Which unit handles a feedback: the unit the sender named; else the unit holding the dossier they named;
 * else, for a procedure alone, the one unit at the procedure's level (a province-level procedure has one
 * handler), and when that level has several units the sender is asked to name theirs.
 */
export async function handlingUnitOf(
  deps: CommandDeps,
  settings: Pick<FeedbackSettings, "holderOfDossier">,
  about: FeedbackAbout,
  now: string,
): Promise<{ unitId: string } | CommandRefusal> {
  if (about.procedureId !== null && (await deps.reference.procedure(about.procedureId)) === null) {
    return unknownField("about.procedureId", "không có thủ tục này", "Không có thủ tục hành chính này");
  }
  if (about.unitId !== null) {
    if ((await deps.reference.unit(about.unitId)) === null) {
      return unknownField("about.unitId", "không có đơn vị này", "Không có đơn vị này");
    }
    return { unitId: about.unitId };
  }
  if (about.dossierCode !== null) {
    const holder = await settings.holderOfDossier(about.dossierCode);
    if (holder === null) {
      return unknownField("about.dossierCode", "không có hồ sơ mang mã này", "Không có hồ sơ mang mã này");
    }
    return { unitId: holder };
  }
  if (about.procedureId !== null) {
    const procedure = await deps.reference.procedure(about.procedureId);
    const day = localDateOf(parseInstant(now));
    const units = (await listUnits(deps.db)).filter(
      (u) =>
        u.level === procedure?.level &&
        (u.validFrom ?? "0000") <= day &&
        (u.validTo === undefined || day <= u.validTo),
    );
    if (units.length === 1) return { unitId: (units[0] as { unitId: string }).unitId };
    return unknownField(
      "about.unitId",
      "hãy chọn đơn vị giải quyết thủ tục này",
      "Thủ tục này do nhiều đơn vị giải quyết; hãy chọn đơn vị",
    );
  }
  return unknownField(
    "about",
    "hãy chọn đơn vị, thủ tục hoặc mã hồ sơ",
    "Phản ánh cần nêu đơn vị, thủ tục hoặc hồ sơ",
  );
}

/**
 * A citizen's feedback: decided on the handling unit's calendar, appended to a new stream whose id the
 * tracking code gives. A code already taken (one in a trillion) is drawn again.
 */
export async function submitFeedback(
  deps: CommandDeps,
  input: SubmitFeedbackInput,
  request: FeedbackRequest,
  settings: FeedbackSettings,
): Promise<FeedbackResult<FeedbackAnswer & { trackingCode: string }>> {
  const now = deps.now().toISOString();
  const handling = await handlingUnitOf(deps, settings, input.about, now);
  if ("kind" in handling) return { ok: false, refusal: handling };
  const schedule = await deps.reference.schedule(handling.unitId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const trackingCode = newTrackingCode();
    const feedbackId = feedbackIdOf(deps.subjectSecret, trackingCode);
    const command: FeedbackCommand = {
      type: "SubmitFeedback",
      data: {
        feedbackId,
        ...input,
        unitId: handling.unitId,
        handlingWorkingDays: settings.handlingWorkingDays,
      },
    };
    const decision = feedbackDecider.decide(command, feedbackDecider.initialState(), {
      now,
      actor: request.actor,
      schedule,
    });
    if (!decision.ok) return { ok: false, refusal: refusalOf(decision.refusal) };
    const loaded: LoadedFeedback = {
      feedbackId,
      state: feedbackDecider.initialState(),
      revision: 0,
      events: [],
    };
    const outcome = await append(deps, loaded, decision.events, {
      ...request,
      // Each drawn code is its own command: a retry after a collision must not look like a replay.
      commandId: attempt === 0 ? request.commandId : uuidFromName(request.commandId, String(attempt)),
    });
    if (outcome.ok) return { ok: true, answer: { ...outcome.answer, trackingCode } };
    if (outcome.refusal.kind !== "RevisionConflict") return outcome;
  }
  throw new Error("submitFeedback: five tracking codes in a row were taken");
}

/** Who may work on a feedback: officers of the unit handling it, and admins. */
export const mayHandleFeedback = (actor: Actor, state: FeedbackState): boolean =>
  state.unitId !== null &&
  (actor.role === "admin" ||
    actor.role === "system" ||
    (actor.role === "officer" &&
      mayAct({ role: "officer", unitId: actor.unitId ?? undefined }, state.unitId)));

/** Assign, answer or close, by an officer of the handling unit (or an admin). */
export async function handleFeedbackCommand(
  deps: CommandDeps,
  feedbackId: string,
  command: Exclude<
    FeedbackCommand,
    { type: "SubmitFeedback" | "MarkFeedbackOverdue" | "EraseFeedbackSender" }
  >,
  request: FeedbackRequest,
): Promise<FeedbackResult> {
  const loaded = await loadFeedback(deps, feedbackId);
  if (loaded.state.status === "none") return { ok: false, refusal: NOT_FOUND };
  // A retried command (same Idempotency-Key) answers as the first time.
  const mine = loaded.events.filter((e) => e.metadata.commandId === request.commandId);
  if (mine.length > 0) {
    const upTo = loaded.events.filter((e) => e.revision <= (mine.at(-1)?.revision ?? 0));
    const state = upTo.map(toFeedbackEvent).reduce(feedbackDecider.evolve, feedbackDecider.initialState());
    return {
      ok: true,
      answer: answerOf(feedbackId, state, mine.at(-1)?.revision ?? 0, mine.at(-1)?.position ?? 0),
    };
  }
  if (!mayHandleFeedback(request.actor, loaded.state)) return { ok: false, refusal: NOT_YOUR_UNIT };
  if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision) {
    return {
      ok: false,
      refusal: {
        ...CONCURRENT,
        detail: `Phản ánh đang ở phiên bản ${loaded.revision}, không phải ${request.expectedRevision}`,
        revision: loaded.revision,
      },
    };
  }
  if (command.type === "AssignFeedback" && (await deps.reference.unit(command.data.toUnitId)) === null) {
    return { ok: false, refusal: unknownField("toUnitId", "không có đơn vị này", "Không có đơn vị này") };
  }
  const decision = feedbackDecider.decide(command, loaded.state, {
    now: deps.now().toISOString(),
    actor: request.actor,
    schedule: await deps.reference.schedule(loaded.state.unitId as string),
  });
  if (!decision.ok) return { ok: false, refusal: refusalOf(decision.refusal) };
  return append(deps, loaded, decision.events, request);
}

/**
 * The deadline watcher's command: records `FeedbackBecameOverdue` at the due moment when the feedback is
 * still unanswered, and nothing otherwise (null). Its command id derives from the deadline, so a watcher
 * firing twice records it once.
 */
export async function markFeedbackOverdue(
  deps: CommandDeps,
  feedbackId: string,
): Promise<FeedbackAnswer | null> {
  const loaded = await loadFeedback(deps, feedbackId);
  const { state } = loaded;
  if (state.status === "none" || state.dueAt === null || state.unitId === null) return null;
  const decision = feedbackDecider.decide({ type: "MarkFeedbackOverdue", data: {} }, state, {
    now: deps.now().toISOString(),
    actor: FEEDBACK_WATCHER,
    schedule: await deps.reference.schedule(state.unitId),
  });
  if (!decision.ok) return null;
  const outcome = await append(deps, loaded, decision.events, {
    actor: FEEDBACK_WATCHER,
    commandId: uuidFromName("motcua.feedback-overdue", `${feedbackId}@${state.dueAt}`),
    correlationId: "deadline-watcher",
  });
  return outcome.ok ? outcome.answer : null;
}

/**
 * An admin erases the sender's data (their words, contact and the answer, which may quote them): first a
 * `FeedbackSenderErased` event holding only the ground, then the feedback's key is destroyed, so every
 * sealed value reads as erased while every hash still verifies. The event comes first so that a crash in
 * between leaves the key and a retry finishes the job (an erased feedback only has its key destroyed again).
 */
export async function eraseFeedbackSender(
  deps: CommandDeps,
  feedbackId: string,
  reason: string,
  request: FeedbackRequest,
): Promise<FeedbackResult> {
  const loaded = await loadFeedback(deps, feedbackId);
  if (loaded.state.status === "none") return { ok: false, refusal: NOT_FOUND };
  if (request.actor.role !== "admin") {
    return {
      ok: false,
      refusal: {
        kind: "NotHeldByYourUnit",
        code: "feedback.not_your_unit",
        detail: "Chỉ quản trị hệ thống được xoá thông tin người gửi",
      },
    };
  }
  let outcome: FeedbackResult;
  if (loaded.state.erased) {
    const last = loaded.events.at(-1) as RecordedEvent;
    outcome = { ok: true, answer: answerOf(feedbackId, loaded.state, last.revision, last.position) };
  } else {
    const decision = feedbackDecider.decide({ type: "EraseFeedbackSender", data: { reason } }, loaded.state, {
      now: deps.now().toISOString(),
      actor: request.actor,
      schedule: await deps.reference.schedule(loaded.state.unitId as string),
    });
    if (!decision.ok) return { ok: false, refusal: refusalOf(decision.refusal) };
    outcome = await append(deps, loaded, decision.events, request);
    if (!outcome.ok) return outcome;
  }
  await deps.store.forget(feedbackSubjectId(feedbackId));
  return outcome;
}

/** A feedback as officers read it: with the sender's words, contact and the answer (decrypted). */
export interface FeedbackDetail extends FeedbackAnswer {
  readonly about: FeedbackAbout;
  readonly receivingUnitId: string;
  readonly officerId: string | null;
  /** Null once erased. */
  readonly content: string | null;
  readonly contact: string | null;
  readonly submittedAt: string;
  readonly answer: string | null;
  readonly answeredAt: string | null;
  readonly answerTimeliness: "on_time" | "late" | null;
  readonly published: boolean;
  readonly closedAt: string | null;
  /** The sender's data was erased (content, contact and answer read as null). */
  readonly erased: boolean;
  readonly history: readonly { type: string; at: string; actorRole: string; revision: number }[];
}

const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

function detailOf(loaded: LoadedFeedback): FeedbackDetail | null {
  const first = loaded.events[0];
  if (first === undefined || loaded.state.status === "none") return null;
  const submitted = first.data as Record<string, unknown>;
  const answered = loaded.events.find((e) => e.type === "FeedbackAnswered")?.data as
    | Record<string, unknown>
    | undefined;
  const closed = loaded.events.find((e) => e.type === "FeedbackClosed");
  const last = loaded.events.at(-1) as RecordedEvent;
  return {
    ...answerOf(loaded.feedbackId, loaded.state, last.revision, last.position),
    about: submitted.about as FeedbackAbout,
    receivingUnitId: String(submitted.unitId),
    officerId: loaded.state.officerId,
    content: textOrNull(submitted.content),
    contact: textOrNull(submitted.contact),
    submittedAt: String(submitted.at),
    answer: answered ? textOrNull(answered.answer) : null,
    answeredAt: answered ? String(answered.at) : null,
    answerTimeliness: answered ? (answered.timeliness as "on_time" | "late") : null,
    published: loaded.state.published,
    closedAt: closed ? String((closed.data as Record<string, unknown>).at) : null,
    erased: loaded.state.erased,
    history: loaded.events.map((e) => ({
      type: e.type,
      at: String((e.data as Record<string, unknown>).at),
      actorRole: e.metadata.actor.role,
      revision: e.revision,
    })),
  };
}

/** One feedback for an officer of its handling unit (or an admin); null when there is none. */
export async function readFeedback(
  deps: CommandDeps,
  feedbackId: string,
  actor: Actor,
): Promise<FeedbackResult<FeedbackDetail>> {
  const loaded = await loadFeedback(deps, feedbackId);
  const detail = detailOf(loaded);
  if (detail === null) return { ok: false, refusal: NOT_FOUND };
  if (!mayHandleFeedback(actor, loaded.state)) return { ok: false, refusal: NOT_YOUR_UNIT };
  return { ok: true, answer: detail };
}

/** What the holder of a tracking code sees: where it stands, and the answer only once published. */
export interface PublicFeedbackView {
  readonly trackingCode: string;
  readonly status: Exclude<FeedbackState["status"], "none">;
  readonly unitId: string;
  readonly submittedAt: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly answeredAt: string | null;
  /** Only when published; never the sender's words nor their contact. */
  readonly answer: string | null;
  readonly published: boolean;
}

/** The public lookup by tracking code; null for a code that opens nothing (or is not one). */
export async function publicFeedback(
  deps: CommandDeps,
  typedCode: string,
): Promise<PublicFeedbackView | null> {
  const trackingCode = normalizeTrackingCode(typedCode);
  if (trackingCode === null) return null;
  const detail = detailOf(await loadFeedback(deps, feedbackIdOf(deps.subjectSecret, trackingCode)));
  if (detail === null) return null;
  const now = deps.now().getTime();
  const open = detail.status === "received" || detail.status === "assigned";
  return {
    trackingCode,
    status: detail.status,
    unitId: detail.unitId,
    submittedAt: detail.submittedAt,
    dueAt: detail.dueAt,
    overdue: detail.overdue || (open && parseInstant(detail.dueAt) <= now),
    answeredAt: detail.answeredAt,
    answer: detail.published ? detail.answer : null,
    published: detail.published,
  };
}
