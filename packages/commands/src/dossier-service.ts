import { type DossierCommand, isDueAtProvisional, type WorkSchedule } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import { ReferenceCache, type ReferenceDatabase, unitNames } from "@motcua/reference-data";
import type { Kysely } from "kysely";
import type { CommandDeps, CommandRequest } from "./command-request";
import { FoldedDossiers } from "./folded-dossiers";
import { handleDossierCommand } from "./handle-dossier-command";
import { type ImportedAction, type ImportedReceipt, importHistory } from "./import-history";
import { acceptSubmission, refuseIntake } from "./intake";
import { type LoadedDossier, loadDossier } from "./load-dossier";
import { markOverdue } from "./mark-overdue";
import { answerOrThrow, type CommandAnswer } from "./outcomes";
import { type Receipt, receiveDossier, type Submission, submitDossier } from "./receive-dossier";
import { type FingerprintSubject, requestFingerprint } from "./request-fingerprint";

export interface DossierServiceDeps {
  readonly store: EventStore;
  readonly db: Kysely<ReferenceDatabase>;
  /** Keys the pseudonymous applicant subject ids (the vault master key serves). */
  readonly subjectSecret: Buffer;
  readonly now: () => Date;
  /**
   * How many dossiers' folded states to keep between commands in this process (least recently used out
   * first); 0 or absent: every command reads its dossier's stream.
   */
  readonly foldedDossiers?: number;
  /** How many units, procedures and schedules the reference cache keeps (default 20,000). */
  readonly referenceEntries?: number;
}

/**
 * The handle a service holds on the command functions: their dependencies bound once, with the reference
 * cache they share. Each use case lives in its own module and answers refusals as data (the
 * API's routes call them so); these methods throw a refusal as `CommandRefused`, for tests and tools.
 */
export class DossierService {
  readonly deps: CommandDeps;

  constructor(deps: DossierServiceDeps) {
    // Calendars, units and procedures change rarely; a few seconds' cache keeps them off the hot path.
    const { foldedDossiers, referenceEntries, ...rest } = deps;
    this.deps = {
      ...rest,
      reference: new ReferenceCache(deps.db, {
        ttlMs: 5_000,
        ...(referenceEntries ? { maxEntries: referenceEntries } : {}),
      }),
      ...(foldedDossiers ? { folded: new FoldedDossiers(foldedDossiers) } : {}),
    };
  }

  get reference(): ReferenceCache {
    return this.deps.reference;
  }

  load(dossierId: string): Promise<LoadedDossier> {
    return loadDossier(this.deps.store, dossierId);
  }

  schedule(unitId: string): Promise<WorkSchedule> {
    return this.deps.reference.schedule(unitId);
  }

  /** An admin changed reference data in this process: forget what was cached at once. */
  forgetCachedSchedules(): void {
    this.deps.reference.forget();
  }

  /** The years whose official calendar notice is loaded. */
  yearsWithNotice(): Promise<ReadonlySet<number>> {
    return this.deps.reference.yearsWithNotice();
  }

  /** Whether a due moment is provisional against the calendars loaded now (DOMAIN.md). */
  async isDueAtProvisional(dueAt: string | null): Promise<boolean> {
    return dueAt !== null && isDueAtProvisional(await this.yearsWithNotice(), dueAt);
  }

  /** Unit names for showing beside ids (history, steps, delays); unknown ids are left out. */
  unitNames(unitIds: Iterable<string>): Promise<Map<string, string>> {
    return unitNames(this.deps.db, unitIds);
  }

  requestFingerprint(about: FingerprintSubject, commandId: string, request: unknown): Promise<string> {
    return requestFingerprint(this.deps, about, commandId, request);
  }

  async receive(input: Receipt, request: CommandRequest): Promise<CommandAnswer> {
    return answerOrThrow(await receiveDossier(this.deps, input, request));
  }

  async submit(input: Submission, request: CommandRequest): Promise<CommandAnswer> {
    return answerOrThrow(await submitDossier(this.deps, input, request));
  }

  async accept(dossierId: string, request: CommandRequest): Promise<CommandAnswer> {
    return answerOrThrow(await acceptSubmission(this.deps, dossierId, request));
  }

  async refuseIntake(dossierId: string, reason: string, request: CommandRequest): Promise<CommandAnswer> {
    return answerOrThrow(await refuseIntake(this.deps, dossierId, reason, request));
  }

  /** Any command on a received dossier, by its holding unit's officer (or an admin). */
  async execute(dossierId: string, command: DossierCommand, request: CommandRequest): Promise<CommandAnswer> {
    return answerOrThrow(await handleDossierCommand(this.deps, dossierId, command, request));
  }

  async importHistory(
    input: ImportedReceipt,
    actions: readonly ImportedAction[],
    request: CommandRequest,
  ): Promise<CommandAnswer> {
    return answerOrThrow(await importHistory(this.deps, input, actions, request));
  }

  markOverdue(dossierId: string, correlationId?: string): Promise<CommandAnswer | null> {
    return markOverdue(this.deps, dossierId, correlationId);
  }
}
