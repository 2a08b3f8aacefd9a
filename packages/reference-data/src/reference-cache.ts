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
  /**
   * At most this many values are kept (least recently used out first; a unit's entry and its schedule's
   * count as two). `load` followed by `scheduleOf`/`unitNameOf` needs room for the units loaded. Default 20,000.
   */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export interface ReferenceCacheStats {
  readonly size: number;
  readonly capacity: number;
  /**
   * Look-ups answered from memory (or by joining a look-up of the same key already on its way), and those
   * that went to the database, since the cache was made.
   */
  readonly hits: number;
  readonly misses: number;
}

/**
 * Units, procedures, schedules and calendar years, looked up at most once per TTL: they change rarely,
 * and every receipt, command and sweep asks for the same few. An admin's change in this process clears
 * the cache at once (`forget`); other processes see it within the TTL. What does not exist is never
 * cached, so a unit or procedure created a moment ago is found at once.
 */
export class ReferenceCache {
  private readonly entries = new Map<string, Entry>();
  /** Look-ups on their way to the database, by key, for callers that ask meanwhile. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /** Bumped by `forget`: a look-up begun before it does not store what it read. */
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly db: Kysely<ReferenceDatabase>,
    options: ReferenceCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = Math.max(1, options.maxEntries ?? 20_000);
    this.now = options.now ?? Date.now;
  }

  private fresh(entry: Entry | undefined): entry is Entry {
    return entry !== undefined && this.now() - entry.at < this.ttlMs;
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (this.fresh(hit)) {
      this.hits += 1;
      this.entries.delete(key); // most recently used last
      this.entries.set(key, hit);
      return Promise.resolve(hit.value as T);
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) {
      this.hits += 1;
      return pending as Promise<T>;
    }
    this.misses += 1;
    const generation = this.generation;
    const loaded: Promise<T> = Promise.resolve()
      .then(load)
      .then((value) => {
        if (value !== null && generation === this.generation) this.store(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === loaded) this.loading.delete(key);
      });
    this.loading.set(key, loaded);
    return loaded;
  }

  private store(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  stats(): ReferenceCacheStats {
    return { size: this.entries.size, capacity: this.maxEntries, hits: this.hits, misses: this.misses };
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
    // Look-ups already on their way may have read the old rows: later callers read again.
    this.loading.clear();
    this.generation += 1;
  }
}
