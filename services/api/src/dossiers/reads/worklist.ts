import type { DossierService } from "@motcua/commands";
import {
  ActionTimeSchema,
  CLOCK_RUNNING,
  dossierStreamId,
  isDueAtProvisional,
  isDueSoon,
  PENDING,
  parseInstant,
} from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import type { Principal } from "@motcua/platform";
import { type DossierView, listDossiers, listSubmissions, type ReceivedStatus } from "@motcua/read-models";
import { unitPredecessors } from "@motcua/reference-data";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { dossierViewSchema } from "../../audit/routes";
import { principalOf, requireRole } from "../../plugins/auth";
import { AppError } from "../../problem";
import {
  answerAtPosition,
  minPositionQuery,
  positionField,
  queryError,
  readErrors,
} from "../../read-model-access";
import type { DossierReadDeps } from "./deps";

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

/**
 * `GET /dossiers`: the worklist — dossiers by holding unit, status, overdue, due before, cursor-paginated;
 * `status=submitted` lists the online submissions awaiting intake; `?code=` looks one dossier up.
 */
export function worklistRoute(deps: DossierReadDeps): RouteSlice {
  const { access } = deps;
  return async (app) => {
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
                        description:
                          "Its clock runs and it is due within the next 24 working hours (a dossier paused for a supplement or a fee is not: its due moment moves when it resumes)",
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
            ...readErrors,
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
        if (q.status === "submitted" && q.code === undefined) {
          const { result: submissions, position } = await access.read(q.minPosition, reply, (db, schema) =>
            listSubmissions(db, schema, {
              ...(unitId ? { unitId } : {}),
              limit: q.limit,
              ...(q.cursor ? { cursor: q.cursor } : {}),
            }).catch(queryError),
          );
          return answerAtPosition(reply, position, {
            items: submissions.items.map(({ position: _p, ...item }) => item) as never[],
            nextCursor: submissions.nextCursor,
          });
        }
        const { result: page, position } = await access.read(q.minPosition, reply, (db, schema) =>
          listDossiers(db, schema, {
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
          }).catch(queryError),
        );
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
  };
}

/** What an officer's worklist adds to each dossier beyond the read model's row. */
export interface WorklistExtras {
  /**
   * Its clock runs and it is due within the next 24 working hours (the domain's `isDueSoon`). A dossier
   * paused for a supplement or a fee is not: its due moment moves when it resumes.
   */
  readonly dueSoon: boolean;
  /**
   * The applicant's name, for the officer of the unit holding the dossier only (null when erased);
   * absent for everyone else — analysts and the public never see it.
   */
  readonly applicantName?: string | null;
}

/**
 * The applicant's name as received: the stream's first event (the receipt, or the online submission)
 * carries it, decrypted from the vault. One short read per dossier, only for the page being answered.
 */
async function applicantNameOf(store: EventStore, dossierId: string): Promise<string | null> {
  for await (const first of store.readStream(dossierStreamId(dossierId), { maxCount: 1 })) {
    const applicant = first.data.applicant as { name?: unknown } | undefined;
    return typeof applicant?.name === "string" ? applicant.name : null;
  }
  return null;
}

/** Adds `dueSoon` to every item, and the applicant's name to those the calling officer's unit holds. */
export async function withWorklistExtras<T extends DossierView>(
  items: readonly T[],
  deps: { principal: Principal; now: number; service: DossierService; store: EventStore },
): Promise<(T & WorklistExtras)[]> {
  const { principal, now } = deps;
  return Promise.all(
    items.map(async (item) => {
      const schedule = await deps.service.schedule(item.receivingUnitId);
      const dueSoon =
        CLOCK_RUNNING.has(item.status) &&
        isDueSoon(schedule, now, item.dueAt === null ? null : parseInstant(item.dueAt));
      const holdsIt = principal.role === "officer" && principal.unitId === item.currentUnitId;
      if (!holdsIt) return { ...item, dueSoon };
      return { ...item, dueSoon, applicantName: await applicantNameOf(deps.store, item.dossierId) };
    }),
  );
}
