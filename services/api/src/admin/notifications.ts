import {
  listOutbox,
  NOTICE_KINDS,
  type NotificationsDatabase,
  OUTBOX_STATUSES,
  type OutboxNotice,
  redactContact,
  requeueFailed,
} from "@motcua/notifications";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { principalOf, requireRole } from "../plugins/auth";
import { problemResponse } from "../problem";

const errors = {
  400: problemResponse("Invalid input, naming the parameter and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Admins only"),
};

/**
 * A notice as operators see it: what it is, where it goes (the recipient's kind and unit, never an
 * address) and how sending it went. The outbox holds no name, ID number or phone; the rendered body is
 * left out (the subject names the dossier by its code), and the last error is redacted once more in case
 * a gateway echoed an address.
 */
const noticeSchema = z.object({
  id: z.number().int(),
  dossierId: z.string(),
  kind: z.enum(NOTICE_KINDS),
  occasion: z
    .string()
    .meta({ description: "What makes two notices of one kind differ (a deadline, a request)" }),
  channel: z.string(),
  recipientKind: z.enum(["applicant", "unit"]),
  unitId: z.string().meta({ description: "The unit the notice is for (unit notices) or speaks for" }),
  subject: z.string(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  requeues: z.number().int().meta({ description: "Times an operator re-queued it after it failed" }),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
});

const view = (n: OutboxNotice): z.infer<typeof noticeSchema> => ({
  id: n.id,
  dossierId: n.dossierId,
  kind: n.kind,
  occasion: n.occasion,
  channel: n.channel,
  recipientKind: n.recipientKind,
  unitId: n.unitId,
  subject: n.subject,
  status: n.status,
  attempts: n.attempts,
  requeues: n.requeues,
  lastError: n.lastError === null ? null : redactContact(n.lastError),
  createdAt: n.createdAt,
  sentAt: n.sentAt,
});

/** The scheduler creates its tables when it starts; until one has, there is nothing to list. */
const noOutboxYet = (error: unknown) => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "42P01" || code === "3F000";
};

/**
 * The scheduler's notification outbox for admins: list it (the dead-letter list is `status=failed`) and
 * put failed notices back to pending. Re-queueing changes rows only: the active scheduler's sweep
 * (every minute by default) sends every pending notice again under a fresh job id, wherever it runs.
 */
export function notificationRoutes(deps: { db: Kysely<NotificationsDatabase> }): RouteSlice {
  const { db } = deps;
  return async (app) => {
    app.get(
      "/admin/notifications",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["operations"],
          summary: "Notices in the scheduler's outbox, oldest first; status=failed is the dead-letter list",
          querystring: z.object({
            status: z.enum(OUTBOX_STATUSES).optional(),
            kind: z.enum(NOTICE_KINDS).optional(),
            dossierId: z.uuid().optional(),
            limit: z.coerce.number().int().min(1).max(1_000).default(100),
          }),
          response: { 200: z.object({ items: z.array(noticeSchema) }), ...errors },
        },
      },
      async (request) => {
        const q = request.query;
        const notices = await listOutbox(db, {
          ...(q.status ? { status: q.status } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.dossierId ? { dossierId: q.dossierId } : {}),
          limit: q.limit,
        }).catch((error: unknown) => {
          if (noOutboxYet(error)) return [];
          throw error;
        });
        return { items: notices.map(view) };
      },
    );

    app.post(
      "/admin/notifications/requeue",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["operations"],
          summary:
            "Put failed notices (these ids, or all without ids) back to pending; the scheduler's next sweep sends them",
          body: z
            .object({
              ids: z
                .array(z.number().int().min(1))
                .max(1_000)
                .optional()
                .meta({ description: "Outbox ids; absent re-queues every failed notice" }),
            })
            .strict(),
          response: {
            200: z.object({
              requeued: z.number().int(),
              ids: z.array(z.number().int()),
              skipped: z
                .array(z.number().int())
                .meta({ description: "Ids asked for that are not failed notices (unknown, or not failed)" }),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const asked = request.body.ids === undefined ? undefined : [...new Set(request.body.ids)];
        const refs = await requeueFailed(db, asked).catch((error: unknown) => {
          if (noOutboxYet(error)) return [];
          throw error;
        });
        const ids = refs.map((r) => r.id).sort((a, b) => a - b);
        const done = new Set(ids);
        const skipped = (asked ?? []).filter((id) => !done.has(id));
        request.log.info({ by: principal.sub, requeued: ids.length, ids }, "notifications re-queued");
        return { requeued: ids.length, ids, skipped };
      },
    );
  };
}
