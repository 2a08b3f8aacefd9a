import type { ProcedureVersion, Unit, WorkSchedule } from "@motcua/domain";
import type { Kysely } from "kysely";
import type { ReferenceDatabase } from "./database";
import {
  getProcedure,
  getProcedureVersion,
  getUnit,
  listCalendarYears,
  loadWorkSchedule,
} from "./reference-data";

interface Entry {
  readonly value: unknown;
  readonly at: number;
}

export interface ReferenceCacheOptions {
  /** How long a looked-up value is served before it is looked up again. */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * Units, procedures, schedules and calendar years, looked up at most once per TTL: they change rarely,
 * and every receipt, command and sweep asks for the same few. An admin's change in this process clears
 * the cache at once (`forget`); other processes see it within the TTL. What does not exist is never
 * cached, so a unit or procedure created a moment ago is found at once.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<ReferenceDatabase>,
    options: ReferenceCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  private fresh(entry: Entry | undefined): entry is Entry {
    return entry !== undefined && this.now() - entry.at < this.ttlMs;
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (this.fresh(hit)) return hit.value as T;
    const value = await load();
    if (value !== null) this.entries.set(key, { value, at: this.now() });
    return value;
  }

  unit(unitId: string): Promise<Unit | null> {
    return this.cached(`unit:${unitId}`, () => getUnit(this.db, unitId));
  }

  /** The procedure's current version. */
  procedure(procedureId: string): Promise<ProcedureVersion | null> {
    return this.cached(`procedure:${procedureId}`, () => getProcedure(this.db, procedureId));
  }

  procedureVersion(procedureId: string, version: number): Promise<ProcedureVersion | null> {
    return this.cached(`procedure:${procedureId}@${version}`, () =>
      getProcedureVersion(this.db, procedureId, version),
    );
  }

  /** The unit's working calendar and office hours. */
  schedule(unitId: string): Promise<WorkSchedule> {
    return this.cached(`schedule:${unitId}`, () => loadWorkSchedule(this.db, unitId));
  }

  /** The years whose official calendar notice is loaded. */
  yearsWithNotice(): Promise<ReadonlySet<number>> {
    return this.cached("calendar-years", async () => new Set(await listCalendarYears(this.db)));
  }

  /** The units a decision judges (competence, validity), by id; unknown ids are left out. */
  async unitsById(unitIds: readonly string[]): Promise<Record<string, Unit>> {
    const units = await Promise.all([...new Set(unitIds)].map((id) => this.unit(id)));
    return Object.fromEntries(units.filter((u): u is Unit => u !== null).map((u) => [u.unitId, u]));
  }

  /**
   * Loads the schedules and units of these units unless fresh, for the synchronous `scheduleOf` and
   * `unitNameOf` inside a transaction (nothing there should wait for a second connection).
   */
  async load(unitIds: Iterable<string>): Promise<void> {
    const stale = [...new Set(unitIds)].filter(
      (id) => !this.fresh(this.entries.get(`schedule:${id}`)) || !this.fresh(this.entries.get(`unit:${id}`)),
    );
    await Promise.all(stale.flatMap((id) => [this.schedule(id), this.unit(id)]));
  }

  /** Units whose schedule was never loaded (one loaded once stays usable; `load` refreshes it). */
  unknown(unitIds: Iterable<string>): string[] {
    return [...new Set(unitIds)].filter((id) => !this.entries.has(`schedule:${id}`));
  }

  /** After `load`: the unit's schedule. */
  scheduleOf(unitId: string): WorkSchedule {
    const entry = this.entries.get(`schedule:${unitId}`);
    if (entry === undefined) throw new Error(`schedule of unit ${unitId} was not loaded`);
    return entry.value as WorkSchedule;
  }

  /** After `load`: the unit's name; a unit gone from reference data is named by its id. */
  unitNameOf(unitId: string): string {
    return (this.entries.get(`unit:${unitId}`)?.value as Unit | undefined)?.name ?? unitId;
  }

  forget(): void {
    this.entries.clear();
  }
}
