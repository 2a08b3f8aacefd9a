import { randomUUID } from "node:crypto";
import { type CommandAnswer, type CommandRequest, type CommandResult, uuidFromName } from "@motcua/commands";
import type { Principal } from "@motcua/platform";
import type { FastifyReply, FastifyRequest } from "fastify";
import { expectedRevision } from "../../command-headers";
import { refusalProblem } from "../../plugins/errors";
import { AppError, PROBLEM_CONTENT_TYPE } from "../../problem";
import type { IdempotencyKeys } from "../idempotency";

/** Answers worth replaying to a retry: success and the refusals a retry would meet again. */
const keepAnswer = (status: number) => status < 500 && status !== 409 && status !== 429;

const outcomeOf = (status: number) =>
  status < 300
    ? "accepted"
    : status === 409
      ? "conflict"
      : status === 422
        ? "refused"
        : status === 403
          ? "forbidden"
          : status < 500
            ? "invalid"
            : "error";

/**
 * Runs one command request: Idempotency-Key (first answer kept, key reuse with another body refused),
 * If-Match, the command id the event store dedups on, and the command metrics.
 */
export async function runCommand(
  request: FastifyRequest,
  reply: FastifyReply,
  options: {
    readonly principal: Principal;
    readonly type: string;
    readonly successStatus: 200 | 201;
    readonly at: string | undefined;
    readonly idempotency: IdempotencyKeys;
    /**
     * The request's fingerprint, keyed so that it holds no personal data a guess could be tested against
     * (`requestFingerprint`): what Idempotency-Key compares and `commandHash` keeps.
     */
    readonly fingerprint: (commandId: string, request: unknown) => Promise<string>;
    readonly execute: (command: CommandRequest) => Promise<CommandResult>;
  },
): Promise<CommandAnswer> {
  const { principal, idempotency } = options;
  const metrics = request.server.metrics;
  const headers = request.headers as Record<string, string | undefined>;
  const key = headers["idempotency-key"];
  const revision = expectedRevision(headers["if-match"]);
  const scope = principal.sub;
  const commandId = key === undefined ? randomUUID() : uuidFromName("motcua.command", `${scope}\u0000${key}`);
  const hash =
    key === undefined
      ? undefined
      : await options.fingerprint(commandId, [request.method, request.url.split("?")[0], request.body]);
  const command: CommandRequest = {
    principal,
    at: options.at,
    commandId,
    freshCommandId: key === undefined,
    correlationId: request.id,
    expectedRevision: revision,
    commandHash: hash,
  };

  if (key !== undefined && hash !== undefined) {
    const stored = await idempotency.claim(scope, key, hash);
    if (stored) {
      metrics.commands.inc({ type: options.type, outcome: "replayed" });
      reply.code(stored.status);
      if (stored.status >= 400) reply.type(PROBLEM_CONTENT_TYPE);
      // A stored refusal goes back as the problem it was; its shape is not a CommandAnswer.
      return stored.body as CommandAnswer;
    }
  }
  try {
    const outcome = await options.execute(command);
    if (!outcome.ok) throw refusalProblem(outcome.refusal);
    const { answer } = outcome;
    metrics.commands.inc({ type: options.type, outcome: "accepted" });
    metrics.appends.inc();
    if (key !== undefined)
      await idempotency.complete(scope, key, { status: options.successStatus, body: answer });
    reply.code(options.successStatus);
    return answer;
  } catch (error) {
    const status = error instanceof AppError ? error.status : 500;
    metrics.commands.inc({ type: options.type, outcome: outcomeOf(status) });
    if (key !== undefined) {
      if (error instanceof AppError && keepAnswer(status)) {
        await idempotency.complete(scope, key, { status, body: error.toProblem() });
      } else {
        await idempotency.release(scope, key);
      }
    }
    throw error;
  }
}
