import type { WorkSchedule } from "@motcua/domain";
import { getUnit, loadWorkSchedule, type ReferenceDatabase } from "@motcua/reference-data";
import type { Kysely } from "kysely";

/**
 * Unit names and work schedules, looked up once a minute at most: a page of the log or a sweep asks
 * for the same few units thousands of times.
 */
export class ReferenceCache {
  private readonly schedules = new Map<string, { value: WorkSchedule; at: number }>();
  private readonly names = new Map<string, { value: string; at: number }>();

  constructor(
    private readonly db: Kysely<ReferenceDatabase>,
    private readonly ttlMs = 60_000,
  ) {}

  private fresh(entry: { at: number } | undefined): boolean {
    return entry !== undefined && Date.now() - entry.at < this.ttlMs;
  }

  async load(unitIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(unitIds)].filter(
      (id) => !this.fresh(this.schedules.get(id)) || !this.fresh(this.names.get(id)),
    );
    await Promise.all(
      missing.map(async (unitId) => {
        const [schedule, unit] = await Promise.all([
          loadWorkSchedule(this.db, unitId),
          getUnit(this.db, unitId),
        ]);
        const at = Date.now();
        this.schedules.set(unitId, { value: schedule, at });
        // A unit that has disappeared from reference data is still named by its id.
        this.names.set(unitId, { value: unit?.name ?? unitId, at });
      }),
    );
  }

  /** Units never loaded (a unit loaded once stays usable; `load` refreshes it after the TTL). */
  unknown(unitIds: Iterable<string>): string[] {
    return [...new Set(unitIds)].filter((id) => !this.schedules.has(id));
  }

  /** After `load`: the unit's schedule. */
  scheduleOf(unitId: string): WorkSchedule {
    const entry = this.schedules.get(unitId);
    if (entry === undefined) throw new Error(`schedule of unit ${unitId} was not loaded`);
    return entry.value;
  }

  /** After `load`: the unit's name. */
  unitNameOf(unitId: string): string {
    return this.names.get(unitId)?.value ?? unitId;
  }

  forget(): void {
    this.schedules.clear();
    this.names.clear();
  }
}
