import { randomUUID } from "node:crypto";
import {
  type CommandDeps,
  eraseFeedbackSender,
  type FeedbackRequest,
  type FeedbackResult,
  handleFeedbackCommand,
  PUBLIC_SENDER,
  publicFeedback,
  readFeedback,
  submitFeedback,
  uuidFromName,
} from "@motcua/commands";
import {
  FEEDBACK_ANSWER_MAX,
  FEEDBACK_CONTACT_MAX,
  FEEDBACK_CONTENT_MAX,
  isStorableText,
  localDateOf,
} from "@motcua/domain";
import type { Principal } from "@motcua/platform";
import { FEEDBACK_STATUS_FILTERS, listDossiers, listFeedback } from "@motcua/read-models";
import { listProcedures, listUnits } from "@motcua/reference-data";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { commandHeaders, expectedRevision } from "../command-headers";
import { principalOf, requireRole } from "../plugins/auth";
import { refusalProblem } from "../plugins/errors";
import { AppError, problemResponse } from "../problem";
import {
  minPositionQuery,
  positionField,
  queryError,
  type ReadModelAccess,
  readErrors,
  withUnitNames,
} from "../read-model-access";

export interface FeedbackRouteDeps {
  readonly deps: CommandDeps;
  readonly access: ReadModelAccess;
  readonly settings: {
    readonly handlingWorkingDays: number;
    readonly rateLimitMax: number;
    readonly rateLimitWindowMs: number;
  };
}

const thousands = (n: number) => n.toLocaleString("vi-VN");

/** Free text a person types, with the rule said in Vietnamese when it is broken. */
const typedText = (what: string, max: number) =>
  z
    .string({ error: `bắt buộc: hãy nhập ${what}` })
    .trim()
    .min(1, `không được để trống: hãy nhập ${what}`)
    .max(max, `dài quá: ${what} tối đa ${thousands(max)} ký tự`)
    .refine(isStorableText, "chứa ký tự không hợp lệ");

const optionalId = (what: string) =>
  z
    .string({ error: `phải là mã ${what}` })
    .trim()
    .min(1, `không được để trống mã ${what}`)
    .max(100, `mã ${what} quá dài`)
    .optional();

const submitBody = z
  .object({
    about: z
      .object({
        unitId: optionalId("đơn vị").meta({ description: "The unit the feedback is about (it handles it)" }),
        procedureId: optionalId("thủ tục").meta({ description: "The administrative procedure it is about" }),
        dossierCode: optionalId("hồ sơ").meta({
          description: "The dossier it is about (its code from the slip); the unit holding it handles it",
        }),
      })
      .strict()
      .refine((a) => a.unitId !== undefined || a.procedureId !== undefined || a.dossierCode !== undefined, {
        message: "hãy chọn đơn vị, thủ tục hoặc nhập mã hồ sơ mà phản ánh nói đến",
      }),
    content: typedText("nội dung phản ánh, kiến nghị", FEEDBACK_CONTENT_MAX).meta({
      description: `What the sender says: required, at most ${FEEDBACK_CONTENT_MAX} characters. Sealed in the event store; never in read models, logs or jobs`,
    }),
    contact: typedText("thông tin liên hệ", FEEDBACK_CONTACT_MAX)
      .optional()
      .meta({
        description: `How to reach the sender (phone, e-mail, address): optional, at most ${FEEDBACK_CONTACT_MAX} characters; shown only to the officers handling it`,
      }),
  })
  .strict();

const statusSchema = z.enum(["received", "assigned", "answered", "closed"]).meta({
  description: "received (tiếp nhận), assigned (đã giao xử lý), answered (đã trả lời), closed (đã đóng)",
});

const answerSchema = z.object({
  feedbackId: z.string(),
  status: statusSchema,
  unitId: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  revision: z.number().int(),
  position: z.number().int(),
});

const publicViewSchema = z.object({
  trackingCode: z.string(),
  status: statusSchema,
  unitId: z.string(),
  unitName: z.string().nullable(),
  submittedAt: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  answeredAt: z.string().nullable(),
  answer: z.string().nullable().meta({ description: "The answer, only once the unit published it" }),
  published: z.boolean(),
});

const viewSchema = z.object({
  feedbackId: z.string(),
  status: statusSchema,
  about: z.object({
    unitId: z.string().nullable(),
    procedureId: z.string().nullable(),
    dossierCode: z.string().nullable(),
  }),
  receivingUnitId: z.string(),
  unitId: z.string(),
  unitName: z.string().nullable(),
  officerId: z.string().nullable(),
  submittedAt: z.string(),
  dueAt: z.string(),
  overdue: z.boolean(),
  answeredAt: z.string().nullable(),
  answerTimeliness: z.enum(["on_time", "late"]).nullable(),
  published: z.boolean(),
  closedAt: z.string().nullable(),
  revision: z.number().int(),
});

const itemSchema = viewSchema.extend({
  dueSoon: z.boolean().meta({ description: "Open, not overdue, due within the next 48 hours" }),
});

const detailSchema = viewSchema.extend({
  content: z.string().nullable().meta({ description: "The sender's words (null once erased)" }),
  contact: z.string().nullable(),
  answer: z.string().nullable(),
  erased: z
    .boolean()
    .meta({ description: "The sender's data was erased: content, contact and answer are null" }),
  history: z.array(
    z.object({ type: z.string(), at: z.string(), actorRole: z.string(), revision: z.number().int() }),
  ),
  position: z.number().int(),
});

const idParams = z.object({ id: z.uuid({ error: "phải là mã phản ánh (UUID)" }) });

const commandErrors = {
  400: problemResponse("Invalid input, naming the field and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Not an officer of the unit handling it"),
  404: problemResponse("No such feedback"),
  409: problemResponse("If-Match names another revision, or someone changed it meanwhile"),
  422: problemResponse("The feedback's state refuses it (closed, answered already)"),
};

const actorOf = (principal: Principal) => ({
  id: principal.sub,
  name: principal.name,
  role: principal.role,
  unitId: principal.unitId ?? null,
});

function answerOrThrow<A>(outcome: FeedbackResult<A>): A {
  if (!outcome.ok) throw refusalProblem(outcome.refusal);
  return outcome.answer;
}

/** Idempotency-Key: the command id derives from it, so a retry appends nothing and gets the first answer. */
function feedbackRequest(request: FastifyRequest, principal: Principal): FeedbackRequest {
  const headers = request.headers as Record<string, string | undefined>;
  const key = headers["idempotency-key"];
  return {
    actor: actorOf(principal),
    commandId:
      key === undefined
        ? randomUUID()
        : uuidFromName("motcua.feedback-command", `${principal.sub}\u0000${key}`),
    correlationId: request.id,
    expectedRevision: expectedRevision(headers["if-match"]),
  };
}

/**
 * Citizens' feedback (phản ánh, kiến nghị): the public form and lookup by tracking code, and the officers'
 * worklist, detail and commands (assign, answer and publish, close).
 */
export function feedbackRoutes(options: FeedbackRouteDeps): RouteSlice {
  const { deps, access, settings } = options;
  const unitName = async (unitId: string) => (await deps.reference.unit(unitId))?.name ?? null;

  return async (app) => {
    app.post(
      "/public/feedback",
      {
        config: {
          rateLimit: {
            max: settings.rateLimitMax,
            timeWindow: settings.rateLimitWindowMs,
            keyGenerator: (request: FastifyRequest) => `feedback:${request.ip}`,
          },
        },
        schema: {
          tags: ["public"],
          summary:
            "Send feedback (phản ánh, kiến nghị) about a unit, a procedure or a dossier; answers a tracking code",
          description: `No token. Rate limited per client address (FEEDBACK_RATE_LIMIT_MAX per FEEDBACK_RATE_LIMIT_WINDOW). Handled by the unit named, else the unit holding the dossier named, else the one unit at the procedure's level; due ${settings.handlingWorkingDays} working days later on that unit's calendar.`,
          body: submitBody,
          response: {
            201: z.object({
              trackingCode: z.string().meta({ description: "PA-XXXX-XXXX: keep it to follow the feedback" }),
              status: statusSchema,
              unitId: z.string(),
              unitName: z.string().nullable(),
              dueAt: z.string(),
            }),
            400: problemResponse("Invalid input, naming the field and the rule (Vietnamese)"),
            429: problemResponse("Too many feedback from this address; Retry-After says when"),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const outcome = await submitFeedback(
          deps,
          {
            about: {
              unitId: body.about.unitId ?? null,
              procedureId: body.about.procedureId ?? null,
              dossierCode: body.about.dossierCode ?? null,
            },
            content: body.content,
            contact: body.contact ?? null,
          },
          { actor: PUBLIC_SENDER, commandId: randomUUID(), correlationId: request.id },
          {
            handlingWorkingDays: settings.handlingWorkingDays,
            holderOfDossier: async (code) => {
              const page = await listDossiers(access.db, await access.schema(), { code, limit: 1 });
              return page.items[0]?.currentUnitId ?? null;
            },
          },
        );
        const answer = answerOrThrow(outcome);
        reply.code(201);
        return {
          trackingCode: answer.trackingCode,
          status: answer.status,
          unitId: answer.unitId,
          unitName: await unitName(answer.unitId),
          dueAt: answer.dueAt,
        };
      },
    );

    app.get(
      "/public/feedback/choices",
      {
        schema: {
          tags: ["public"],
          summary:
            "What a feedback may be about: the units in office now and the procedures (public names only)",
          response: {
            200: z.object({
              units: z.array(
                z.object({
                  unitId: z.string(),
                  name: z.string(),
                  level: z.string(),
                  parentId: z.string().nullable(),
                }),
              ),
              procedures: z.array(
                z.object({ procedureId: z.string(), code: z.string(), name: z.string(), level: z.string() }),
              ),
              handlingWorkingDays: z.number().int(),
              contentMaxLength: z.number().int(),
              contactMaxLength: z.number().int(),
            }),
          },
        },
      },
      async () => {
        const today = localDateOf(deps.now().getTime());
        const units = (await listUnits(deps.db)).filter(
          (u) => (u.validFrom ?? "0000") <= today && (u.validTo === undefined || today <= u.validTo),
        );
        const procedures = await listProcedures(deps.db);
        return {
          units: units.map((u) => ({ unitId: u.unitId, name: u.name, level: u.level, parentId: u.parentId })),
          procedures: procedures.map((p) => ({
            procedureId: p.procedureId,
            code: p.code,
            name: p.name,
            level: p.level,
          })),
          handlingWorkingDays: settings.handlingWorkingDays,
          contentMaxLength: FEEDBACK_CONTENT_MAX,
          contactMaxLength: FEEDBACK_CONTACT_MAX,
        };
      },
    );

    app.get(
      "/public/feedback/:trackingCode",
      {
        schema: {
          tags: ["public"],
          summary:
            "Follow a feedback by its tracking code: its status, due moment and, once published, the answer",
          description: "Never the sender's words nor their contact. Rate limited like every /public/ route.",
          params: z.object({ trackingCode: z.string().trim().min(1).max(40) }),
          response: { 200: publicViewSchema, 404: problemResponse("No feedback has that tracking code") },
        },
      },
      async (request) => {
        const view = await publicFeedback(deps, request.params.trackingCode);
        if (view === null) {
          throw new AppError(
            404,
            "feedback.not_found",
            "Không có phản ánh, kiến nghị nào mang mã theo dõi này",
            {
              title: "Không tìm thấy phản ánh, kiến nghị",
            },
          );
        }
        return { ...view, unitName: await unitName(view.unitId) };
      },
    );

    app.get(
      "/feedback",
      {
        onRequest: requireRole("officer", "admin", "auditor"),
        schema: {
          tags: ["feedback"],
          summary:
            "Feedback worklist: by the unit handling it and status, earliest due first, with overdue flags",
          description:
            "Officers see their own unit's (unitId defaults to it). No sender's words or contact here: open one feedback for those.",
          querystring: minPositionQuery.extend({
            unitId: z.string().trim().min(1).max(100).optional(),
            status: z.enum(FEEDBACK_STATUS_FILTERS).optional().meta({
              description: "A status, `open` (received or assigned) or `overdue` (open and past due)",
            }),
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(itemSchema),
              nextCursor: z.string().nullable(),
              position: positionField,
            }),
            ...readErrors,
          },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const query = request.query;
        const unitId = query.unitId ?? (principal.role === "officer" ? principal.unitId : undefined);
        if (principal.role === "officer" && unitId !== principal.unitId) {
          throw new AppError(403, "feedback.not_your_unit", "Officers see the feedback of their own unit");
        }
        const { result, position } = await access
          .read(query.minPosition, reply, (db, schema) =>
            listFeedback(db, schema, {
              ...(unitId === undefined ? {} : { unitIds: [unitId] }),
              ...(query.status === undefined ? {} : { status: query.status }),
              now: deps.now().toISOString(),
              limit: query.limit,
              ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
            }),
          )
          .catch(queryError);
        const items = await withUnitNames(deps.db, result.items);
        return {
          items: items.map((i) => ({ ...i, unitName: i.unitName ?? null })),
          nextCursor: result.nextCursor,
          position,
        };
      },
    );

    app.get(
      "/feedback/:id",
      {
        onRequest: requireRole("officer", "admin"),
        schema: {
          tags: ["feedback"],
          summary:
            "One feedback for the officers handling it: the sender's words and contact, the answer, the history",
          params: idParams,
          response: { 200: detailSchema, ...commandErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const detail = answerOrThrow(await readFeedback(deps, request.params.id, actorOf(principal)));
        return { ...detail, history: [...detail.history], unitName: await unitName(detail.unitId) };
      },
    );

    const command = <B extends z.ZodType>(
      name: "assign" | "answer" | "close",
      summary: string,
      body: B,
      toCommand: (body: z.infer<B>) => Parameters<typeof handleFeedbackCommand>[2],
    ) =>
      app.post(
        `/feedback/:id/${name}`,
        {
          onRequest: requireRole("officer", "admin"),
          schema: {
            tags: ["feedback"],
            summary,
            headers: commandHeaders,
            params: idParams,
            body,
            response: { 200: answerSchema, ...commandErrors },
          },
        },
        async (request) => {
          const principal = principalOf(request);
          const outcome = await handleFeedbackCommand(
            deps,
            request.params.id,
            toCommand(request.body as z.infer<B>),
            feedbackRequest(request, principal),
          );
          return answerOrThrow(outcome);
        },
      );

    command(
      "assign",
      "Assign a feedback to an officer of the unit, or hand it to another unit (its deadline stays)",
      z
        .object({
          toUnitId: z
            .string({ error: "bắt buộc: chọn đơn vị xử lý" })
            .trim()
            .min(1, "hãy chọn đơn vị xử lý")
            .max(100),
          officerId: z
            .string()
            .trim()
            .min(1)
            .max(200)
            .optional()
            .meta({ description: "The officer who handles it" }),
        })
        .strict(),
      (b) => ({ type: "AssignFeedback", data: { toUnitId: b.toUnitId, officerId: b.officerId ?? null } }),
    );
    command(
      "answer",
      "Answer a feedback; `publish: true` shows the answer to whoever holds its tracking code",
      z
        .object({
          answer: typedText("nội dung trả lời", FEEDBACK_ANSWER_MAX),
          publish: z.boolean({ error: "bắt buộc: chọn có công khai câu trả lời hay không" }),
        })
        .strict(),
      (b) => ({ type: "AnswerFeedback", data: { answer: b.answer, publish: b.publish } }),
    );
    app.post(
      "/feedback/:id/erase",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["feedback"],
          summary:
            "Erase the sender's data (their words, contact and the answer): the feedback's key is destroyed",
          description:
            "Admins, on a person's request (Decree 13/2023/NĐ-CP). Appends FeedbackSenderErased holding only the ground, then forgets the key; repeating it is harmless.",
          headers: commandHeaders,
          params: idParams,
          body: z
            .object({
              reason: typedText("căn cứ xoá (số, ngày của yêu cầu; không ghi tên người gửi)", 2000),
            })
            .strict(),
          response: { 200: answerSchema, ...commandErrors },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return answerOrThrow(
          await eraseFeedbackSender(
            deps,
            request.params.id,
            request.body.reason,
            feedbackRequest(request, principal),
          ),
        );
      },
    );

    command(
      "close",
      "Close a feedback (answered, or not to be answered: a duplicate, not a feedback)",
      z.object({}).strict().optional(),
      () => ({ type: "CloseFeedback", data: {} }),
    );
  };
}
