import { mayReadReports } from "@motcua/commands";
import { isValidLocalDate, localDateOf } from "@motcua/domain";
import type { Principal } from "@motcua/platform";
import type { ReadModelDb } from "@motcua/read-models";
import { getUnit, type ReferenceDb, unitSubtree } from "@motcua/reference-data";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { AppError } from "../problem";
import { answerAtPosition, minPositionQuery, queryError, type ReadModelAccess } from "../read-model-access";

/** What the reports need: the read models, the unit tree, and today. */
export interface ReportDeps {
  readonly access: ReadModelAccess;
  readonly db: ReferenceDb;
  readonly now: () => Date;
}

/** The query string every period report takes (06a, indicators, delays). */
export const periodQuery = minPositionQuery.extend({
  unitId: z.string().trim().min(1).max(100),
  from: z.string().meta({ description: "First day (YYYY-MM-DD, Asia/Ho_Chi_Minh), included" }),
  to: z.string().meta({ description: "Last day (YYYY-MM-DD), included; at most 5 years after from" }),
  includeSubunits: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .meta({ description: "Add the units below unitId" }),
});

/** Every period report says which days its figures cover (a `to` after today is answered as of today). */
export const coverageFields = {
  asOf: z.string().meta({ description: "The last day the figures reflect: `to`, or today if `to` is later" }),
  toCapped: z.boolean().meta({ description: "`to` lies after today: the figures are as of today" }),
};

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

/** What every period report says about the days it covers. */
export interface PeriodCoverage {
  /** The last day the figures reflect: `to`, or today when `to` has not come yet. */
  readonly asOf: string;
  /** `to` lies after today: the figures are as of today, never counts for days that have not come. */
  readonly toCapped: boolean;
}

/**
 * The units a report for `unitId` covers, when the caller may read it (`mayReadReports`): 400 for an
 * unknown unit, 403 for one the caller may not read.
 */
export async function reportUnits(
  db: ReferenceDb,
  principal: Principal,
  unitId: string,
  includeSubunits: boolean,
): Promise<string[]> {
  if (!(await getUnit(db, unitId))) {
    throw new AppError(400, "request.invalid", "unitId: must be a known unit", {
      title: "Invalid request",
      errors: [{ path: "query.unitId", message: "must be a known unit" }],
    });
  }
  if (!(await mayReadReports(principal, unitId, (unit) => unitSubtree(db, unit)))) {
    throw new AppError(
      403,
      "report.not_your_unit",
      "Officers read reports for their unit and the units below it",
    );
  }
  return includeSubunits ? unitSubtree(db, unitId) : [unitId];
}

/**
 * The shape every period report (06a, indicators, delays) answers with: resolve the units, wait for
 * `minPosition`, read the active read-model version, answer the body with the position it reflects.
 */
export function periodReport(deps: ReportDeps) {
  return async <Result, Body extends object>(
    principal: Principal,
    q: PeriodReportQuery,
    reply: FastifyReply,
    read: (db: ReadModelDb, schema: string, selection: PeriodSelection) => Promise<Result>,
    answer: (result: Result) => Body,
  ): Promise<Body & PeriodCoverage & { position: number }> => {
    const unitIds = await reportUnits(deps.db, principal, q.unitId, q.includeSubunits);
    const today = localDateOf(deps.now().getTime());
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
    const { result, position } = await deps.access.read(q.minPosition, reply, (db, schema) =>
      read(db, schema, { unitIds, from: q.from, to }).catch(queryError),
    );
    return answerAtPosition(reply, position, { ...answer(result), asOf: to, toCapped });
  };
}
