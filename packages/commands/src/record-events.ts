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
  type EventMetadata,
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
  // Literals and plain assignments rather than conditional spreads: in Node 20 a spread followed by keys
  // its source lacks costs microseconds, for each event of each command.
  return events.map((event, index) => {
    const eventActor = (Array.isArray(actor) ? actor[index] : actor) as Actor;
    const data = event.data as unknown as JsonObject;
    const paths = FREE_TEXT_PATHS[event.type];
    const metadata: EventMetadata = {
      commandId: request.commandId,
      correlationId: request.correlationId,
      causationId: null,
      actor: stripUndefined(eventActor),
      occurredAt: event.data.at,
    };
    // An imported action done by someone else: they are its actor, the importing admin recorded it.
    if (eventActor.id !== recorder.id) metadata.recordedBy = stripUndefined(recorder);
    if (request.commandHash) metadata.commandHash = request.commandHash;
    const newEvent: NewEvent = { type: event.type, schemaVersion: event.schemaVersion, data, metadata };
    if (PERSONAL_DATA_FIELD in data) newEvent.personal = { subjectId, field: PERSONAL_DATA_FIELD, paths };
    else if (paths.length > 0) newEvent.personal = { subjectId, paths };
    return newEvent;
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
  /**
   * The command ids already applied to the dossier: given, the state after the append is kept in the
   * process's folded dossiers (`deps.folded`) for the next command.
   */
  readonly applied?: ReadonlySet<string>;
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
  const state = result.events.map(toDomainEvent).reduce(evolve, appending.from ?? initialState());
  const revision = result.events.at(-1)?.revision ?? 0;
  if (deps.folded && appending.applied)
    deps.folded.remember(dossierId, {
      state,
      revision,
      position: result.lastPosition,
      commandIds: new Set(appending.applied).add(request.commandId),
      subjectId: appending.subjectId,
    });
  return answered(await answerOf(deps, dossierId, state, revision, result.lastPosition));
}

/** The answer after `events`, folded onto `from` (the state before them; a fresh dossier by default). */
export function answerAfter(
  deps: CommandDeps,
  dossierId: string,
  events: readonly RecordedEvent[],
  lastPosition: number,
  from: DossierState = initialState(),
): Promise<CommandAnswer> {
  const state = events.map(toDomainEvent).reduce(evolve, from);
  return answerOf(deps, dossierId, state, events.at(-1)?.revision ?? 0, lastPosition);
}

/** The answer a command gives: the dossier in `state` at `revision`, after `lastPosition`. */
async function answerOf(
  deps: CommandDeps,
  dossierId: string,
  state: DossierState,
  revision: number,
  lastPosition: number,
): Promise<CommandAnswer> {
  const received = asReceived(state);
  const dueAt = received?.dueAt ?? null;
  return {
    dossierId,
    code: received?.code ?? "",
    status: state.status,
    dueAt,
    dueAtProvisional: dueAt !== null && isDueAtProvisional(await deps.reference.yearsWithNotice(), dueAt),
    revision,
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
