import {
  type CommandDeps,
  type CommandRequest,
  type CommandResult,
  type DossierCommandType,
  type FingerprintSubject,
  handleDossierCommand,
  requestFingerprint,
} from "@motcua/commands";
import { ActionTimeSchema, type CommandOf, type DossierCommand } from "@motcua/domain";
import type { Role } from "@motcua/platform";
import type { FastifySerializerCompiler } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { assertMayBackdate, commandHeaders } from "../../command-headers";
import { principalOf, requireRole } from "../../plugins/auth";
import { problemResponse } from "../../problem";
import type { IdempotencyKeys } from "../idempotency";
import { runCommand } from "./run-command";

export const at = ActionTimeSchema.optional().meta({
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

const UUID = z.regexes.uuid();

/**
 * Writes a command's answer as the zod serializer would (`commandAnswerSchema`'s fields, in its order):
 * an answer of exactly the schema's types is written directly, anything else goes to the zod serializer,
 * which writes it or refuses it as before. Every command answers through here; encoding the answer
 * through zod was ≈ 1.5 % of the API's CPU per command.
 */
export function commandAnswerSerializer(fallback: (data: unknown) => string): (data: unknown) => string {
  return (data) => {
    const answer = data as Record<string, unknown> | null;
    if (
      typeof answer === "object" &&
      answer !== null &&
      !Array.isArray(answer) &&
      typeof answer.dossierId === "string" &&
      UUID.test(answer.dossierId) &&
      typeof answer.code === "string" &&
      typeof answer.status === "string" &&
      (answer.dueAt === null || typeof answer.dueAt === "string") &&
      typeof answer.dueAtProvisional === "boolean" &&
      Number.isSafeInteger(answer.revision) &&
      Number.isSafeInteger(answer.position)
    ) {
      return JSON.stringify({
        dossierId: answer.dossierId,
        code: answer.code,
        status: answer.status,
        dueAt: answer.dueAt,
        dueAtProvisional: answer.dueAtProvisional,
        revision: answer.revision,
        position: answer.position,
      });
    }
    return fallback(data);
  };
}

/** A command route's serializers: the zod one, but `commandAnswerSerializer` for a command's answer. */
const commandRouteSerializers: FastifySerializerCompiler<unknown> = (route) => {
  const zodSerializer = serializerCompiler(route as Parameters<typeof serializerCompiler>[0]);
  return route.schema === commandAnswerSchema ? commandAnswerSerializer(zodSerializer) : zodSerializer;
};

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

const dossierParams = z.object({ id: z.uuid() });

export interface CommandRouteDeps {
  readonly deps: CommandDeps;
  readonly idempotency: IdempotencyKeys;
}

/** What one command endpoint says about itself; the route's shape (auth, headers, If-Match, Idempotency-Key,
 * metrics, answers) is `commandEndpoint`'s, once for all. */
export interface CommandEndpoint<Body extends z.ZodType> {
  /** `/dossiers`, or the part after `/dossiers/{id}/`. */
  readonly url: string;
  /** Whether the URL names the dossier (`/dossiers/{id}/…`). */
  readonly onDossier: boolean;
  /** The command's name in the metrics. */
  readonly name: string;
  readonly roles: readonly Role[];
  readonly summary: string;
  readonly body: Body;
  readonly successStatus: 200 | 201;
  readonly answer: z.ZodType;
  /** The moment the body names for the action, which only admins may set (`at`). */
  readonly at: (body: z.output<Body>) => string | undefined;
  /** Whether `at` is the admin's backdating (refused to others), rather than part of what is imported. */
  readonly backdates: boolean;
  /** Whose key fingerprints a keyed request. */
  readonly fingerprintSubject: (body: z.output<Body>, dossierId: string) => FingerprintSubject;
  readonly execute: (
    deps: CommandDeps,
    input: { readonly body: z.output<Body>; readonly dossierId: string },
    command: CommandRequest,
  ) => Promise<CommandResult>;
}

/** Registers one command endpoint; see `CommandEndpoint`. */
export function commandEndpoint<Body extends z.ZodType>(endpoint: CommandEndpoint<Body>) {
  return (route: CommandRouteDeps): RouteSlice =>
    async (app) => {
      app.post(
        endpoint.onDossier ? `/dossiers/:id/${endpoint.url}` : endpoint.url,
        {
          onRequest: requireRole(...endpoint.roles),
          serializerCompiler: commandRouteSerializers,
          schema: {
            tags: ["dossiers"],
            summary: endpoint.summary,
            ...(endpoint.onDossier ? { params: dossierParams } : {}),
            headers: commandHeaders,
            body: endpoint.body,
            response: { [endpoint.successStatus]: endpoint.answer, ...errorResponses } as Record<
              number,
              unknown
            >,
          },
        },
        async (request, reply) => {
          const principal = principalOf(request);
          const body = request.body as z.output<Body>;
          const dossierId = (request.params as { id?: string }).id ?? "";
          const at = endpoint.at(body);
          if (endpoint.backdates) assertMayBackdate(principal, at);
          return runCommand(request, reply, {
            principal,
            type: endpoint.name,
            successStatus: endpoint.successStatus,
            at,
            idempotency: route.idempotency,
            fingerprint: (commandId, parts) =>
              requestFingerprint(route.deps, endpoint.fingerprintSubject(body, dossierId), commandId, parts),
            execute: (command) => endpoint.execute(route.deps, { body, dossierId }, command),
          });
        },
      );
    };
}

/** An officer's command on a received dossier: `POST /dossiers/{id}/<path>`, issuing one domain command. */
export interface DossierCommandRoute {
  readonly path: string;
  /** The body's fields besides `at`: the domain command's data. */
  readonly data: z.ZodObject;
  /** The domain command a validated body (or an imported action) asks for. */
  readonly toCommand: (body: Readonly<Record<string, unknown>>) => DossierCommand;
  readonly register: (route: CommandRouteDeps) => RouteSlice;
}

/**
 * One use case, one route: `defineCommandRoute<"TransferDossier">({ path, summary, data, command })`. The
 * body is the command's data schema plus `at`, so `command` receives exactly the data its type needs.
 */
export function defineCommandRoute<Type extends DossierCommandType>(route: {
  readonly path: string;
  readonly summary: string;
  readonly data: z.ZodObject & z.ZodType<CommandOf<Type>["data"]>;
  readonly command: (data: CommandOf<Type>["data"]) => CommandOf<Type>;
}): DossierCommandRoute {
  const toCommand = (body: Readonly<Record<string, unknown>>) => {
    // The body was validated against `data` (plus `at`, and an imported action's `action` and `actor`).
    const { at: _at, action: _action, actor: _actor, ...data } = body;
    return route.command(data as CommandOf<Type>["data"]);
  };
  const body = route.data.extend({ at }).strict();
  return {
    path: route.path,
    data: route.data,
    toCommand,
    register: commandEndpoint({
      url: route.path,
      onDossier: true,
      name: route.path,
      roles: ["officer", "admin"],
      summary: route.summary,
      body,
      successStatus: 200,
      answer: commandAnswerSchema,
      at: (b) => (b as { at?: string }).at,
      backdates: true,
      fingerprintSubject: (_b, dossierId) => ({ dossierId }),
      execute: (deps, input, command) =>
        handleDossierCommand(
          deps,
          input.dossierId,
          toCommand(input.body as Record<string, unknown>),
          command,
        ),
    }),
  };
}
