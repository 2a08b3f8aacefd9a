import type { ReadModelDb } from "../database";
import { isoOf, isoOrNull } from "../local-time";
import { parsePeriod } from "../period";
import { assertSchemaName } from "../schema-name";

/** One line of the process-control slip (Mẫu 05, phiếu kiểm soát quá trình). */
export interface ProcessStepView {
  readonly seq: number;
  readonly unitId: string;
  readonly kind: "received" | "forwarded" | "transferred";
  readonly step: string | null;
  readonly reason: string | null;
  readonly fromAt: string;
  /** Null while the unit still holds the dossier. */
  readonly toAt: string | null;
  /** The event that ended the holding (a hand-over, the resolution, a withdrawal or a stop). */
  readonly endedBy: string | null;
  /** The dossier's legal due moment while this unit held it. */
  readonly dueAt: string | null;
  readonly stepDueAt: string | null;
  readonly overdueRecorded: boolean;
  readonly late: boolean;
  readonly position: number;
}

/** A dossier's holdings in order: who had it, from when to when, and whether each ran late. */
export async function listProcessSteps(
  db: ReadModelDb,
  schema: string,
  dossierId: string,
): Promise<ProcessStepView[]> {
  const rows = await db
    .withSchema(assertSchemaName(schema))
    .selectFrom("process_steps")
    .selectAll()
    .where("dossier_id", "=", dossierId)
    .orderBy("seq")
    .execute();
  return rows.map((r) => ({
    seq: r.seq,
    unitId: r.unit_id,
    kind: r.kind as ProcessStepView["kind"],
    step: r.step,
    reason: r.reason,
    fromAt: isoOf(r.from_at),
    toAt: isoOrNull(r.to_at),
    endedBy: r.ended_by,
    dueAt: isoOrNull(r.due_at),
    stepDueAt: isoOrNull(r.step_due_at),
    overdueRecorded: r.overdue_recorded,
    late: r.late,
    position: Number(r.position),
  }));
}

export interface DelaysQuery {
  /** The holding units to report on; all units when omitted. */
  readonly unitIds?: readonly string[];
  /** Local dates (inclusive): holdings that overlapped the period. */
  readonly from: string;
  readonly to: string;
}

export interface UnitDelays {
  readonly unitId: string;
  /** Holdings by this unit that overlapped the period. */
  readonly holdings: number;
  /** Of those, holdings that ran late (past the due moment, or named by an overdue event). */
  readonly lateHoldings: number;
  /** Dossiers the unit holds now whose overdue event is recorded. */
  readonly overdueNow: number;
}

/**
 * Delays attributed to the unit that held each dossier, from the process-control log: the per-unit
 * answer to "who is late", whichever unit received the dossier.
 */
export async function delaysByHoldingUnit(
  db: ReadModelDb,
  schema: string,
  query: DelaysQuery,
): Promise<UnitDelays[]> {
  const period = parsePeriod(query.from, query.to);
  if (query.unitIds !== undefined && query.unitIds.length === 0) return [];
  const s = db.withSchema(assertSchemaName(schema));
  let holdings = s
    .selectFrom("process_steps")
    .select((eb) => [
      "unit_id",
      eb.fn.countAll<string>().as("holdings"),
      eb.fn.countAll<string>().filterWhere("late", "=", true).as("late_holdings"),
    ])
    .where("from_at", "<", period.endExclusive)
    .where((eb) => eb.or([eb("to_at", "is", null), eb("to_at", ">=", period.start)]))
    .groupBy("unit_id");
  let overdue = s
    .selectFrom("dossiers")
    .select((eb) => ["current_unit_id", eb.fn.countAll<string>().as("overdue_now")])
    .where("overdue", "=", true)
    .groupBy("current_unit_id");
  if (query.unitIds !== undefined) {
    holdings = holdings.where("unit_id", "in", [...query.unitIds]);
    overdue = overdue.where("current_unit_id", "in", [...query.unitIds]);
  }
  const [h, o] = await Promise.all([holdings.execute(), overdue.execute()]);
  const byUnit = new Map<string, { holdings: number; lateHoldings: number; overdueNow: number }>();
  const entry = (unitId: string) => {
    let e = byUnit.get(unitId);
    if (!e) {
      e = { holdings: 0, lateHoldings: 0, overdueNow: 0 };
      byUnit.set(unitId, e);
    }
    return e;
  };
  for (const r of h) {
    const e = entry(r.unit_id);
    e.holdings = Number(r.holdings);
    e.lateHoldings = Number(r.late_holdings);
  }
  for (const r of o) entry(r.current_unit_id).overdueNow = Number(r.overdue_now);
  return [...byUnit.entries()]
    .map(([unitId, e]) => ({ unitId, ...e }))
    .sort(
      (a, b) =>
        b.lateHoldings - a.lateHoldings || b.overdueNow - a.overdueNow || (a.unitId < b.unitId ? -1 : 1),
    );
}
