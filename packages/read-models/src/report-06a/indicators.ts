import type { ReadModelDb } from "../database";
import { parsePeriod } from "../period";
import { countsOf, periodFigures, type ReportQuery } from "./report06a";

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
  const figures = await periodFigures(db, schema, query.unitIds, period);
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
