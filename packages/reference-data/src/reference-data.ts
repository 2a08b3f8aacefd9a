import {
  type CalendarYear,
  CalendarYearSchema,
  createWorkSchedule,
  DEFAULT_OFFICE_HOURS,
  nextProcedureVersion,
  type OfficeHours,
  type ProcedureDefinition,
  ProcedureDefinitionSchema,
  type ProcedureVersion,
  type Unit,
  UnitSchema,
  type WorkSchedule,
  wouldCreateCycle,
} from "@motcua/domain";
import { CompiledQuery, type Kysely, sql, type Transaction } from "kysely";
import type { ReferenceDatabase, UnitRow } from "./database";

export type ReferenceDb = Kysely<ReferenceDatabase> | Transaction<ReferenceDatabase>;

/** A reference-data change the data itself forbids (not a malformed request): a stable code and a sentence. */
export class ReferenceDataError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "ReferenceDataError";
  }
}

const json = (value: unknown) => JSON.stringify(value);

async function recordChange(
  db: ReferenceDb,
  actorId: string,
  kind: "unit" | "procedure" | "calendar",
  key: string,
  before: unknown,
  after: unknown,
  at: string,
) {
  await db
    .insertInto("ref.changes")
    .values({
      at,
      actor_id: actorId,
      kind,
      key,
      before: before === null ? null : json(before),
      after: json(after),
    })
    .execute();
}

// ── units ────────────────────────────────────────────────────────────────────────────────────────────

const unitColumns = [
  "unit_id",
  "code",
  "name",
  "level",
  "parent_id",
  sql<string | null>`valid_from::text`.as("valid_from"),
  sql<string | null>`valid_to::text`.as("valid_to"),
  "successor_id",
  "office_hours",
] as const;

function unitFromRow(row: Omit<UnitRow, "updated_at">): Unit {
  return {
    unitId: row.unit_id,
    code: row.code,
    name: row.name,
    level: row.level,
    parentId: row.parent_id,
    ...(row.valid_from ? { validFrom: row.valid_from } : {}),
    ...(row.valid_to ? { validTo: row.valid_to } : {}),
    ...(row.successor_id ? { successorId: row.successor_id } : {}),
    ...(row.office_hours ? { officeHours: row.office_hours as OfficeHours } : {}),
  };
}

export async function listUnits(db: ReferenceDb): Promise<Unit[]> {
  const rows = await db.selectFrom("ref.units").select(unitColumns).orderBy("code").execute();
  return rows.map(unitFromRow);
}

export async function getUnit(db: ReferenceDb, unitId: string): Promise<Unit | null> {
  const row = await db
    .selectFrom("ref.units")
    .select(unitColumns)
    .where("unit_id", "=", unitId)
    .executeTakeFirst();
  return row ? unitFromRow(row) : null;
}

/** The names of these units, for showing beside their ids (unknown ids are left out). */
export async function unitNames(db: ReferenceDb, unitIds: Iterable<string>): Promise<Map<string, string>> {
  const ids = [...new Set(unitIds)];
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("ref.units")
    .select(["unit_id", "name"])
    .where("unit_id", "in", ids)
    .execute();
  return new Map(rows.map((r) => [r.unit_id, r.name]));
}

/**
 * Creates or replaces a unit. The parent and successor must exist, the tree must stay a tree, and the
 * code must stay unique (it opens every dossier code the unit issues).
 */
export async function putUnit(
  db: Kysely<ReferenceDatabase>,
  input: unknown,
  actorId: string,
  at: string,
): Promise<{ unit: Unit; created: boolean }> {
  const unit = UnitSchema.parse(input);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('motcua.ref.units'))`.execute(trx);
    const units = await listUnits(trx);
    const before = units.find((u) => u.unitId === unit.unitId) ?? null;
    if (unit.parentId !== null && !units.some((u) => u.unitId === unit.parentId)) {
      throw new ReferenceDataError(
        "unit.parent_unknown",
        `parent unit ${unit.parentId} does not exist`,
        "parentId",
      );
    }
    if (unit.successorId !== undefined && !units.some((u) => u.unitId === unit.successorId)) {
      throw new ReferenceDataError(
        "unit.successor_unknown",
        `successor unit ${unit.successorId} does not exist`,
        "successorId",
      );
    }
    if (wouldCreateCycle(units, unit.unitId, unit.parentId)) {
      throw new ReferenceDataError(
        "unit.cycle",
        "the parent is the unit itself or one of its subunits",
        "parentId",
      );
    }
    const clash = units.find((u) => u.code === unit.code && u.unitId !== unit.unitId);
    if (clash) {
      throw new ReferenceDataError(
        "unit.code_taken",
        `code ${unit.code} is already used by unit ${clash.unitId}`,
        "code",
      );
    }
    const row = {
      unit_id: unit.unitId,
      code: unit.code,
      name: unit.name,
      level: unit.level,
      parent_id: unit.parentId,
      valid_from: unit.validFrom ?? null,
      valid_to: unit.validTo ?? null,
      successor_id: unit.successorId ?? null,
      office_hours: unit.officeHours ? json(unit.officeHours) : null,
      updated_at: at,
    };
    await trx
      .insertInto("ref.units")
      .values(row)
      .onConflict((oc) => oc.column("unit_id").doUpdateSet({ ...row }))
      .execute();
    await recordChange(trx, actorId, "unit", unit.unitId, before, unit, at);
    return { unit, created: before === null };
  });
}

/** The unit and all units below it, at any depth. */
export async function unitSubtree(db: ReferenceDb, unitId: string): Promise<string[]> {
  const result = await sql<{ unit_id: string }>`
    WITH RECURSIVE tree AS (
      SELECT unit_id FROM ref.units WHERE unit_id = ${unitId}
      UNION
      SELECT u.unit_id FROM ref.units u JOIN tree t ON u.parent_id = t.unit_id
    )
    SELECT unit_id FROM tree`.execute(db);
  return result.rows.map((r) => r.unit_id);
}

/**
 * The units that ceased and handed over to `unitId`, directly or through a chain of successors (a
 * merged commune whose successor later merged again): their open dossiers are its worklist too.
 */
export async function unitPredecessors(db: ReferenceDb, unitId: string): Promise<string[]> {
  const result = await sql<{ unit_id: string }>`
    WITH RECURSIVE before AS (
      SELECT unit_id FROM ref.units WHERE successor_id = ${unitId} AND unit_id <> ${unitId}
      UNION
      SELECT u.unit_id FROM ref.units u JOIN before b ON u.successor_id = b.unit_id
    )
    SELECT unit_id FROM before ORDER BY unit_id`.execute(db);
  return result.rows.map((r) => r.unit_id);
}

// ── procedures ───────────────────────────────────────────────────────────────────────────────────────

function versionFromRow(row: {
  procedure_id: string;
  version: number;
  definition: unknown;
}): ProcedureVersion {
  return { ...(row.definition as ProcedureDefinition), procedureId: row.procedure_id, version: row.version };
}

export async function getProcedure(db: ReferenceDb, procedureId: string): Promise<ProcedureVersion | null> {
  const row = await db
    .selectFrom("ref.procedure_versions")
    .select(["procedure_id", "version", "definition"])
    .where("procedure_id", "=", procedureId)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? versionFromRow(row) : null;
}

export async function getProcedureVersion(
  db: ReferenceDb,
  procedureId: string,
  version: number,
): Promise<ProcedureVersion | null> {
  const row = await db
    .selectFrom("ref.procedure_versions")
    .select(["procedure_id", "version", "definition"])
    .where("procedure_id", "=", procedureId)
    .where("version", "=", version)
    .executeTakeFirst();
  return row ? versionFromRow(row) : null;
}

/** Every version of a procedure, newest first, with when it was made (empty for an unknown procedure). */
export async function listProcedureVersions(
  db: ReferenceDb,
  procedureId: string,
): Promise<(ProcedureVersion & { readonly createdAt: string })[]> {
  const rows = await db
    .selectFrom("ref.procedure_versions")
    .select(["procedure_id", "version", "definition", "created_at"])
    .where("procedure_id", "=", procedureId)
    .orderBy("version", "desc")
    .execute();
  return rows.map((row) => ({ ...versionFromRow(row), createdAt: new Date(row.created_at).toISOString() }));
}

/** The current version of every procedure. */
export async function listProcedures(db: ReferenceDb): Promise<ProcedureVersion[]> {
  const rows = await db
    .selectFrom("ref.procedure_versions")
    .distinctOn("procedure_id")
    .select(["procedure_id", "version", "definition"])
    .orderBy("procedure_id")
    .orderBy("version", "desc")
    .execute();
  return rows.map(versionFromRow);
}

/** Stores a definition; any change makes a new version, an identical one keeps the current version. */
export async function putProcedure(
  db: Kysely<ReferenceDatabase>,
  procedureId: string,
  input: unknown,
  actorId: string,
  at: string,
): Promise<{ procedure: ProcedureVersion; changed: boolean }> {
  const definition = ProcedureDefinitionSchema.parse(input);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`motcua.ref.procedure.${procedureId}`}))`.execute(trx);
    const current = await getProcedure(trx, procedureId);
    const { version, changed } = nextProcedureVersion(procedureId, current ?? undefined, definition);
    if (changed) {
      await trx
        .insertInto("ref.procedure_versions")
        .values({
          procedure_id: procedureId,
          version: version.version,
          definition: json(definition),
          created_at: at,
        })
        .execute();
      await recordChange(
        trx,
        actorId,
        "procedure",
        `${procedureId}@${version.version}`,
        current,
        version,
        at,
      );
    }
    return { procedure: version, changed };
  });
}

// ── calendars ────────────────────────────────────────────────────────────────────────────────────────

export async function listCalendars(db: ReferenceDb): Promise<CalendarYear[]> {
  const rows = await db.selectFrom("ref.calendars").select(["definition"]).orderBy("year").execute();
  return rows.map((r) => CalendarYearSchema.parse(r.definition));
}

/** The years whose official notice is loaded, in order; every other year's deadlines are provisional. */
export async function listCalendarYears(db: ReferenceDb): Promise<number[]> {
  const rows = await db.selectFrom("ref.calendars").select(["year"]).orderBy("year").execute();
  return rows.map((r) => r.year);
}

export async function getCalendar(db: ReferenceDb, year: number): Promise<CalendarYear | null> {
  const row = await db
    .selectFrom("ref.calendars")
    .select(["definition"])
    .where("year", "=", year)
    .executeTakeFirst();
  return row ? CalendarYearSchema.parse(row.definition) : null;
}

/**
 * Replaces a year's calendar. Deadlines already computed are never recomputed: they are stored in the
 * dossiers' events.
 */
export async function putCalendar(
  db: Kysely<ReferenceDatabase>,
  input: unknown,
  actorId: string,
  at: string,
): Promise<CalendarYear> {
  const calendar = CalendarYearSchema.parse(input);
  await db.transaction().execute(async (trx) => {
    const before = await getCalendar(trx, calendar.year);
    await trx
      .insertInto("ref.calendars")
      .values({ year: calendar.year, definition: json(calendar), updated_at: at })
      .onConflict((oc) => oc.column("year").doUpdateSet({ definition: json(calendar), updated_at: at }))
      .execute();
    await recordChange(trx, actorId, "calendar", String(calendar.year), before, calendar, at);
  });
  return calendar;
}

/** The calendar years and a unit's office hours (the default hours when the unit sets none). */
export async function loadWorkSchedule(db: ReferenceDb, unitId?: string): Promise<WorkSchedule> {
  const [years, unit] = await Promise.all([
    listCalendars(db),
    unitId ? getUnit(db, unitId) : Promise.resolve(null),
  ]);
  return createWorkSchedule(years, unit?.officeHours ?? DEFAULT_OFFICE_HOURS);
}

// ── dossier codes ────────────────────────────────────────────────────────────────────────────────────

/**
 * The next number in a unit's daily sequence, from 1. One atomic upsert: concurrent receipts never get
 * the same number. A receipt that fails after taking a number leaves a gap, never a repeat.
 */
export async function nextDossierSequence(
  db: ReferenceDb,
  unitId: string,
  localDate: string,
): Promise<number> {
  // Every counter receipt runs this: the statement is written once rather than built and compiled by
  // Kysely's query builder on each call.
  const { rows } = await db.executeQuery<{ last: number }>(
    CompiledQuery.raw(NEXT_DOSSIER_SEQUENCE, [unitId, localDate]),
  );
  const row = rows[0];
  if (row === undefined) throw new Error("the dossier-code counter returned no row");
  return row.last;
}

const NEXT_DOSSIER_SEQUENCE =
  'INSERT INTO "ref"."dossier_code_sequences" ("unit_id", "day", "last") VALUES ($1, $2, 1) ' +
  'ON CONFLICT ("unit_id", "day") DO UPDATE SET "last" = "ref"."dossier_code_sequences"."last" + 1 ' +
  'RETURNING "last"';

/** The audit trail of reference-data changes, newest first. */
export async function listChanges(
  db: ReferenceDb,
  options: { kind?: "unit" | "procedure" | "calendar"; limit?: number } = {},
) {
  let q = db
    .selectFrom("ref.changes")
    .selectAll()
    .orderBy("change_id", "desc")
    .limit(options.limit ?? 100);
  if (options.kind) q = q.where("kind", "=", options.kind);
  return q.execute();
}
