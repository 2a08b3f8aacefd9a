import {
  type Actor,
  type CommandOf,
  type DecisionContext,
  type DossierCommand,
  type DossierEvent,
  type DossierState,
  decide,
  dossierStreamId,
  evolve,
  FREE_TEXT_PATHS,
  formatDossierCode,
  formatInstant,
  hasTakenOver,
  initialState,
  isDueAtProvisional,
  localDateOf,
  PERSONAL_DATA_FIELD,
  parseInstant,
  type ReceivedDossier,
  type Refusal,
  type Unit,
  type WorkSchedule,
} from "@motcua/domain";
import {
  canonicalJson,
  type EventStore,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  RevisionConflictError,
} from "@motcua/event-store";
import { AppError, type Principal } from "@motcua/platform";
import {
  nextDossierSequence,
  ReferenceCache,
  type ReferenceDatabase,
  unitNames,
} from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { mayAct } from "./authorization";
import { applicantSubjectId, serverRequestFingerprint, uuidFromName } from "./ids";

export interface DossierServiceDeps {
  readonly store: EventStore;
  readonly db: Kysely<ReferenceDatabase>;
  /** Keys the pseudonymous applicant subject ids (the vault master key serves). */
  readonly subjectSecret: Buffer;
  readonly now: () => Date;
}

/** What every command answers (API.md). */
export interface CommandAnswer {
  dossierId: string;
  code: string;
  status: string;
  dueAt: string | null;
  /** dueAt falls in a year whose official calendar notice is not loaded (counted on the law's fixed days). */
  dueAtProvisional: boolean;
  revision: number;
  position: number;
}

export interface CommandRequest {
  readonly principal: Principal;
  /** The historical moment (admins migrating history); otherwise now. */
  readonly at?: string | undefined;
  readonly commandId: string;
  readonly correlationId: string;
  /** From If-Match: the revision the caller last saw. */
  readonly expectedRevision?: number | undefined;
  /** The request's fingerprint (`requestFingerprint`), kept with the events it caused. */
  readonly commandHash?: string | undefined;
}

/** Whose key fingerprints a keyed request: the applicant in its body, or the applicant of its dossier. */
export type FingerprintSubject =
  | {
      readonly receipt: {
        readonly dossierId?: string | undefined;
        readonly applicant: { readonly idNumber?: string | undefined };
      };
    }
  | { readonly dossierId: string };

export interface LoadedDossier {
  readonly state: DossierState;
  readonly revision: number;
  readonly position: number;
  readonly events: readonly RecordedEvent[];
}

/** The actor of the system's own commands (the deadline watcher). */
export const SYSTEM_ACTOR: Actor = { id: "deadline-watcher", role: "system", unitId: null };

/** Who acts, as recorded with each event: the token's subject, name, role and unit. */
export const actorOf = (principal: Principal): Actor => ({
  id: principal.sub,
  name: principal.name,
  role: principal.role,
  unitId: principal.unitId ?? null,
});

/** The unit an intake command is judged against: where it was submitted, or the holder once received. */
const unitAnswerableFor = (state: DossierState): string | null =>
  state.status === "none" ? null : "currentUnitId" in state ? state.currentUnitId : state.unitId;

/** Stored events read back as domain events; they were validated when written and upcast when read. */
export const toDomainEvent = (e: RecordedEvent): DossierEvent =>
  ({ type: e.type, schemaVersion: e.schemaVersion, data: e.data }) as unknown as DossierEvent;

/** Refusals about a date the caller named: bad input (400 naming the field) rather than a state rule. */
const DATE_REFUSALS: Readonly<Record<string, { field: string | null; message: string }>> = {
  "time.out_of_range": { field: null, message: "must lie between 2000-01-01 and 2099-12-31" },
  "time.promised_at_too_far_ahead": {
    field: "promisedAt",
    message: "must lie at most five years after the dossier's receipt",
  },
  "time.step_due_at_too_far_ahead": {
    field: "stepDueAt",
    message: "must lie at most five years after the dossier's receipt",
  },
};

/**
 * The HTTP answer for a refusal: 404 for a dossier that does not exist, 400 for a bad `at` or a date too
 * far ahead, else 422. `atPath` names the action's time; its sibling fields share its parent path.
 */
export function refusalError(
  refusal: Refusal,
  atPath = "body.at",
  extensions: Record<string, unknown> = {},
): AppError {
  if (refusal.code === "dossier.not_found")
    return new AppError(404, refusal.code, "There is no such dossier");
  const dateRefusal = DATE_REFUSALS[refusal.code];
  if (dateRefusal !== undefined) {
    const parent = atPath.split(".").slice(0, -1).join(".");
    const path = dateRefusal.field === null ? atPath : `${parent}.${dateRefusal.field}`;
    return new AppError(400, refusal.code, refusal.message, {
      title: "Invalid request",
      errors: [{ path, message: dateRefusal.message }],
      extensions,
    });
  }
  if (refusal.code === "time.before_last_event") {
    return new AppError(400, "command.at_before_last_event", refusal.message, {
      title: "Invalid request",
      errors: [{ path: atPath, message: "must not precede the dossier's last event" }],
      extensions,
    });
  }
  return new AppError(422, refusal.code, refusal.message, { title: "Action not allowed", extensions });
}

export function asReceived(state: DossierState): ReceivedDossier | null {
  return state.status === "none" || state.status === "submitted" || state.status === "refused" ? null : state;
}

export class DossierService {
  /** Calendars, units and procedures change rarely; a few seconds' cache keeps them off the hot path. */
  readonly reference: ReferenceCache;

  constructor(private readonly deps: DossierServiceDeps) {
    this.reference = new ReferenceCache(deps.db, { ttlMs: 5_000 });
  }

  schedule(unitId: string): Promise<WorkSchedule> {
    return this.reference.schedule(unitId);
  }

  forgetCachedSchedules(): void {
    this.reference.forget();
  }

  /** The years whose official calendar notice is loaded, cached like the schedules. */
  yearsWithNotice(): Promise<ReadonlySet<number>> {
    return this.reference.yearsWithNotice();
  }

  /** Whether a due moment is provisional against the calendars loaded now (DOMAIN.md). */
  async isDueAtProvisional(dueAt: string | null): Promise<boolean> {
    return dueAt !== null && isDueAtProvisional(await this.yearsWithNotice(), dueAt);
  }

  private unitAndProcedure(unitId: string, procedureId: string) {
    return Promise.all([this.reference.unit(unitId), this.reference.procedure(procedureId)]);
  }

  private unit(unitId: string): Promise<Unit | null> {
    return this.reference.unit(unitId);
  }

  private unitsById(unitIds: readonly string[]): Promise<Record<string, Unit>> {
    return this.reference.unitsById(unitIds);
  }

  /** Whether `unitId` succeeded the holder, which has ceased by the moment of the action. */
  private async tookOver(unitId: string | undefined, holderId: string, now: string): Promise<boolean> {
    const holder = await this.unit(holderId);
    if (!unitId || !holder?.successorId) return false;
    const chain = new Map<string, Unit>([[holder.unitId, holder]]);
    for (let id: string | undefined = holder.successorId; id && !chain.has(id) && chain.size < 20; ) {
      const next = await this.unit(id);
      if (!next) break;
      chain.set(id, next);
      id = next.successorId;
    }
    const day = localDateOf(parseInstant(now));
    return hasTakenOver(unitId, holder, (id) => chain.get(id), day);
  }

  async load(dossierId: string): Promise<LoadedDossier> {
    const events: RecordedEvent[] = [];
    let state = initialState();
    for await (const e of this.deps.store.readStream(dossierStreamId(dossierId))) {
      events.push(e);
      state = evolve(state, toDomainEvent(e));
    }
    const last = events.at(-1);
    return { state, revision: last?.revision ?? 0, position: last?.position ?? 0, events };
  }

  /** The moment of the action: `at` for an admin's migration, never in the future; otherwise now. */
  private momentOf(request: CommandRequest): string {
    const now = this.deps.now();
    if (request.at === undefined) return now.toISOString();
    if (parseInstant(request.at) > now.getTime()) {
      throw new AppError(400, "command.at_in_future", "`at` must not lie in the future", {
        title: "Invalid request",
        errors: [{ path: "body.at", message: "must not lie in the future" }],
      });
    }
    return request.at;
  }

  /**
   * Every event of a dossier seals its applicant and its free text under one subject's key: the
   * applicant's (`subjectId`), so erasing the applicant erases what officers wrote about them too.
   */
  private toNewEvents(
    events: readonly DossierEvent[],
    request: CommandRequest,
    subjectId: string,
    actor: Actor | readonly Actor[] = actorOf(request.principal),
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

  /**
   * The subject whose key seals a dossier's data: its applicant's, found in its first event. Once the
   * applicant is erased (or for a dossier without one), the dossier's own subject.
   */
  private subjectOf(dossierId: string, events: readonly RecordedEvent[]): string {
    const applicant = events[0]?.data[PERSONAL_DATA_FIELD];
    const idNumber =
      typeof applicant === "object" && applicant !== null && !Array.isArray(applicant) && !applicant.erased
        ? applicant.idNumber
        : undefined;
    return typeof idNumber === "string"
      ? applicantSubjectId(this.deps.subjectSecret, dossierId, idNumber)
      : `dossier:${dossierId}`;
  }

  /**
   * A keyed request's fingerprint, for Idempotency-Key and the events' `commandHash`: an HMAC of the
   * request under a key derived from its applicant's own vault key, so neither a lookup nor a brute force
   * over ID numbers recovers anything from it, and erasing the applicant destroys the ability to
   * recompute it. A request about no known dossier is keyed by the server's secret instead.
   */
  async requestFingerprint(about: FingerprintSubject, commandId: string, request: unknown): Promise<string> {
    const message = canonicalJson(request as JsonObject);
    let subjectId: string | null;
    if ("receipt" in about) {
      const dossierId = about.receipt.dossierId ?? uuidFromName("motcua.dossier", commandId);
      subjectId = applicantSubjectId(this.deps.subjectSecret, dossierId, about.receipt.applicant.idNumber);
    } else {
      const first: RecordedEvent[] = [];
      for await (const e of this.deps.store.readStream(dossierStreamId(about.dossierId), { maxCount: 1 }))
        first.push(e);
      subjectId = first.length > 0 ? this.subjectOf(about.dossierId, first) : null;
    }
    return subjectId === null
      ? serverRequestFingerprint(this.deps.subjectSecret, message)
      : `s1:${await this.deps.store.subjectDigest(subjectId, message)}`;
  }

  private async append(
    dossierId: string,
    events: readonly DossierEvent[],
    expected: number | "no_stream",
    request: CommandRequest,
    subjectId: string,
    actor?: Actor | readonly Actor[],
  ) {
    try {
      return await this.deps.store.append(
        dossierStreamId(dossierId),
        this.toNewEvents(events, request, subjectId, actor),
        {
          expectedRevision: expected,
          commandId: request.commandId,
        },
      );
    } catch (error) {
      if (error instanceof RevisionConflictError) {
        throw new AppError(
          409,
          "dossier.revision_conflict",
          "The dossier changed meanwhile; reload it and retry",
        );
      }
      throw error;
    }
  }

  /** The answer after `events`, folded onto `from` (the state before them; a fresh dossier by default). */
  private async answer(
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
      dueAtProvisional: await this.isDueAtProvisional(dueAt),
      revision: last?.revision ?? 0,
      position: lastPosition,
    };
  }

  /** Receives a dossier at the counter, online or by post: issues its code and starts its clock. */
  async receive(
    input: {
      dossierId?: string | undefined;
      procedureId: string;
      unitId: string;
      channel: "direct" | "online" | "postal";
      applicant: {
        name: string;
        idNumber?: string | undefined;
        phone?: string | undefined;
        address?: string | undefined;
      };
      documents?: { name: string; digitized: boolean }[] | undefined;
    },
    request: CommandRequest,
  ): Promise<CommandAnswer> {
    const { principal } = request;
    if (!mayAct(principal, input.unitId)) {
      throw new AppError(
        403,
        "dossier.not_your_unit",
        "An officer receives dossiers only for their own unit",
      );
    }
    const [unit, procedure] = await this.unitAndProcedure(input.unitId, input.procedureId);
    const unknown = [
      ...(unit ? [] : [{ path: "body.unitId", message: "must be a known unit" }]),
      ...(procedure ? [] : [{ path: "body.procedureId", message: "must be a known procedure" }]),
    ];
    if (!unit || !procedure) {
      throw new AppError(400, "reference.unknown", "The unit or procedure does not exist", {
        title: "Invalid request",
        errors: unknown,
      });
    }
    const dossierId = input.dossierId ?? uuidFromName("motcua.dossier", request.commandId);
    const now = this.momentOf(request);
    const existing = await this.load(dossierId);
    if (existing.revision > 0)
      return this.replayOrRefuse(dossierId, existing, request, "dossier.already_received");
    const sequence = await nextDossierSequence(this.deps.db, unit.unitId, localDateOf(parseInstant(now)));
    const command: DossierCommand = {
      type: "ReceiveDossier",
      data: {
        dossierId,
        code: formatDossierCode(unit.code, parseInstant(now), sequence),
        unitId: unit.unitId,
        channel: input.channel,
        applicant: stripUndefined(input.applicant),
        documents: input.documents ?? [],
      },
    };
    const context: DecisionContext = {
      now,
      actor: actorOf(principal),
      schedule: await this.schedule(unit.unitId),
      procedure,
      units: { [unit.unitId]: unit },
    };
    const decision = decide(command, initialState(), context);
    if (!decision.ok) throw refusalError(decision.refusal);
    const subjectId = applicantSubjectId(this.deps.subjectSecret, dossierId, input.applicant.idNumber);
    const result = await this.append(dossierId, decision.events, "no_stream", request, subjectId);
    return this.answer(dossierId, result.events, result.lastPosition);
  }

  /**
   * The same command id already appended (a retry that lost its answer): answer as the first time.
   * Otherwise the dossier is there already and the command cannot apply.
   */
  private replayOrRefuse(
    dossierId: string,
    loaded: LoadedDossier,
    request: CommandRequest,
    code: string,
  ): Promise<CommandAnswer> {
    const mine = loaded.events.filter((e) => e.metadata.commandId === request.commandId);
    if (mine.length > 0) {
      const upTo = loaded.events.filter((e) => e.revision <= (mine.at(-1)?.revision ?? 0));
      return this.answer(dossierId, upTo, mine.at(-1)?.position ?? 0);
    }
    throw new AppError(422, code, "The dossier has already been received", { title: "Action not allowed" });
  }

  /** Any command on an existing dossier, by its holding unit's officer (or an admin). */
  async execute(dossierId: string, command: DossierCommand, request: CommandRequest): Promise<CommandAnswer> {
    const loaded = await this.load(dossierId);
    const dossier = asReceived(loaded.state);
    if (loaded.revision === 0 || !dossier) {
      throw new AppError(404, "dossier.not_found", "There is no such dossier");
    }
    const already = loaded.events.filter((e) => e.metadata.commandId === request.commandId);
    if (already.length > 0)
      return this.replayOrRefuse(dossierId, loaded, request, "dossier.command_replayed");
    const { principal } = request;
    const now = this.momentOf(request);
    if (
      !mayAct(principal, dossier.currentUnitId) &&
      !(await this.tookOver(principal.unitId, dossier.currentUnitId, now))
    ) {
      throw new AppError(
        403,
        "dossier.not_held_by_your_unit",
        "Only the unit holding the dossier (or the successor of a unit that ceased) may act on it",
      );
    }
    if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision) {
      throw new AppError(
        409,
        "dossier.revision_conflict",
        `The dossier is at revision ${loaded.revision}, not ${request.expectedRevision}`,
        {
          extensions: { revision: loaded.revision },
        },
      );
    }
    let handOver: Pick<DecisionContext, "units" | "procedure"> = {};
    if (command.type === "TransferDossier" || command.type === "ForwardDossier") {
      if (!(await this.unit(command.data.toUnitId))) {
        throw new AppError(400, "reference.unknown", "The unit to hand the dossier to does not exist", {
          title: "Invalid request",
          errors: [{ path: "body.toUnitId", message: "must be a known unit" }],
        });
      }
      // The target's validity, and for a transfer the path of the version the dossier was received under.
      const { procedureId, procedureVersion } = dossier.terms;
      const version =
        command.type === "TransferDossier"
          ? await this.reference.procedureVersion(procedureId, procedureVersion)
          : null;
      handOver = {
        units: await this.unitsById([command.data.toUnitId, dossier.currentUnitId]),
        ...(version ? { procedure: version } : {}),
      };
    }
    const context: DecisionContext = {
      now,
      actor: actorOf(principal),
      schedule: await this.schedule(dossier.receivingUnitId),
      ...handOver,
    };
    const decision = decide(command, loaded.state, context);
    if (!decision.ok) throw refusalError(decision.refusal);
    const subjectId = this.subjectOf(dossierId, loaded.events);
    const result = await this.append(dossierId, decision.events, loaded.revision, request, subjectId);
    return this.answer(dossierId, result.events, result.lastPosition, loaded.state);
  }

  /**
   * An online submission (the national or provincial portal, or an officer of the unit): the dossier
   * exists with its applicant and documents, but no code is issued and no clock runs until accepted.
   */
  async submit(
    input: Omit<Parameters<DossierService["receive"]>[0], "channel">,
    request: CommandRequest,
  ): Promise<CommandAnswer> {
    const { principal } = request;
    if (!mayAct(principal, input.unitId)) {
      throw new AppError(403, "dossier.not_your_unit", "An officer submits dossiers only for their own unit");
    }
    const [unit, procedure] = await this.unitAndProcedure(input.unitId, input.procedureId);
    if (!unit || !procedure) {
      throw new AppError(400, "reference.unknown", "The unit or procedure does not exist", {
        title: "Invalid request",
        errors: [
          ...(unit ? [] : [{ path: "body.unitId", message: "must be a known unit" }]),
          ...(procedure ? [] : [{ path: "body.procedureId", message: "must be a known procedure" }]),
        ],
      });
    }
    const dossierId = input.dossierId ?? uuidFromName("motcua.dossier", request.commandId);
    const now = this.momentOf(request);
    const existing = await this.load(dossierId);
    if (existing.revision > 0)
      return this.replayOrRefuse(dossierId, existing, request, "dossier.already_exists");
    const decision = decide(
      {
        type: "SubmitDossier",
        data: {
          dossierId,
          unitId: unit.unitId,
          applicant: stripUndefined(input.applicant),
          documents: input.documents ?? [],
        },
      },
      initialState(),
      {
        now,
        actor: actorOf(principal),
        schedule: await this.schedule(unit.unitId),
        procedure,
        units: { [unit.unitId]: unit },
      },
    );
    if (!decision.ok) throw refusalError(decision.refusal);
    const subjectId = applicantSubjectId(this.deps.subjectSecret, dossierId, input.applicant.idNumber);
    const result = await this.append(dossierId, decision.events, "no_stream", request, subjectId);
    return this.answer(dossierId, result.events, result.lastPosition);
  }

  /**
   * Loads a dossier for an intake decision (accept or refuse a submission): 404 when it does not exist,
   * the first answer for a replayed command, 403 for an officer of another unit, 409 for a stale If-Match.
   */
  private async loadForIntake(
    dossierId: string,
    request: CommandRequest,
  ): Promise<LoadedDossier | { replayed: CommandAnswer }> {
    const loaded = await this.load(dossierId);
    const unitId = unitAnswerableFor(loaded.state);
    if (loaded.revision === 0 || unitId === null) {
      throw new AppError(404, "dossier.not_found", "There is no such dossier");
    }
    if (loaded.events.some((e) => e.metadata.commandId === request.commandId))
      return { replayed: await this.replayOrRefuse(dossierId, loaded, request, "dossier.command_replayed") };
    const { principal } = request;
    if (!mayAct(principal, unitId)) {
      throw new AppError(
        403,
        "dossier.not_held_by_your_unit",
        "Only the unit the dossier was submitted to may accept or refuse it",
      );
    }
    if (request.expectedRevision !== undefined && request.expectedRevision !== loaded.revision) {
      throw new AppError(
        409,
        "dossier.revision_conflict",
        `The dossier is at revision ${loaded.revision}, not ${request.expectedRevision}`,
        { extensions: { revision: loaded.revision } },
      );
    }
    return loaded;
  }

  /**
   * Accepts an online submission: receipt as at the counter — the code is issued, the clock starts and
   * dueAt is computed under the procedure version the dossier was submitted under.
   */
  async accept(dossierId: string, request: CommandRequest): Promise<CommandAnswer> {
    const loaded = await this.loadForIntake(dossierId, request);
    if ("replayed" in loaded) return loaded.replayed;
    const { state } = loaded;
    const now = this.momentOf(request);
    const context = async (unitId: string, procedureId: string): Promise<DecisionContext> => {
      const procedure = await this.reference.procedure(procedureId);
      return {
        now,
        actor: actorOf(request.principal),
        schedule: await this.schedule(unitId),
        ...(procedure ? { procedure } : {}),
      };
    };
    if (state.status !== "submitted") {
      // Refused by the decider for the state it is in (already received, refused at intake, withdrawn…);
      // no code is issued for a refusal.
      const unitId = unitAnswerableFor(state) ?? "";
      const refusal = decide(
        { type: "ReceiveDossier", data: { dossierId, code: "", unitId, channel: "online", documents: [] } },
        state,
        await context(unitId, "terms" in state ? state.terms.procedureId : ""),
      );
      throw refusalError(refusal.ok ? { code: "dossier.not_submitted", message: "" } : refusal.refusal);
    }
    const submitted = loaded.events.find((e) => e.type === "DossierSubmitted");
    // The applicant and documents as submitted (the store hands them back decrypted).
    const { applicant, documents } = (submitted?.data ?? {}) as Partial<
      Pick<CommandOf<"ReceiveDossier">["data"], "applicant" | "documents">
    >;
    const unit = await this.reference.unit(state.unitId);
    if (!unit) throw new AppError(422, "reference.unknown", "The unit the dossier was submitted to is gone");
    const sequence = await nextDossierSequence(this.deps.db, unit.unitId, localDateOf(parseInstant(now)));
    // Where it may be received is judged under the version it was submitted under, at this moment.
    const { procedureId, procedureVersion } = state.terms;
    const submittedVersion = await this.reference.procedureVersion(procedureId, procedureVersion);
    const decision = decide(
      {
        type: "ReceiveDossier",
        data: {
          dossierId,
          code: formatDossierCode(unit.code, parseInstant(now), sequence),
          unitId: unit.unitId,
          channel: "online",
          ...(applicant ? { applicant } : {}),
          documents: documents ?? [],
        },
      },
      state,
      {
        ...(await context(unit.unitId, procedureId)),
        ...(submittedVersion ? { procedure: submittedVersion } : {}),
        units: { [unit.unitId]: unit },
      },
    );
    if (!decision.ok) throw refusalError(decision.refusal);
    const subjectId = this.subjectOf(dossierId, loaded.events);
    const result = await this.append(dossierId, decision.events, loaded.revision, request, subjectId);
    return this.answer(dossierId, result.events, result.lastPosition, state);
  }

  /** Refuses an online submission at intake (Mẫu 03): the dossier is closed and outside every report. */
  async refuseIntake(dossierId: string, reason: string, request: CommandRequest): Promise<CommandAnswer> {
    const loaded = await this.loadForIntake(dossierId, request);
    if ("replayed" in loaded) return loaded.replayed;
    const unitId = unitAnswerableFor(loaded.state) ?? "";
    const decision = decide({ type: "RefuseIntake", data: { reason } }, loaded.state, {
      now: this.momentOf(request),
      actor: actorOf(request.principal),
      schedule: await this.schedule(unitId),
    });
    if (!decision.ok) throw refusalError(decision.refusal);
    const subjectId = this.subjectOf(dossierId, loaded.events);
    const result = await this.append(dossierId, decision.events, loaded.revision, request, subjectId);
    return this.answer(dossierId, result.events, result.lastPosition, loaded.state);
  }

  /**
   * The deadline watcher's system command: records `DossierBecameOverdue` at the due moment when the
   * dossier is still pending past it, and nothing otherwise (null). Its command id is derived from the
   * deadline, so a watcher that fires twice, or restarts, records it once.
   */
  async markOverdue(dossierId: string, correlationId = "deadline-watcher"): Promise<CommandAnswer | null> {
    const loaded = await this.load(dossierId);
    const dossier = asReceived(loaded.state);
    if (!dossier || dossier.dueAt === null) return null;
    const context: DecisionContext = {
      now: this.deps.now().toISOString(),
      actor: SYSTEM_ACTOR,
      schedule: await this.schedule(dossier.receivingUnitId),
    };
    const decision = decide({ type: "MarkOverdue", data: {} }, loaded.state, context);
    if (!decision.ok) return null;
    const request: CommandRequest = {
      principal: { sub: SYSTEM_ACTOR.id, name: "Deadline watcher", role: "admin", unitId: undefined },
      commandId: uuidFromName("motcua.overdue", `${dossierId}@${dossier.dueAt}`),
      correlationId,
    };
    try {
      const result = await this.append(
        dossierId,
        decision.events,
        loaded.revision,
        request,
        this.subjectOf(dossierId, loaded.events),
        SYSTEM_ACTOR,
      );
      return this.answer(dossierId, result.events, result.lastPosition, loaded.state);
    } catch (error) {
      // Someone acted meanwhile: their action recorded the overdue event first, or the dossier moved on.
      if (error instanceof AppError && error.status === 409) return null;
      throw error;
    }
  }

  /**
   * A whole history from an earlier system, decided in order and appended in ONE append, so nobody ever
   * sees half of it. Deadlines the history passes get their overdue events at the deadline, as live; a
   * dossier still pending past its deadline today gets its overdue event too.
   */
  async importHistory(
    input: Parameters<DossierService["receive"]>[0] & {
      receivedAt: string;
      /** Who received it in the earlier system; also who did the actions that name nobody. */
      actor?: ImportedActor | undefined;
    },
    actions: readonly { command: DossierCommand; at: string; actor?: ImportedActor | undefined }[],
    request: CommandRequest,
  ): Promise<CommandAnswer> {
    const [unit, procedure] = await this.unitAndProcedure(input.unitId, input.procedureId);
    if (!unit || !procedure) {
      throw new AppError(400, "reference.unknown", "The unit or procedure does not exist", {
        title: "Invalid request",
        errors: [
          ...(unit ? [] : [{ path: "body.unitId", message: "must be a known unit" }]),
          ...(procedure ? [] : [{ path: "body.procedureId", message: "must be a known procedure" }]),
        ],
      });
    }
    const now = this.deps.now().getTime();
    const times = [
      { path: "body.receivedAt", at: input.receivedAt },
      ...actions.map((a, i) => ({ path: `body.actions.${i}.at`, at: a.at })),
    ];
    const future = times.filter((t) => parseInstant(t.at) > now);
    if (future.length > 0) {
      throw new AppError(400, "command.at_in_future", "A history cannot contain actions in the future", {
        title: "Invalid request",
        errors: future.map((t) => ({ path: t.path, message: "must not lie in the future" })),
      });
    }
    const handOvers = actions.flatMap((a, i) =>
      a.command.type === "TransferDossier" || a.command.type === "ForwardDossier"
        ? [{ path: `body.actions.${i}.toUnitId`, unitId: a.command.data.toUnitId }]
        : [],
    );
    const units = await this.unitsById([unit.unitId, ...handOvers.map((h) => h.unitId)]);
    const unknownUnits = handOvers.filter((h) => !(h.unitId in units));
    if (unknownUnits.length > 0) {
      throw new AppError(400, "reference.unknown", "A unit to hand the dossier to does not exist", {
        title: "Invalid request",
        errors: unknownUnits.map((h) => ({ path: h.path, message: "must be a known unit" })),
      });
    }
    const dossierId = input.dossierId ?? uuidFromName("motcua.dossier", request.commandId);
    const existing = await this.load(dossierId);
    if (existing.revision > 0)
      return this.replayOrRefuse(dossierId, existing, request, "dossier.already_received");

    const schedule = await this.schedule(unit.unitId);
    const actor = actorOf(request.principal);
    const named = [
      ...(input.actor ? [{ path: "body.actor.unitId", unitId: input.actor.unitId }] : []),
      ...actions.flatMap((a, i) =>
        a.actor ? [{ path: `body.actions.${i}.actor.unitId`, unitId: a.actor.unitId }] : [],
      ),
    ];
    const known = await unitNames(
      this.deps.db,
      named.map((n) => n.unitId),
    );
    const unknownOfficerUnits = named.filter((n) => !known.has(n.unitId));
    if (unknownOfficerUnits.length > 0) {
      throw new AppError(400, "reference.unknown", "An action's officer belongs to no known unit", {
        title: "Invalid request",
        errors: unknownOfficerUnits.map((n) => ({ path: n.path, message: "must be a known unit" })),
      });
    }
    const officer = (who: ImportedActor | undefined): Actor =>
      who ? { id: who.id, name: who.name, role: "officer", unitId: who.unitId } : actor;
    const receiptActor = officer(input.actor);
    const sequence = await nextDossierSequence(
      this.deps.db,
      unit.unitId,
      localDateOf(parseInstant(input.receivedAt)),
    );
    const steps: { command: DossierCommand; at: string; index: number | null; actor: Actor }[] = [
      {
        command: {
          type: "ReceiveDossier",
          data: {
            dossierId,
            code: formatDossierCode(unit.code, parseInstant(input.receivedAt), sequence),
            unitId: unit.unitId,
            channel: input.channel,
            applicant: stripUndefined(input.applicant),
            documents: input.documents ?? [],
          },
        },
        at: input.receivedAt,
        index: null,
        actor: receiptActor,
      },
      ...actions.map((a, index) => ({ ...a, index, actor: a.actor ? officer(a.actor) : receiptActor })),
    ];
    let state = initialState();
    const events: DossierEvent[] = [];
    const eventActors: Actor[] = [];
    for (const step of steps) {
      // Each action is judged at its own moment (`at`): a unit closed since then still took it then.
      const decision = decide(step.command, state, {
        now: step.at,
        actor: step.actor,
        schedule,
        procedure,
        units,
      });
      if (!decision.ok) {
        const where = step.index === null ? "the receipt" : `action ${step.index}`;
        throw refusalError(
          { code: decision.refusal.code, message: `${where}: ${decision.refusal.message}` },
          step.index === null ? "body.receivedAt" : `body.actions.${step.index}.at`,
          step.index === null ? {} : { actionIndex: step.index },
        );
      }
      for (const e of decision.events) {
        events.push(e);
        eventActors.push(step.actor);
        state = evolve(state, e);
      }
    }
    const overdue = decide({ type: "MarkOverdue", data: {} }, state, {
      now: formatInstant(now),
      actor,
      schedule,
    });
    if (overdue.ok) {
      events.push(...overdue.events);
      eventActors.push(...overdue.events.map(() => actor));
    }
    const subjectId = applicantSubjectId(this.deps.subjectSecret, dossierId, input.applicant.idNumber);
    const result = await this.append(dossierId, events, "no_stream", request, subjectId, eventActors);
    return this.answer(dossierId, result.events, result.lastPosition);
  }

  /** Unit names for showing beside ids (history, steps, delays); unknown ids are left out. */
  unitNames(unitIds: Iterable<string>): Promise<Map<string, string>> {
    return unitNames(this.deps.db, unitIds);
  }
}

/** The officer who really did an imported action in the earlier system (API.md: import actions). */
export interface ImportedActor {
  readonly id: string;
  readonly name: string;
  readonly unitId: string;
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
