import type { DossierService, ImportedActor } from "@motcua/commands";
import {
  ActionTimeSchema,
  ApplicantSchema,
  ChannelSchema,
  CloseMissedSupplementSchema,
  DocumentSchema,
  type DossierCommand,
  ForwardDossierSchema,
  IssueApologySchema,
  ReasonSchema,
  RequestFeeSchema,
  RequestSupplementSchema,
  ResolveDossierSchema,
  ReturnResultSchema,
  StopDossierSchema,
  TransferDossierSchema,
  WithdrawDossierSchema,
} from "@motcua/domain";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { assertMayBackdate, commandHeaders } from "../command-headers";
import { principalOf, requireRole } from "../plugins/auth";
import { problemResponse } from "../problem";
import { runCommand } from "./command-runner";
import type { IdempotencyKeys } from "./idempotency";

const at = ActionTimeSchema.optional().meta({
  description:
    "Admins migrating history only: when the action really happened (ISO 8601 with offset; from 2000-01-01, " +
    "not in the future, not before the dossier's last event)",
});

export const commandAnswerSchema = z.object({
  dossierId: z.uuid(),
  code: z.string().meta({ description: "The dossier code {unit code}-{YYMMDD}-{NNNN}" }),
  status: z.string(),
  dueAt: z.string().nullable(),
  dueAtProvisional: z.boolean().meta({
    description:
      "true when dueAt falls in a year whose official calendar notice is not loaded: counted on the Labour Code's fixed solar holidays only, so it may still move (provisional)",
  }),
  revision: z.number().int(),
  position: z.number().int(),
});

/** The answer to an intake command that issues no code: a submission, or its refusal. */
export const intakeAnswerSchema = z.object({
  dossierId: z.uuid(),
  status: z.string().meta({ description: "submitted, or refused" }),
  revision: z.number().int(),
  position: z.number().int(),
});

const errorResponses = {
  400: problemResponse("Invalid input, naming the field and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Not allowed for this caller"),
  404: problemResponse("No such dossier"),
  409: problemResponse("Revision conflict: the dossier changed meanwhile"),
  422: problemResponse("The action is not allowed in the dossier's current state; `code` names the rule"),
};

export const receiveBody = z
  .object({
    dossierId: z.uuid().optional(),
    procedureId: z.string().trim().min(1).max(100),
    unitId: z.string().trim().min(1).max(100),
    channel: ChannelSchema,
    applicant: ApplicantSchema,
    documents: z.array(DocumentSchema).max(200).optional(),
    at,
  })
  .strict();

const submissionBody = receiveBody.omit({ channel: true }).strict();

const refuseIntakeBody = z.object({ reason: ReasonSchema, at }).strict();

/** Each command route: its path, the domain command it issues, and the body it takes. */
const COMMANDS = [
  {
    path: "transfer",
    type: "TransferDossier",
    data: TransferDossierSchema.shape.data,
    summary: "Hand over to another level or agency (liên thông); the overall due moment stays",
  },
  {
    path: "forward",
    type: "ForwardDossier",
    data: ForwardDossierSchema.shape.data,
    summary: "Forward to the competent body or the next step (received → processing)",
  },
  {
    path: "supplement-request",
    type: "RequestSupplement",
    data: RequestSupplementSchema.shape.data,
    summary: "Request a supplement (Mẫu 02): the clock stops",
  },
  {
    path: "supplement-received",
    type: "ReceiveSupplement",
    data: z.object({}).strict(),
    summary: "The supplement arrived: the clock restarts or resumes per the procedure",
  },
  {
    path: "supplement-missed",
    type: "CloseMissedSupplement",
    data: CloseMissedSupplementSchema.shape.data,
    summary: "The applicant missed the supplement window: processing stops",
  },
  {
    path: "fee-request",
    type: "RequestFee",
    data: RequestFeeSchema.shape.data,
    summary: "Request fees: the clock stops until payment",
  },
  {
    path: "fee-paid",
    type: "RecordFeePaid",
    data: z.object({}).strict(),
    summary: "Fees paid: the clock resumes",
  },
  {
    path: "apology",
    type: "IssueApology",
    data: IssueApologySchema.shape.data,
    summary: "Apology and new appointment (Mẫu 04); the legal due moment does not move",
  },
  {
    path: "resolve",
    type: "ResolveDossier",
    data: ResolveDossierSchema.shape.data,
    summary: "Resolve: the timeliness class is fixed here",
  },
  {
    path: "return",
    type: "ReturnResult",
    data: ReturnResultSchema.shape.data,
    summary: "Return the result to the applicant",
  },
  {
    path: "withdraw",
    type: "WithdrawDossier",
    data: WithdrawDossierSchema.shape.data,
    summary: "Withdraw at the applicant's request",
  },
  {
    path: "stop",
    type: "StopDossier",
    data: StopDossierSchema.shape.data,
    summary: "Stop processing (not eligible), with written reasons",
  },
] as const;

/**
 * The officer who really did an imported action in the earlier system: recorded as the event's actor,
 * with the importing admin as `recordedBy`. An officer's name is not an applicant's personal data.
 */
export const importActorSchema = z
  .object({
    id: z.string().trim().min(1).max(200),
    name: z.string().trim().min(1).max(200),
    unitId: z.string().trim().min(1).max(100),
  })
  .strict()
  .meta({ description: "The officer who did it in the earlier system (id, name, unit)" });

export const importActionSchema = z.discriminatedUnion("action", [
  ...COMMANDS.map((c) =>
    (c.data as z.ZodObject)
      .extend({ action: z.literal(c.path), at: ActionTimeSchema, actor: importActorSchema.optional() })
      .strict(),
  ),
] as unknown as [z.ZodObject, ...z.ZodObject[]]);

const importBody = receiveBody
  .omit({ at: true })
  .extend({
    receivedAt: ActionTimeSchema.meta({
      description: "When it was received: from 2000-01-01, not in the future",
    }),
    actions: z.array(importActionSchema).max(500),
    actor: importActorSchema.optional().meta({
      description: "Who received it; also the actor of the actions that name none (default: the admin)",
    }),
  })
  .strict();

export function commandFromBody(type: string, body: Record<string, unknown>): DossierCommand {
  const { at: _at, action: _action, actor: _actor, ...data } = body;
  return { type, data } as DossierCommand;
}

export function dossierCommandRoutes(deps: {
  service: DossierService;
  idempotency: IdempotencyKeys;
}): RouteSlice {
  const { service, idempotency } = deps;
  return async (app) => {
    app.post(
      "/dossiers",
      {
        onRequest: requireRole("officer", "admin"),
        schema: {
          tags: ["dossiers"],
          summary:
            "Receive a dossier (counter, online, post): issues its code and appointment, starts the clock",
          headers: commandHeaders,
          body: receiveBody,
          response: { 201: commandAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        assertMayBackdate(principal, request.body.at);
        return runCommand(request, reply, {
          principal,
          type: "receive",
          successStatus: 201,
          at: request.body.at,
          idempotency,
          fingerprint: (commandId, parts) =>
            service.requestFingerprint({ receipt: request.body }, commandId, parts),
          execute: (command) => service.receive(request.body, command),
        });
      },
    );

    app.post(
      "/submissions",
      {
        onRequest: requireRole("officer", "portal", "admin"),
        schema: {
          tags: ["dossiers"],
          summary:
            "Submit a dossier online (the portal's connector, or an officer of the unit): no code, no clock until accepted",
          headers: commandHeaders,
          body: submissionBody,
          response: { 201: intakeAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        assertMayBackdate(principal, request.body.at);
        return runCommand(request, reply, {
          principal,
          type: "submit",
          successStatus: 201,
          at: request.body.at,
          idempotency,
          fingerprint: (commandId, parts) =>
            service.requestFingerprint({ receipt: request.body }, commandId, parts),
          execute: (command) => service.submit(request.body, command),
        });
      },
    );

    app.post(
      "/dossiers/:id/accept",
      {
        onRequest: requireRole("officer", "admin"),
        schema: {
          tags: ["dossiers"],
          summary:
            "Accept an online submission (tiếp nhận): issues its code and appointment, starts the clock",
          params: z.object({ id: z.uuid() }),
          headers: commandHeaders,
          body: z.object({ at }).strict().optional(),
          response: { 200: commandAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const at = request.body?.at;
        assertMayBackdate(principal, at);
        return runCommand(request, reply, {
          principal,
          type: "accept",
          successStatus: 200,
          at,
          idempotency,
          fingerprint: (commandId, parts) =>
            service.requestFingerprint({ dossierId: request.params.id }, commandId, parts),
          execute: (command) => service.accept(request.params.id, command),
        });
      },
    );

    app.post(
      "/dossiers/:id/refuse-intake",
      {
        onRequest: requireRole("officer", "admin"),
        schema: {
          tags: ["dossiers"],
          summary: "Refuse an online submission at intake (Mẫu 03), with the reason: outside every report",
          params: z.object({ id: z.uuid() }),
          headers: commandHeaders,
          body: refuseIntakeBody,
          response: { 200: intakeAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        assertMayBackdate(principal, request.body.at);
        return runCommand(request, reply, {
          principal,
          type: "refuse-intake",
          successStatus: 200,
          at: request.body.at,
          idempotency,
          fingerprint: (commandId, parts) =>
            service.requestFingerprint({ dossierId: request.params.id }, commandId, parts),
          execute: (command) => service.refuseIntake(request.params.id, request.body.reason, command),
        });
      },
    );

    app.post(
      "/dossiers/import",
      {
        onRequest: requireRole("admin"),
        schema: {
          tags: ["dossiers"],
          summary: "Import a dossier's whole history from an earlier system, in one append",
          headers: commandHeaders,
          body: importBody,
          response: { 201: commandAnswerSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const { actions, ...receipt } = request.body;
        return runCommand(request, reply, {
          principal,
          type: "import",
          successStatus: 201,
          at: receipt.receivedAt,
          idempotency,
          fingerprint: (commandId, parts) => service.requestFingerprint({ receipt }, commandId, parts),
          execute: (command) =>
            service.importHistory(
              receipt,
              actions.map((a) => {
                const action = a as { action: string; at: string; actor?: ImportedActor } & Record<
                  string,
                  unknown
                >;
                const type = COMMANDS.find((c) => c.path === action.action)?.type as string;
                return { command: commandFromBody(type, action), at: action.at, actor: action.actor };
              }),
              { ...command, at: undefined },
            ),
        });
      },
    );

    for (const definition of COMMANDS) {
      const body = (definition.data as z.ZodObject).extend({ at }).strict();
      app.post(
        `/dossiers/:id/${definition.path}`,
        {
          onRequest: requireRole("officer", "admin"),
          schema: {
            tags: ["dossiers"],
            summary: definition.summary,
            params: z.object({ id: z.uuid() }),
            headers: commandHeaders,
            body,
            response: { 200: commandAnswerSchema, ...errorResponses },
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const payload = request.body as Record<string, unknown> & { at?: string };
          assertMayBackdate(principal, payload.at);
          return runCommand(request, reply, {
            principal,
            type: definition.path,
            successStatus: 200,
            at: payload.at,
            idempotency,
            fingerprint: (commandId, parts) =>
              service.requestFingerprint({ dossierId: request.params.id }, commandId, parts),
            execute: (command) =>
              service.execute(request.params.id, commandFromBody(definition.type, payload), command),
          });
        },
      );
    }
  };
}
