import {
  CalendarYearSchema,
  checkUnitFields,
  LocalDateSchema,
  localDateOf,
  ProcedureDefinitionSchema,
  statutoryCalendarYear,
  UnitFieldsSchema,
} from "@motcua/domain";
import {
  getCalendar,
  getProcedure,
  listCalendars,
  listProcedures,
  listProcedureVersions,
  listUnits,
  putCalendar,
  putProcedure,
  putUnit,
  type ReferenceDatabase,
  ReferenceDataError,
} from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { authenticated, principalOf, requireRole } from "../plugins/auth";
import { AppError, problemResponse } from "../problem";

const errors = {
  400: problemResponse("Invalid input, naming the field and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Admins only"),
  404: problemResponse("Unknown"),
};

/**
 * Reference-data rules that need the stored data (parent exists, code unique) answer 400 naming the field,
 * and so do the whole-record rules the body alone cannot check (a unit that is its own parent): the stored
 * record's schema names the field; the id comes from the path.
 */
function referenceError(error: unknown): never {
  if (error instanceof z.ZodError) {
    const errors = error.issues.map((issue) => {
      const [first, ...rest] = issue.path.map(String);
      const path =
        first === "unitId" || first === "procedureId" ? `params.${first}` : ["body", first, ...rest];
      return {
        path: typeof path === "string" ? path : path.filter((p) => p !== undefined).join("."),
        message: issue.message,
      };
    });
    throw new AppError(
      400,
      "request.invalid",
      `The request is invalid: ${errors.map((e) => e.path).join(", ")}`,
      {
        title: "Invalid request",
        errors,
      },
    );
  }
  if (error instanceof ReferenceDataError) {
    throw new AppError(400, error.code, error.message, {
      title: "Invalid request",
      errors: [{ path: `body.${error.path ?? ""}`, message: error.message }],
    });
  }
  throw error;
}

const unitBody = UnitFieldsSchema.omit({ unitId: true }).superRefine(checkUnitFields);
const unitResponse = z.object({
  unitId: z.string(),
  code: z.string(),
  name: z.string(),
  level: z.string(),
  parentId: z.string().nullable(),
  validFrom: z.string().optional(),
  validTo: z.string().optional(),
  successorId: z.string().optional(),
  officeHours: z.unknown().optional(),
});

const procedureResponse = z
  .object({ procedureId: z.string(), version: z.number().int(), changed: z.boolean().optional() })
  .passthrough();

const calendarBody = z
  .object({
    holidays: z.array(LocalDateSchema).default([]),
    compensatoryDays: z.array(LocalDateSchema).default([]),
    workingDays: z.array(LocalDateSchema).default([]),
    notice: z.string().trim().min(1).max(300).optional(),
  })
  .strict();

export function adminRoutes(deps: {
  db: Kysely<ReferenceDatabase>;
  now: () => Date;
  /** Called after any reference-data change so cached units, procedures and schedules are dropped. */
  onScheduleChange?: () => void;
}): RouteSlice {
  const { db } = deps;
  return async (app) => {
    app.put(
      "/units/:unitId",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["reference data"],
          summary: "Create or replace a unit (levels, parents and validity periods are data)",
          params: z.object({ unitId: z.string().trim().min(1).max(100) }),
          body: unitBody,
          response: { 200: unitResponse, ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const result = await putUnit(
          db,
          { ...request.body, unitId: request.params.unitId },
          principal.sub,
          deps.now().toISOString(),
        ).catch(referenceError);
        deps.onScheduleChange?.();
        return result.unit;
      },
    );

    app.get(
      "/units",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary: "All units",
          response: { 200: z.object({ items: z.array(unitResponse) }) },
        },
      },
      async () => ({ items: await listUnits(db) }),
    );

    app.put(
      "/procedures/:procedureId",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["reference data"],
          summary: "Create or change a procedure; any change is a new version, received dossiers keep theirs",
          params: z.object({
            procedureId: z
              .string()
              .trim()
              .min(1)
              .max(100)
              .regex(/^[0-9A-Za-z._-]+$/),
          }),
          body: ProcedureDefinitionSchema,
          response: { 200: procedureResponse, ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { procedure, changed } = await putProcedure(
          db,
          request.params.procedureId,
          request.body,
          principal.sub,
          deps.now().toISOString(),
        ).catch(referenceError);
        deps.onScheduleChange?.();
        return { ...procedure, changed };
      },
    );

    app.get(
      "/procedures",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary: "The current version of every procedure",
          response: { 200: z.object({ items: z.array(procedureResponse) }) },
        },
      },
      async () => ({ items: await listProcedures(db) }),
    );

    app.get(
      "/procedures/:procedureId",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary: "A procedure's current version",
          params: z.object({ procedureId: z.string() }),
          response: { 200: procedureResponse, ...errors },
        },
      },
      async (request) => {
        const procedure = await getProcedure(db, request.params.procedureId);
        if (!procedure) throw new AppError(404, "procedure.not_found", "There is no such procedure");
        return procedure;
      },
    );

    app.get(
      "/procedures/:procedureId/versions",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary: "Every version of a procedure, newest first, with when it was made",
          params: z.object({ procedureId: z.string() }),
          response: {
            200: z.object({ items: z.array(procedureResponse.extend({ createdAt: z.string() })) }),
            ...errors,
          },
        },
      },
      async (request) => {
        const items = await listProcedureVersions(db, request.params.procedureId);
        if (items.length === 0) throw new AppError(404, "procedure.not_found", "There is no such procedure");
        return { items };
      },
    );

    app.put(
      "/calendars/:year",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["reference data"],
          summary:
            "A year's civil-service calendar: holidays and compensatory weekdays off, swapped working weekend days",
          params: z.object({ year: z.coerce.number().int().min(1975).max(2200) }),
          body: calendarBody,
          response: { 200: z.unknown(), ...errors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const parsed = CalendarYearSchema.safeParse({ ...request.body, year: request.params.year });
        if (!parsed.success) {
          throw new AppError(400, "request.invalid", "The calendar is not valid", {
            title: "Invalid request",
            errors: parsed.error.issues.map((i) => ({
              path: ["body", ...i.path].join("."),
              message: i.message,
            })),
          });
        }
        const calendar = await putCalendar(db, parsed.data, principal.sub, deps.now().toISOString());
        deps.onScheduleChange?.();
        return { ...calendar, known: true, hasNotice: true };
      },
    );

    app.get(
      "/calendars",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary:
            "Which years have their official notice loaded: every loaded year, this year and the next; deadlines in a year without one are provisional",
          response: {
            200: z.object({
              items: z.array(
                z.object({ year: z.number().int(), hasNotice: z.boolean(), notice: z.string().optional() }),
              ),
              comingYearsWithoutNotice: z.array(z.number().int()).meta({
                description:
                  "This year and the next when their notice is not loaded: an admin should load it",
              }),
            }),
            ...errors,
          },
        },
      },
      async () => {
        const loaded = new Map((await listCalendars(db)).map((c) => [c.year, c]));
        const thisYear = Number(localDateOf(deps.now().getTime()).slice(0, 4));
        const coming = [thisYear, thisYear + 1];
        const years = [...new Set([...loaded.keys(), ...coming])].sort((a, b) => a - b);
        return {
          items: years.map((year) => {
            const notice = loaded.get(year)?.notice;
            return { year, hasNotice: loaded.has(year), ...(notice === undefined ? {} : { notice }) };
          }),
          comingYearsWithoutNotice: coming.filter((year) => !loaded.has(year)),
        };
      },
    );

    app.get(
      "/calendars/:year",
      {
        onRequest: authenticated,
        schema: {
          tags: ["reference data"],
          summary:
            "A year's calendar; a year without a notice shows what is counted (the fixed solar holidays and their compensatory days) and says its deadlines are provisional",
          params: z.object({ year: z.coerce.number().int().min(1975).max(2200) }),
          response: { 200: z.unknown(), ...errors },
        },
      },
      async (request) => {
        const year = request.params.year;
        const calendar = await getCalendar(db, year);
        if (calendar) return { ...calendar, known: true, hasNotice: true };
        const statutory = statutoryCalendarYear(year);
        return {
          year,
          holidays: statutory.holidays,
          compensatoryDays: statutory.compensatoryDays,
          workingDays: [],
          known: false,
          hasNotice: false,
          note: `Chưa nạp thông báo lịch nghỉ lễ, Tết năm ${year}: chỉ tính nghỉ thứ Bảy, Chủ nhật và các ngày lễ dương lịch cố định theo Bộ luật Lao động (1/1, 30/4, 1/5, 2/9; trùng ngày nghỉ hằng tuần thì nghỉ bù ngày làm việc kế tiếp). Tết Âm lịch, Giỗ Tổ Hùng Vương và ngày hoán đổi chưa được tính, nên hạn giải quyết rơi vào năm này là tạm tính.`,
        };
      },
    );
  };
}
