import { randomUUID } from "node:crypto";
import { actorOf, applicantData, eraseApplicant, type FoldedDossiers } from "@motcua/commands";
import { ReasonSchema } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import { listOutbox } from "@motcua/notifications";
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { AppError, problemResponse } from "../problem";

/*
 * A person's rights over their data (Decree 13/2023/NĐ-CP; Law 91/2025/QH15): an admin answers a request
 * for access (`GET /applicants/data`) or erasure (`POST /applicants/erase`). Both are recorded — who, when,
 * why and which dossiers — in `api.applicant_requests`, which never holds the ID number (the dossiers are
 * enough to find the request again, and a stored ID number would outlive the erasure).
 */

export interface ApplicantRequestsTable {
  id: string;
  kind: "access" | "erasure";
  actor_id: string;
  actor_name: string | null;
  actor_role: string;
  at: Date;
  reason: string | null;
  dossier_ids: string[];
}

export interface ApplicantRequestsDatabase {
  "api.applicant_requests": ApplicantRequestsTable;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not import application types
export async function migrateApplicantRequests(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS api`.execute(db);
  await sql`CREATE TABLE IF NOT EXISTS api.applicant_requests (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('access', 'erasure')),
    actor_id text NOT NULL,
    actor_name text,
    actor_role text NOT NULL,
    at timestamptz NOT NULL,
    reason text,
    dossier_ids text[] NOT NULL
  )`.execute(db);
}

const idNumber = z
  .string()
  .regex(/^(\d{9}|\d{12})$/, { message: "must be 9 digits (CMND) or 12 digits (CCCD)" })
  .meta({ description: "The person's ID number (CCCD, 12 digits; or the old CMND, 9 digits)" });
const reason = ReasonSchema.meta({
  description:
    "Why: the request's number and date, the article relied on. Kept in the clear in the record and in each dossier's history: never write the person's name or ID number here.",
});

const actorSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  role: z.string(),
  unitId: z.string().nullable(),
});
const heldEventSchema = z.object({
  revision: z.number().int(),
  position: z.number().int(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  actor: actorSchema,
  occurredAt: z.string(),
  recordedAt: z.string(),
});
const requestSchema = z.object({
  id: z.number().int(),
  kind: z.enum(["access", "erasure"]),
  actor: z.object({ id: z.string(), name: z.string().nullable(), role: z.string() }),
  at: z.string(),
  reason: z.string().nullable(),
  dossierIds: z.array(z.string()),
});

const errors = {
  400: problemResponse("Invalid input, naming the field and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Admins only (the requests' record: admins and auditors)"),
  404: problemResponse("No data is held about a person with that ID number"),
};

const notHeld = () =>
  new AppError(
    404,
    "applicant.not_found",
    "No data is held about a person with that ID number (never received, or already erased)",
  );

export function applicantRoutes(deps: {
  store: EventStore;
  subjectSecret: Buffer;
  /** The commands' folded dossiers in this process: an erased person's are dropped at once. */
  folded?: FoldedDossiers | undefined;
  db: Kysely<ApplicantRequestsDatabase>;
  now: () => Date;
}): RouteSlice {
  const { db } = deps;
  const record = async (
    kind: ApplicantRequestsTable["kind"],
    principal: ReturnType<typeof principalOf>,
    at: Date,
    why: string | null,
    dossierIds: readonly string[],
  ) => {
    const [row] = await db
      .insertInto("api.applicant_requests")
      .values({
        kind,
        actor_id: principal.sub,
        actor_name: principal.name,
        actor_role: principal.role,
        at,
        reason: why,
        dossier_ids: [...dossierIds],
      } as never)
      .returning("id")
      .execute();
    return Number(row?.id);
  };

  return async (app) => {
    app.get(
      "/applicants/data",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["personal data"],
          summary:
            "Everything held about a person, for their right of access (admin; recorded with its reason)",
          querystring: z
            .object({
              idNumber,
              reason: reason.optional().meta({
                description:
                  "Why (the request's number and date), kept in the record of requests; recommended, not required",
              }),
            })
            .strict(),
          response: {
            200: z.object({
              requestId: z.number().int(),
              dossiers: z.array(
                z.object({
                  dossierId: z.string(),
                  code: z.string().nullable(),
                  status: z.string(),
                  events: z.array(heldEventSchema),
                  notices: z.array(
                    z.object({
                      kind: z.string(),
                      channel: z.string(),
                      status: z.string(),
                      subject: z.string(),
                      body: z.string(),
                      createdAt: z.string(),
                      sentAt: z.string().nullable(),
                    }),
                  ),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const found = await applicantData(deps, request.query.idNumber);
        if (found === null) throw notHeld();
        const dossierIds = found.dossiers.map((d) => d.dossierId);
        const dossiers = await Promise.all(
          found.dossiers.map(async (d) => ({
            dossierId: d.dossierId,
            code: d.code,
            status: d.status,
            events: d.events.map((e) => ({
              revision: e.revision,
              position: e.position,
              type: e.type,
              data: e.data,
              actor: e.metadata.actor,
              occurredAt: e.metadata.occurredAt,
              recordedAt: e.metadata.recordedAt,
            })),
            // The notices sent to them (the outbox's own query; notices to units are not about them).
            notices: (await listOutbox(db as never, { dossierId: d.dossierId }))
              .filter((n) => n.recipientKind === "applicant")
              .map((n) => ({
                kind: n.kind,
                channel: n.channel,
                status: n.status,
                subject: n.subject,
                body: n.body,
                createdAt: n.createdAt,
                sentAt: n.sentAt,
              })),
          })),
        );
        const requestId = await record(
          "access",
          principal,
          deps.now(),
          request.query.reason ?? null,
          dossierIds,
        );
        return { requestId, dossiers };
      },
    );

    app.post(
      "/applicants/erase",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["personal data"],
          summary:
            "Erase a person's data: destroys their key and records ApplicantErased on each of their dossiers (admin; recorded with its reason)",
          body: z.object({ idNumber, reason }).strict(),
          response: {
            200: z.object({
              erasedAt: z.string(),
              dossiers: z
                .array(z.string())
                .meta({ description: "The ids of the dossiers that held their data" }),
              requestId: z
                .number()
                .int()
                .meta({ description: "Extension: the entry in GET /applicants/requests" }),
              appended: z
                .array(
                  z.object({
                    dossierId: z.string(),
                    code: z.string().nullable(),
                    revision: z.number().int(),
                  }),
                )
                .meta({
                  description: "Extension: each dossier's code and the revision of its ApplicantErased event",
                }),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const at = deps.now();
        const erased = await eraseApplicant(deps, {
          idNumber: request.body.idNumber,
          reason: request.body.reason,
          actor: actorOf(principal),
          at: at.getTime(),
          correlationId: randomUUID(),
        });
        if (erased === null) throw notHeld();
        const requestId = await record(
          "erasure",
          principal,
          at,
          request.body.reason,
          erased.dossiers.map((d) => d.dossierId),
        );
        return {
          erasedAt: erased.erasedAt,
          dossiers: erased.dossiers.map((d) => d.dossierId),
          requestId,
          appended: [...erased.dossiers],
        };
      },
    );

    app.get(
      "/applicants/requests",
      {
        onRequest: requireRole("admin", "auditor"),
        schema: {
          tags: ["personal data"],
          summary: "The record of access and erasure requests answered: who, when, why, which dossiers",
          querystring: z
            .object({
              dossierId: z.uuid().optional(),
              limit: z.coerce.number().int().min(1).max(1000).default(100),
            })
            .strict(),
          response: { 200: z.object({ items: z.array(requestSchema) }), ...errors },
        },
      },
      async (request) => {
        let query = db.selectFrom("api.applicant_requests").selectAll();
        if (request.query.dossierId !== undefined)
          query = query.where(sql<boolean>`${request.query.dossierId} = ANY(dossier_ids)`);
        const rows = await query.orderBy("id", "desc").limit(request.query.limit).execute();
        return {
          items: rows.map((row) => ({
            id: Number(row.id),
            kind: row.kind,
            actor: { id: row.actor_id, name: row.actor_name, role: row.actor_role },
            at: new Date(row.at).toISOString(),
            reason: row.reason,
            dossierIds: row.dossier_ids,
          })),
        };
      },
    );
  };
}
