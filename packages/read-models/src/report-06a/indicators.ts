import type { ReadModelDb } from "../database";
import { parsePeriod } from "../period";
import {
  countsOf,
  type FieldFigures,
  periodFigures,
  periodFiguresByUnit,
  type ReportQuery,
} from "./report06a";

/** Minutes in one working day (8 working hours), as the domain counts them. */
export const WORKING_DAY_MINUTES = 480;

export interface Indicators {
  /** (early + on time) / resolved, over dossiers finished in the period (06a (8)+(9) over (7)). */
  readonly onTimeRate: number | null;
  /** Received online / received in the period (06a (4) over (4)+(5)). */
  readonly onlineShare: number | null;
  /** Received in the period with at least one document, every one digitised at intake / received in the period. */
  readonly digitizedShare: number | null;
  /** Mean working time from the clock's start to resolution, pauses excluded, in working days, over dossiers resolved (DossierResolved) in the period. */
  readonly averageResolutionWorkingDays: number | null;
  /**
   * Decision 766 progress (0–20): 20 × (finished in the period neither late nor with more than one
   * supplement request + pending at `to` neither overdue nor asked more than once) / (finished in the
   * period + pending at `to`). A withdrawal is judged by its moment against the due moment.
   */
  readonly progressScore766: number | null;
}

const ratio = (numerator: number, denominator: number) =>
  denominator === 0 ? null : numerator / denominator;

/** The analysts' indicators for dossiers received by `unitIds`, over the period; null where nothing is counted. */
export async function indicators(db: ReadModelDb, schema: string, query: ReportQuery): Promise<Indicators> {
  const period = parsePeriod(query.from, query.to);
  return indicatorsOf(await periodFigures(db, schema, query.unitIds, period));
}

/**
 * The indicators of several groups of units (each child unit with its subunits, for a ranking or a
 * map) over one period, read in one statement: as `indicators` answers for each group's units.
 */
export async function indicatorsByGroup(
  db: ReadModelDb,
  schema: string,
  query: {
    readonly groups: ReadonlyMap<string, readonly string[]>;
    readonly from: string;
    readonly to: string;
  },
): Promise<Map<string, Indicators>> {
  const period = parsePeriod(query.from, query.to);
  const all = [...new Set([...query.groups.values()].flat())];
  const figures = await periodFiguresByUnit(db, schema, all, period);
  const byUnit = new Map<string, FieldFigures[]>();
  for (const f of figures) byUnit.set(f.unitId, [...(byUnit.get(f.unitId) ?? []), f]);
  const answers = new Map<string, Indicators>();
  for (const [key, unitIds] of query.groups) {
    answers.set(key, indicatorsOf([...new Set(unitIds)].flatMap((id) => byUnit.get(id) ?? [])));
  }
  return answers;
}

/** The indicators from the figures read for some units (per field, or per unit and field). */
function indicatorsOf(figures: readonly FieldFigures[]): Indicators {
  let resolved = 0;
  let onTime = 0;
  let late766 = 0;
  let pending = 0;
  let pendingLate766 = 0;
  let receivedInPeriod = 0;
  let online = 0;
  let digitized = 0;
  let resolutions = 0;
  let minutes = 0;
  for (const f of figures) {
    const c = countsOf(f);
    resolved += c.resolved;
    onTime += c.resolvedEarly + c.resolvedOnTime;
    late766 += f.finishedLate766;
    pending += c.pending;
    pendingLate766 += f.pendingLate766;
    receivedInPeriod += c.receivedOnline + c.receivedDirect;
    online += c.receivedOnline;
    digitized += f.receivedDigitized;
    resolutions += f.resolutions;
    minutes += f.resolutionWorkingMinutes;
  }
  const progress = ratio(resolved - late766 + pending - pendingLate766, resolved + pending);
  const average = ratio(minutes, resolutions);
  return {
    onTimeRate: ratio(onTime, resolved),
    onlineShare: ratio(online, receivedInPeriod),
    digitizedShare: ratio(digitized, receivedInPeriod),
    averageResolutionWorkingDays: average === null ? null : average / WORKING_DAY_MINUTES,
    progressScore766: progress === null ? null : 20 * progress,
  };
}
