import type { ReadModelDb } from "../database";
import { parsePeriod } from "../period";
import { progress766ByUnit } from "./progress";
import { type Indicator766Sums, indicator766Counts, zeroSums } from "./queries";
import { noSatisfaction, satisfaction766ByUnit } from "./satisfaction";
import { type Figures766, type Score766, score766 } from "./score";

/** One scope to score: a unit alone or with its subunits, and the procedures its units may receive. */
export interface Scope766 {
  readonly key: string;
  readonly unitIds: readonly string[];
  readonly procedures: {
    /** Procedures any unit of the scope may receive. */
    readonly applicable: readonly string[];
    /** …of which offered online (full or partial). */
    readonly offeredOnline: readonly string[];
  };
}

export interface Indicators766Query {
  /** Local dates, both included; a 766 period is whole months (`to` may stop at today). */
  readonly from: string;
  readonly to: string;
  /** Now: the feedback read model judges what is still open at this moment. */
  readonly now: Date;
}

/**
 * The 766 of several scopes at once, in four statements whatever their number: the 766 counts and the
 * 06a's progress figures, the feedback and the ratings are read per receiving unit for every unit of every scope, and each scope's
 * figures are the sums over its units.
 */
export async function indicators766(
  db: ReadModelDb,
  schema: string,
  scopes: readonly Scope766[],
  query: Indicators766Query,
): Promise<Map<string, Score766>> {
  const period = parsePeriod(query.from, query.to);
  const units = [...new Set(scopes.flatMap((s) => s.unitIds))];
  const month = (date: string) => `${date.slice(0, 7)}-01`;
  const [counts, progress, satisfaction] = await Promise.all([
    indicator766Counts(db, schema, units, month(period.from), month(period.to)),
    progress766ByUnit(db, schema, units, period),
    satisfaction766ByUnit(db, schema, units, period, query.now),
  ]);
  const countsByUnit = new Map(counts.map((c) => [c.unitId, c]));
  const progressByUnit = new Map(progress.map((p) => [p.unitId, p]));
  const out = new Map<string, Score766>();
  for (const scope of scopes) {
    const sums: Indicator766Sums = zeroSums();
    const online = new Set<string>();
    const fees = new Set<string>();
    const paidOnline = new Set<string>();
    const voice = noSatisfaction();
    const p = {
      finished: 0,
      finishedLate766: 0,
      pending: 0,
      pendingLate766: 0,
      resolutions: 0,
      resolutionWorkingMinutes: 0,
    };
    for (const unitId of new Set(scope.unitIds)) {
      const c = countsByUnit.get(unitId);
      if (c !== undefined) {
        for (const column of Object.keys(sums) as (keyof Indicator766Sums)[]) sums[column] += c.sums[column];
        for (const id of c.onlineProcedures) online.add(id);
        for (const id of c.feeProcedures) fees.add(id);
        for (const id of c.paidOnlineProcedures) paidOnline.add(id);
      }
      const v = satisfaction.get(unitId);
      if (v !== undefined) {
        for (const key of Object.keys(voice) as (keyof typeof voice)[]) voice[key] += v[key];
      }
      const u = progressByUnit.get(unitId);
      if (u !== undefined) {
        p.finished += u.finished;
        p.finishedLate766 += u.finishedLate766;
        p.pending += u.pending;
        p.pendingLate766 += u.pendingLate766;
        p.resolutions += u.resolutions;
        p.resolutionWorkingMinutes += u.resolutionWorkingMinutes;
      }
    }
    const figures: Figures766 = {
      sums,
      progress: p,
      procedures: {
        applicable: new Set(scope.procedures.applicable).size,
        offeredOnline: new Set(scope.procedures.offeredOnline).size,
      },
      offeredOnlineWithDossiers: [...new Set(scope.procedures.offeredOnline)].filter((id) => online.has(id))
        .length,
      feeProcedures: fees.size,
      paidOnlineProcedures: paidOnline.size,
      satisfaction: voice,
    };
    out.set(scope.key, score766(figures));
  }
  return out;
}
