import { isValidLocalDate, localDateOf } from "@motcua/domain";
import type { Principal } from "@motcua/platform";
import type { ReadModelDb } from "@motcua/read-models";
import type { FastifyReply } from "fastify";
import { AppError } from "../problem";
import { answerAtPosition } from "../read-position";
import type { ReadModelAccess } from "./read-model-access";

/** A period report's query string, once validated. */
export interface PeriodReportQuery {
  readonly unitId: string;
  readonly from: string;
  readonly to: string;
  readonly includeSubunits: boolean;
  readonly minPosition?: number | undefined;
}

/** What a period report reads: the units resolved, and the period as asked. */
export interface PeriodSelection {
  readonly unitIds: string[];
  readonly from: string;
  readonly to: string;
}

export interface PeriodReportSteps {
  readonly access: ReadModelAccess;
  /** The units the caller may read the report for (400 for an unknown unit, 403 for another's). */
  readonly units: (principal: Principal, unitId: string, includeSubunits: boolean) => Promise<string[]>;
  /** The read models' position once it reaches `minPosition` (503 after 5 s). */
  readonly waitFor: (minPosition: number | undefined) => Promise<number>;
  /** A bad period: 400 naming the query parameter. */
  readonly queryError: (error: unknown) => never;
  readonly now: () => Date;
}

/** What every period report says about the days it covers. */
export interface PeriodCoverage {
  /** The last day the figures reflect: `to`, or today when `to` has not come yet. */
  readonly asOf: string;
  /** `to` lies after today: the figures are as of today, never counts for days that have not come. */
  readonly toCapped: boolean;
}

/**
 * The shape every period report (06a, indicators, delays) answers with: resolve the units, wait for
 * `minPosition`, read the active read-model version, answer the body with the position it reflects.
 */
export function periodReport(steps: PeriodReportSteps) {
  return async <Result, Body extends object>(
    principal: Principal,
    q: PeriodReportQuery,
    reply: FastifyReply,
    read: (db: ReadModelDb, schema: string, selection: PeriodSelection) => Promise<Result>,
    answer: (result: Result) => Body,
  ): Promise<Body & PeriodCoverage & { position: number }> => {
    const unitIds = await steps.units(principal, q.unitId, q.includeSubunits);
    const today = localDateOf(steps.now().getTime());
    // A period reaching into the future answers as of today: the pending dossiers of a day that has not
    // come would all be "overdue" by then, an invented figure. A period not yet begun has nothing to say.
    const toCapped = isValidLocalDate(q.to) && q.to > today;
    if (toCapped && isValidLocalDate(q.from) && q.from > today) {
      throw new AppError(
        400,
        "request.invalid",
        "from: must not lie after today (the period has not begun)",
        {
          title: "Invalid request",
          errors: [{ path: "query.from", message: "must not lie after today (the period has not begun)" }],
        },
      );
    }
    const to = toCapped ? today : q.to;
    const position = await steps.waitFor(q.minPosition);
    const result = await read(steps.access.db, await steps.access.schema(), {
      unitIds,
      from: q.from,
      to,
    }).catch(steps.queryError);
    return answerAtPosition(reply, position, { ...answer(result), asOf: to, toCapped });
  };
}
