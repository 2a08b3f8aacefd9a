import {
  type Actor,
  type DossierEvent,
  type DossierState,
  dossierStreamId,
  evolve,
  FREE_TEXT_PATHS,
  initialState,
  isDueAtProvisional,
  PERSONAL_DATA_FIELD,
} from "@motcua/domain";
import {
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  RevisionConflictError,
} from "@motcua/event-store";
import { actorOf, type CommandDeps, type CommandRequest, stripUndefined } from "./command-request";
import { applicantSubjectId } from "./ids";
import { asReceived, type LoadedDossier, toDomainEvent } from "./load-dossier";
import {
  type AlreadyCode,
  answered,
  CONCURRENT_CHANGE,
  type CommandAnswer,
  type CommandResult,
  refused,
} from "./outcomes";

/**
 * The subject whose key seals a dossier's data: its applicant's, found in its first event. Once the
 * applicant is erased (or for a dossier without one), the dossier's own subject.
 */
export function subjectOf(deps: CommandDeps, dossierId: string, events: readonly RecordedEvent[]): string {
  const applicant = events[0]?.data[PERSONAL_DATA_FIELD];
  const idNumber =
    typeof applicant === "object" && applicant !== null && !Array.isArray(applicant) && !applicant.erased
      ? applicant.idNumber
      : undefined;
  return typeof idNumber === "string"
    ? applicantSubjectId(deps.subjectSecret, dossierId, idNumber)
    : `dossier:${dossierId}`;
}

/**
 * Every event of a dossier seals its applicant and its free text under one subject's key: the
 * applicant's (`subjectId`), so erasing the applicant erases what officers wrote about them too.
 */
function toNewEvents(
  events: readonly DossierEvent[],
  request: CommandRequest,
  subjectId: string,
  actor: Actor | readonly Actor[],
): NewEvent[] {
  const recorder = actorOf(request.principal);
  return events.map((event, index) => {
    const eventActor = (Array.isArray(actor) ? actor[index] : actor) as Actor;
    // An imported action done by someone else: they are its actor, the importing admin recorded it.
    const recordedBy = eventActor.id === recorder.id ? {} : { recordedBy: stripUndefined(recorder) };
    const data = event.data as unknown as JsonObject;
    const paths = FREE_TEXT_PATHS[event.type];
    return {
      type: event.type,
      schemaVersion: event.schemaVersion,
      data,
      metadata: {
        commandId: request.commandId,
        correlationId: request.correlationId,
        causationId: null,
        actor: stripUndefined(eventActor),
        ...recordedBy,
        occurredAt: event.data.at,
        ...(request.commandHash ? { commandHash: request.commandHash } : {}),
      },
      ...(PERSONAL_DATA_FIELD in data
        ? { personal: { subjectId, field: PERSONAL_DATA_FIELD, paths } }
        : paths.length > 0
          ? { personal: { subjectId, paths } }
          : {}),
    };
  });
}

export interface Appending {
  readonly dossierId: string;
  readonly events: readonly DossierEvent[];
  /** The revision the decision was made on, or `no_stream` for a new dossier. */
  readonly expected: number | "no_stream";
  readonly request: CommandRequest;
  readonly subjectId: string;
  /** Who did each event (default: the caller). */
  readonly actor?: Actor | readonly Actor[];
  /** The state the events were decided on (a fresh dossier by default). */
  readonly from?: DossierState;
}

/** Appends decided events in one append and answers with the dossier after them. */
export async function appendDecided(deps: CommandDeps, appending: Appending): Promise<CommandResult> {
  const { dossierId, request } = appending;
  const newEvents = toNewEvents(
    appending.events,
    request,
    appending.subjectId,
    appending.actor ?? actorOf(request.principal),
  );
  let result: Awaited<ReturnType<CommandDeps["store"]["append"]>>;
  try {
    result = await deps.store.append(dossierStreamId(dossierId), newEvents, {
      expectedRevision: appending.expected,
      commandId: request.commandId,
    });
  } catch (error) {
    if (error instanceof RevisionConflictError) return refused(CONCURRENT_CHANGE);
    throw error;
  }
  return answered(await answerAfter(deps, dossierId, result.events, result.lastPosition, appending.from));
}

/** The answer after `events`, folded onto `from` (the state before them; a fresh dossier by default). */
export async function answerAfter(
  deps: CommandDeps,
  dossierId: string,
  events: readonly RecordedEvent[],
  lastPosition: number,
  from: DossierState = initialState(),
): Promise<CommandAnswer> {
  const state = events.map(toDomainEvent).reduce(evolve, from);
  const received = asReceived(state);
  const last = events.at(-1);
  const dueAt = received?.dueAt ?? null;
  return {
    dossierId,
    code: received?.code ?? "",
    status: state.status,
    dueAt,
    dueAtProvisional: dueAt !== null && isDueAtProvisional(await deps.reference.yearsWithNotice(), dueAt),
    revision: last?.revision ?? 0,
    position: lastPosition,
  };
}

/**
 * The same command id already appended (a retry that lost its answer): answer as the first time.
 * Otherwise the dossier is there already and the command cannot apply.
 */
export async function replayOrRefuse(
  deps: CommandDeps,
  dossierId: string,
  loaded: LoadedDossier,
  request: CommandRequest,
  code: AlreadyCode,
): Promise<CommandResult> {
  const mine = loaded.events.filter((e) => e.metadata.commandId === request.commandId);
  if (mine.length > 0) {
    const upTo = loaded.events.filter((e) => e.revision <= (mine.at(-1)?.revision ?? 0));
    return answered(await answerAfter(deps, dossierId, upTo, mine.at(-1)?.position ?? 0));
  }
  return refused({ kind: "NotAllowed", code, detail: "The dossier has already been received" });
}
