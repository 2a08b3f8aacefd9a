import { asReceived, type DossierService } from "@motcua/commands";
import {
  ActionTimeSchema,
  dossierStreamId,
  isDueAtProvisional,
  localDateOf,
  localDateToDay,
  PENDING,
  parseInstant,
} from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import type { Principal } from "@motcua/platform";
import {
  delaysByHoldingUnit,
  getDossier,
  getDossierByCode,
  InvalidQueryError,
  indicators,
  listDossiers,
  listProcessSteps,
  listSubmissions,
  type ProcessStepView,
  type ReceivedStatus,
  readCheckpoints,
  report06a,
} from "@motcua/read-models";
import {
  getUnit,
  type ReferenceDatabase,
  unitNames,
  unitPredecessors,
  unitSubtree,
} from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { assertMayRead, dossierView, dossierViewSchema } from "../audit/routes";
import { principalOf, requireRole } from "../plugins/auth";
import { AppError, problemResponse } from "../problem";
import { answerAtPosition, minPositionQuery, positionField, waitForPosition } from "../read-position";
import { periodReport } from "./period-report";
import type { ReadModelAccess } from "./read-model-access";
import { withWorklistExtras } from "./worklist";

const errors = {
  400: problemResponse("Invalid query, naming the parameter and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Not allowed for this caller"),
  404: problemResponse("Unknown"),
  503: problemResponse("The read models have not reached `minPosition` in 5 s; retry"),
};

/** `status=open`: every pending status, paused or not (DOMAIN.md's pending set). */
const OPEN_STATUSES = [...PENDING] as ReceivedStatus[];

const STATUSES = [
  "received",
  "processing",
  "awaiting_supplement",
  "awaiting_payment",
  "resolved",
  "returned",
  "withdrawn",
  "stopped",
] as const;

/** An online submission in the intake worklist (`status=submitted`): no code, no clock yet. */
const submissionItemSchema = z.object({
  dossierId: z.string(),
  status: z.literal("submitted"),
  procedureId: z.string(),
  procedureVersion: z.number().int(),
  field: z.string(),
  currentUnitId: z.string(),
  channel: z.literal("online"),
  submittedAt: z.string(),
  documentsTotal: z.number().int(),
  documentsDigitized: z.number().int(),
  revision: z.number().int(),
});

/** Every period report says which days its figures cover (a `to` after today is answered as of today). */
const coverageFields = {
  asOf: z.string().meta({ description: "The last day the figures reflect: `to`, or today if `to` is later" }),
  toCapped: z.boolean().meta({ description: "`to` lies after today: the figures are as of today" }),
};

const countsSchema = z.object({
  received: z.number().int(),
  receivedOnline: z.number().int(),
  receivedDirect: z.number().int(),
  carriedOver: z.number().int(),
  resolved: z.number().int(),
  resolvedEarly: z.number().int(),
  resolvedOnTime: z.number().int(),
  resolvedLate: z.number().int(),
  pending: z.number().int(),
  pendingInTime: z.number().int(),
  pendingOverdue: z.number().int(),
});

const periodQuery = minPositionQuery.extend({
  unitId: z.string().trim().min(1).max(100),
  from: z.string().meta({ description: "First day (YYYY-MM-DD, Asia/Ho_Chi_Minh), included" }),
  to: z.string().meta({ description: "Last day (YYYY-MM-DD), included; at most 5 years after from" }),
  includeSubunits: z
    .enum(["true", "false"])
    .optional()
    .transform((v) => v === "true")
    .meta({ description: "Add the units below unitId" }),
});

/** Bad period or cursor: 400 naming the query parameter. */
function queryError(error: unknown): never {
  if (error instanceof InvalidQueryError) {
    throw new AppError(400, "request.invalid", error.message, {
      title: "Invalid request",
      errors: [{ path: `query.${error.parameter}`, message: error.message.replace(/^[^:]+: /, "") }],
    });
  }
  throw error;
}

export function readRoutes(deps: {
  access: ReadModelAccess;
  db: Kysely<ReferenceDatabase>;
  service: DossierService;
  store: EventStore;
  now: () => Date;
}): RouteSlice {
  const { access } = deps;
  const waitFor = (minPosition: number | undefined) =>
    waitForPosition({ minPosition, currentPosition: () => access.position() });

  /** Officers see reports for their unit and the units below; analysts, auditors and admins for any. */
  async function reportUnits(
    principal: Principal,
    unitId: string,
    includeSubunits: boolean,
  ): Promise<string[]> {
    if (!(await getUnit(deps.db, unitId))) {
      throw new AppError(400, "request.invalid", "unitId: must be a known unit", {
        title: "Invalid request",
        errors: [{ path: "query.unitId", message: "must be a known unit" }],
      });
    }
    if (principal.role === "officer") {
      const own = await unitSubtree(deps.db, principal.unitId ?? "");
      if (!own.includes(unitId)) {
        throw new AppError(
          403,
          "report.not_your_unit",
          "Officers read reports for their unit and the units below it",
        );
      }
    }
    return includeSubunits ? unitSubtree(deps.db, unitId) : [unitId];
  }

  /** Each item with its unit's name beside its id (null for a unit no longer in the reference data). */
  async function withUnitNames<T extends { unitId: string }>(items: readonly T[]) {
    const names = await unitNames(
      deps.db,
      items.map((i) => i.unitId),
    );
    return items.map((i) => ({ ...i, unitName: names.get(i.unitId) ?? null }));
  }

  const answerPeriodReport = periodReport({
    access,
    units: reportUnits,
    waitFor,
    queryError,
    now: deps.now,
  });

  return async (app) => {
    app.get(
      "/dossiers/:id",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["dossiers"],
          summary: "A dossier's current state, from the read models (`?minPosition=` to read your own write)",
          params: z.object({ id: z.uuid() }),
          querystring: minPositionQuery,
          response: { 200: dossierViewSchema, ...errors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const position = await waitFor(request.query.minPosition);
        const schema = await access.schema();
        const row = await getDossier(access.db, schema, request.params.id);
        if (row) {
          if (principal.role === "officer" && !row.unitsHeld.includes(principal.unitId ?? "")) {
            throw new AppError(
              403,
              "dossier.not_readable",
              "Only units that have held this dossier, auditors and admins may read it",
            );
          }
          return answerAtPosition(reply, position, {
            dossierId: row.dossierId,
            code: row.code,
            procedureId: row.procedureId,
            procedureVersion: row.procedureVersion,
            field: row.field,
            status: row.status,
            receivingUnitId: row.receivingUnitId,
            currentUnitId: row.currentUnitId,
            channel: row.channel,
            receivedAt: row.receivedAt,
            dueAt: row.dueAt,
            dueAtProvisional: isDueAtProvisional(await deps.service.yearsWithNotice(), row.dueAt),
            promisedAt: row.promisedAt,
            resolvedAt: row.resolvedAt,
            returnedAt: row.returnedAt,
            timeliness: row.timeliness,
            overdue: row.overdue,
            supplementRequests: row.supplementRequests,
            revision: row.revision,
          });
        }
        // Not projected yet (the projector is behind): answer from the event store, with the stream's
        // own position — the truth, never a made-up read-model position.
        const loaded = await deps.service.load(request.params.id);
        const dossier = asReceived(loaded.state);
        if (!dossier) throw new AppError(404, "dossier.not_found", "There is no such dossier");
        assertMayRead(principal, dossier);
        return answerAtPosition(
          reply,
          loaded.position,
          dossierView(
            dossier,
            loaded.revision,
            loaded.position,
            deps.now().getTime(),
            await deps.service.yearsWithNotice(),
          ),
        );
      },
    );

    app.get(
      "/dossiers",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["dossiers"],
          summary: "Worklist: dossiers by holding unit, status, overdue, due before; cursor-paginated",
          querystring: minPositionQuery.extend({
            unitId: z
              .string()
              .trim()
              .min(1)
              .max(100)
              .optional()
              .meta({ description: "Dossiers this unit holds now" }),
            includePredecessors: z
              .enum(["true", "false"])
              .optional()
              .transform((v) => v === "true")
              .meta({
                description:
                  "With unitId: add the dossiers still held by units that ceased and named it (directly or through a chain) as their successor",
              }),
            status: z
              .enum([...STATUSES, "submitted", "open"])
              .optional()
              .meta({
                description:
                  "`open`: every pending status (received, processing, awaiting supplement or payment); `submitted`: online submissions awaiting acceptance or refusal at intake",
              }),
            overdue: z
              .enum(["true", "false"])
              .optional()
              .transform((v) => (v === undefined ? undefined : v === "true")),
            dueBefore: ActionTimeSchema.optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
            code: z.string().trim().min(1).max(80).optional().meta({
              description:
                "The dossier with this code (case-insensitive), e.g. from its slip: at most one item. An officer finds it when the unit holds or held it",
            }),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.union([
                  dossierViewSchema
                    .omit({ position: true })
                    .extend({
                      dueSoon: z.boolean().meta({
                        description: "Pending and due within the next 24 working hours",
                      }),
                      applicantName: z.string().nullable().optional().meta({
                        description:
                          "Only for the officer of the unit holding the dossier (null once erased); never for others",
                      }),
                    })
                    .passthrough(),
                  submissionItemSchema,
                ]),
              ),
              nextCursor: z.string().nullable(),
              position: positionField,
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const q = request.query;
        let unitId = q.unitId;
        // Looking a code up: an officer finds it where the unit may read it (holds or held it).
        const lookupByCode = q.code !== undefined && q.unitId === undefined && principal.role === "officer";
        if (principal.role === "officer" && !lookupByCode) {
          unitId ??= principal.unitId;
          if (unitId !== principal.unitId) {
            throw new AppError(
              403,
              "dossier.not_your_unit",
              "Officers list the dossiers their own unit holds",
            );
          }
        }
        if (q.includePredecessors && !unitId) {
          throw new AppError(400, "request.invalid", "includePredecessors: needs unitId", {
            title: "Invalid request",
            errors: [{ path: "query.includePredecessors", message: "needs unitId (the successor unit)" }],
          });
        }
        const holders =
          unitId && q.includePredecessors ? [unitId, ...(await unitPredecessors(deps.db, unitId))] : unitId;
        const position = await waitFor(q.minPosition);
        if (q.status === "submitted" && q.code === undefined) {
          const submissions = await listSubmissions(access.db, await access.schema(), {
            ...(unitId ? { unitId } : {}),
            limit: q.limit,
            ...(q.cursor ? { cursor: q.cursor } : {}),
          }).catch(queryError);
          return answerAtPosition(reply, position, {
            items: submissions.items.map(({ position: _p, ...item }) => item) as never[],
            nextCursor: submissions.nextCursor,
          });
        }
        const page = await listDossiers(access.db, await access.schema(), {
          ...(typeof holders === "string" ? { currentUnitId: holders } : {}),
          ...(Array.isArray(holders) ? { currentUnitIds: holders } : {}),
          ...(lookupByCode ? { unitIds: [principal.unitId ?? ""] } : {}),
          ...(q.code === undefined ? {} : { code: q.code }),
          ...(q.status === "open"
            ? { status: OPEN_STATUSES }
            : q.status
              ? { status: q.status as ReceivedStatus }
              : {}),
          ...(q.overdue === undefined ? {} : { overdue: q.overdue }),
          ...(q.dueBefore ? { dueBefore: q.dueBefore } : {}),
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }).catch(queryError);
        const yearsWithNotice = await deps.service.yearsWithNotice();
        const items = await withWorklistExtras(page.items, {
          principal,
          now: deps.now().getTime(),
          service: deps.service,
          store: deps.store,
        });
        return answerAtPosition(reply, position, {
          items: items.map((item) => ({
            ...item,
            dueAtProvisional: isDueAtProvisional(yearsWithNotice, item.dueAt),
          })) as never[],
          nextCursor: page.nextCursor,
        });
      },
    );

    app.get(
      "/dossiers/:id/steps",
      {
        onRequest: requireRole("officer", "auditor", "admin"),
        schema: {
          tags: ["audit"],
          summary:
            "The process-control log (phiếu kiểm soát, Mẫu 05): each unit's holding, with times and lateness",
          params: z.object({ id: z.uuid() }),
          querystring: minPositionQuery,
          response: { 200: z.object({ steps: z.array(z.unknown()), position: positionField }), ...errors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const position = await waitFor(request.query.minPosition);
        const schema = await access.schema();
        const row = await getDossier(access.db, schema, request.params.id);
        if (!row)
          throw new AppError(
            404,
            "dossier.not_found",
            "There is no such dossier (or it is not projected yet)",
          );
        if (principal.role === "officer" && !row.unitsHeld.includes(principal.unitId ?? "")) {
          throw new AppError(
            403,
            "dossier.not_readable",
            "Only units that have held this dossier, auditors and admins may read it",
          );
        }
        const steps = await listProcessSteps(access.db, schema, request.params.id);
        return answerAtPosition(reply, position, {
          steps: await withUnitNames(await withHandoverText(deps.store, request.params.id, steps)),
        });
      },
    );

    app.get(
      "/reports/06a",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary: "Biểu II.06a: reception and resolution of dossiers, per unit and per field, for a period",
          querystring: periodQuery,
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              includeSubunits: z.boolean(),
              total: countsSchema,
              rows: z.array(countsSchema.extend({ field: z.string() })),
              ...coverageFields,
              position: positionField,
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        return answerPeriodReport(principalOf(request), q, reply, report06a, (report) => ({
          unitId: q.unitId,
          from: report.from,
          to: q.to,
          includeSubunits: q.includeSubunits,
          total: report.total,
          rows: report.rows.map((r) => ({ ...r })),
        }));
      },
    );

    app.get(
      "/indicators",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "On-time rate, online and digitised shares, average resolution time, the 766 progress score",
          querystring: periodQuery,
          response: {
            200: z.object({
              unitId: z.string(),
              from: z.string(),
              to: z.string(),
              onTimeRate: z.number().nullable(),
              onlineShare: z.number().nullable(),
              digitizedShare: z.number().nullable(),
              averageResolutionWorkingDays: z.number().nullable(),
              progressScore766: z.number().nullable(),
              ...coverageFields,
              position: positionField,
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        return answerPeriodReport(principalOf(request), q, reply, indicators, (figures) => ({
          unitId: q.unitId,
          from: q.from,
          to: q.to,
          ...figures,
        }));
      },
    );

    app.get(
      "/reports/delays",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Overdue attribution: how many dossiers each holding unit let pass their deadline in a period",
          querystring: periodQuery,
          response: {
            200: z.object({ items: z.array(z.unknown()), ...coverageFields, position: positionField }),
            ...errors,
          },
        },
      },
      async (request, reply) =>
        answerPeriodReport(
          principalOf(request),
          request.query,
          reply,
          async (db, schema, selection) => withUnitNames(await delaysByHoldingUnit(db, schema, selection)),
          (items) => ({ items: items as unknown[] }),
        ),
    );

    app.get(
      "/reports/overdue",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Overdue list: pending dossiers past their due moment, by the unit holding each; nothing personal",
          querystring: minPositionQuery.extend({
            unitId: z.string().trim().min(1).max(100).meta({ description: "The holding unit" }),
            includeSubunits: periodQuery.shape.includeSubunits,
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  dossierId: z.string(),
                  code: z.string(),
                  procedureId: z.string(),
                  field: z.string(),
                  status: z.string(),
                  receivingUnitId: z.string(),
                  holdingUnitId: z.string(),
                  holdingUnitName: z.string().nullable(),
                  dueAt: z.string(),
                  daysOverdue: z.number().int().meta({
                    description: "Calendar days from the due date to today (Asia/Ho_Chi_Minh)",
                  }),
                }),
              ),
              nextCursor: z.string().nullable(),
              position: positionField,
            }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const unitIds = await reportUnits(principalOf(request), q.unitId, q.includeSubunits);
        const position = await waitFor(q.minPosition);
        const page = await listDossiers(access.db, await access.schema(), {
          currentUnitIds: unitIds,
          overdue: true,
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
        }).catch(queryError);
        const names = await unitNames(
          deps.db,
          page.items.map((i) => i.currentUnitId),
        );
        const today = localDateToDay(localDateOf(deps.now().getTime()));
        return answerAtPosition(reply, position, {
          items: page.items.map((item) => ({
            dossierId: item.dossierId,
            code: item.code,
            procedureId: item.procedureId,
            field: item.field,
            status: item.status,
            receivingUnitId: item.receivingUnitId,
            holdingUnitId: item.currentUnitId,
            holdingUnitName: names.get(item.currentUnitId) ?? null,
            dueAt: item.dueAt as string,
            daysOverdue: today - localDateToDay(localDateOf(parseInstant(item.dueAt as string))),
          })),
          nextCursor: page.nextCursor,
        });
      },
    );

    app.get(
      "/public/dossiers/:code",
      {
        schema: {
          tags: ["public"],
          summary:
            "Public lookup by dossier code (appointment slip, QR code): status and dates, nothing personal",
          params: z.object({ code: z.string().trim().min(1).max(80) }),
          response: {
            200: z.object({
              code: z.string(),
              status: z.string(),
              receivedAt: z.string(),
              dueAt: z.string().nullable(),
              dueAtProvisional: z.boolean().meta({
                description: "true while dueAt may still move: its year's holiday notice is not loaded",
              }),
              promisedAt: z.string().nullable(),
              position: positionField,
            }),
            404: problemResponse("No dossier with that code"),
          },
        },
      },
      async (request, reply) => {
        const position = await access.position();
        const found = await getDossierByCode(access.db, await access.schema(), request.params.code);
        if (!found) throw new AppError(404, "dossier.not_found", "No dossier has that code");
        return answerAtPosition(reply, position, {
          ...found,
          dueAtProvisional: await deps.service.isDueAtProvisional(found.dueAt),
        });
      },
    );

    // Projection lag per partition, refreshed for /metrics while the API runs.
    const lag = app.metrics.projectionLag;
    const refreshLag = async () => {
      try {
        const schema = await access.schema();
        const [head, checkpoints] = await Promise.all([
          deps.store.headPosition(),
          readCheckpoints(access.db, schema),
        ]);
        for (const c of checkpoints)
          lag.set({ partition: String(c.partition) }, Math.max(0, head - c.position));
      } catch {
        // The next refresh tries again; /health reports a store or database that is down.
      }
    };
    const timer = setInterval(() => void refreshLag(), 5_000);
    timer.unref();
    app.addHook("onReady", refreshLag);
    app.addHook("onClose", async () => clearInterval(timer));
  };
}

/**
 * Step names and transfer reasons are free text sealed under the applicant's key and kept out of the read
 * models, so the slip reads them from the dossier's own events: the n-th hand-over event opened the n-th
 * holding after the receipt. Once the applicant is erased they read as null.
 */
async function withHandoverText(
  store: EventStore,
  dossierId: string,
  steps: readonly ProcessStepView[],
): Promise<ProcessStepView[]> {
  const handovers: { kind: ProcessStepView["kind"]; step: string | null; reason: string | null }[] = [];
  for await (const e of store.readStream(dossierStreamId(dossierId))) {
    if (e.type !== "DossierForwarded" && e.type !== "DossierTransferred") continue;
    handovers.push({
      kind: e.type === "DossierForwarded" ? "forwarded" : "transferred",
      step: typeof e.data.step === "string" ? e.data.step : null,
      reason: typeof e.data.reason === "string" ? e.data.reason : null,
    });
  }
  let next = 0;
  return steps.map((view) => {
    if (view.kind === "received") return view;
    const handover = handovers[next++];
    return handover?.kind === view.kind ? { ...view, step: handover.step, reason: handover.reason } : view;
  });
}
