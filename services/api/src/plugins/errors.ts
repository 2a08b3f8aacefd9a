import type { Socket } from "node:net";
import { type CommandRefusal, type CommandRefusalKind, CommandRefused } from "@motcua/commands";
import { isStorableText } from "@motcua/domain";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { AppError, type FieldError, PROBLEM_CONTENT_TYPE, statusTitle } from "../problem";

/** Fastify names the part of the request that failed validation `body`, `querystring`, `params`, `headers`. */
const partNames: Record<string, string> = { querystring: "query" };

function fieldPath(part: string | undefined, instancePath: string): string {
  const name = partNames[part ?? "body"] ?? part ?? "body";
  const segments = instancePath.split("/").filter((segment) => segment !== "");
  return [name, ...segments].join(".");
}

interface ValidationIssue {
  readonly instancePath: string;
  readonly message?: string | undefined;
  readonly keyword: string;
  readonly params?: Record<string, unknown>;
}

interface ValidationFailure {
  readonly validation: readonly ValidationIssue[];
  readonly validationContext?: string;
}

/** One entry per offending field; an unknown key is reported at its own path. */
function fieldErrors(part: string | undefined, issue: ValidationIssue): FieldError[] {
  const keys = issue.params?.keys;
  if (issue.keyword === "unrecognized_keys" && Array.isArray(keys)) {
    return keys.map((key) => ({
      path: fieldPath(part, `${issue.instancePath}/${String(key)}`),
      // A schema's own words for an unknown key (a rating criterion that does not exist) win.
      message:
        issue.message && !/^Unrecognized key/i.test(issue.message)
          ? issue.message
          : "Unrecognized key: not a field of this request",
    }));
  }
  return [{ path: fieldPath(part, issue.instancePath), message: issue.message ?? issue.keyword }];
}

const isValidationFailure = (error: unknown): error is ValidationFailure =>
  typeof error === "object" &&
  error !== null &&
  Array.isArray((error as { validation?: unknown }).validation);

function validationProblem(error: ValidationFailure): AppError {
  const errors = error.validation.flatMap((issue) => fieldErrors(error.validationContext, issue));
  const fields = [...new Set(errors.map((e) => e.path))].join(", ");
  return new AppError(400, "request.invalid", `The request is invalid: ${fields}`, {
    title: "Invalid request",
    errors,
  });
}

/**
 * Fastify's own client errors, translated. Their messages can quote the request (a JSON parser's message
 * quotes the body), so each gets a fixed detail instead.
 */
function fastifyClientProblem(error: FastifyError, request: FastifyRequest): AppError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError(
        413,
        "request.body_too_large",
        `The request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes`,
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError(415, "request.unsupported_media_type", "Send the request body as application/json");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new AppError(400, "request.bad_content_length", "The Content-Length does not match the body");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError(400, "request.malformed_json", "The body is empty but the content type is JSON");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError(400, "request.malformed_json", "The request body is not valid JSON");
    case "FST_ERR_HANDLER_TIMEOUT":
      return new AppError(503, "request.timeout", "The request took too long and was abandoned; try again", {
        headers: { "retry-after": "1" },
      });
    default:
      break;
  }
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return new AppError(400, "request.malformed_json", "The request body is not valid JSON");
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const code = error.code?.startsWith("FST_")
      ? `request.${error.code.replace(/^FST_ERR_/, "").toLowerCase()}`
      : "request.rejected";
    return new AppError(status, code, "The request was rejected");
  }
  return undefined;
}

/** Postgres SQLSTATEs and socket errors that mean "a dependency is down or full", not "a bug". */
const UNAVAILABLE_CODES = new Set([
  "53300", // too_many_connections
  "53400", // configuration_limit_exceeded
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "event_store.unavailable",
]);
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connection is closed|not queryable/i;
/**
 * Whole SQLSTATE classes that mean the server, not the statement: 08 connection exceptions, 53
 * insufficient resources, 57P operator intervention (shutdown, restart, cannot connect now).
 */
const UNAVAILABLE_SQLSTATES = /^(08|53|57P)/;

/** A dependency that is down, full or restarting: 503 with Retry-After, never a 500 (API.md). */
export function unavailableProblem(error: unknown): AppError | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const known =
    typeof code === "string" &&
    (UNAVAILABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATES.test(code)));
  if (!known && !(typeof message === "string" && UNAVAILABLE_MESSAGES.test(message))) return undefined;
  return new AppError(
    503,
    "dependency.unavailable",
    "A service the API depends on is unavailable; retry shortly",
    {
      title: "Service Unavailable",
      headers: { "retry-after": "2" },
    },
  );
}

/**
 * THE catalogue of command refusals: each kind of "no" answers with one status and title, whatever the
 * use case (the refusal keeps its own `code` and `detail`). A refusal's fields are in the request body.
 */
const REFUSALS: Readonly<Record<CommandRefusalKind, { readonly status: number; readonly title?: string }>> = {
  NotFound: { status: 404 },
  NotHeldByYourUnit: { status: 403 },
  RevisionConflict: { status: 409 },
  UnknownReference: { status: 400, title: "Invalid request" },
  InvalidTime: { status: 400, title: "Invalid request" },
  NotAllowed: { status: 422, title: "Action not allowed" },
  ReferenceGone: { status: 422 },
};

/** Titles of the feedback refusals, read by citizens and officers as they are. */
const REFUSAL_TITLES: Readonly<Record<string, string>> = {
  "feedback.not_found": "Không tìm thấy phản ánh, kiến nghị",
  "feedback.not_your_unit": "Phản ánh, kiến nghị của đơn vị khác",
  "feedback.revision_conflict": "Phản ánh, kiến nghị vừa thay đổi",
  "feedback.already_closed": "Phản ánh, kiến nghị đã đóng",
  "feedback.already_answered": "Phản ánh, kiến nghị đã được trả lời",
  "feedback.assign_to_same": "Đã giao như vậy",
  "feedback.already_exists": "Phản ánh, kiến nghị đã tồn tại",
  "feedback.already_erased": "Thông tin người gửi đã được xoá",
  "rating.code_invalid": "Mã đánh giá không đúng",
  "rating.already_rated": "Hồ sơ đã được đánh giá",
  "rating.not_returned": "Hồ sơ chưa trả kết quả",
};

/** A command refusal as the problem the API answers with (API.md). */
export function refusalProblem(refusal: CommandRefusal): AppError {
  const { status } = REFUSALS[refusal.kind];
  const title = REFUSAL_TITLES[refusal.code] ?? REFUSALS[refusal.kind].title;
  const revision =
    "revision" in refusal && refusal.revision !== undefined ? { revision: refusal.revision } : {};
  const actionIndex =
    "actionIndex" in refusal && refusal.actionIndex !== undefined ? { actionIndex: refusal.actionIndex } : {};
  return new AppError(status, refusal.code, refusal.detail, {
    ...(title === undefined ? {} : { title }),
    ...("fields" in refusal
      ? { errors: refusal.fields.map((f) => ({ path: `body.${f.field}`, message: f.message })) }
      : {}),
    extensions: { ...revision, ...actionIndex },
  });
}

export function toAppError(error: unknown, request: FastifyRequest): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof CommandRefused) return refusalProblem(error.refusal);
  const unavailable = unavailableProblem(error);
  if (unavailable) return unavailable;
  if (hasZodFastifySchemaValidationErrors(error) || isValidationFailure(error)) {
    return validationProblem(error as ValidationFailure);
  }
  if (typeof error === "object" && error !== null && "code" in error) {
    const fastifyError = error as FastifyError;
    if (isResponseSerializationError(fastifyError)) return undefined;
    return fastifyClientProblem(fastifyError, request);
  }
  return undefined;
}

/**
 * Errors Fastify meets before any route (a URL that does not decode, a path parameter over
 * `maxParamLength`): problems like every other, never echoing the URL. Passed as Fastify's
 * `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const problem =
    error.code === "FST_ERR_MAX_PARAM_LENGTH"
      ? new AppError(414, "request.param_too_long", "A path parameter is longer than this API accepts", {
          title: "URI Too Long",
        })
      : error.code === "FST_ERR_BAD_URL"
        ? new AppError(400, "request.bad_url", "The URL is not valid: a percent-encoding does not decode", {
            title: "Invalid request",
          })
        : new AppError(400, "request.rejected", "The request was rejected", { title: "Invalid request" });
  sendProblem(reply, problem);
}

/**
 * Requests Node's HTTP parser refuses (a malformed or conflicting Content-Length, a bad header) never
 * reach Fastify: the answer is written to the socket here, as problem+json, without quoting the request.
 * Passed as Fastify's `clientErrorHandler` option.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, detail] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, "request.headers_too_large", "The request headers are too large"]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "request.timeout", "The request was not received in time"]
        : [400, "request.malformed", "The request is not valid HTTP (check Content-Length and the headers)"];
  const body = JSON.stringify(new AppError(status, code, detail).toProblem());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${statusTitle(status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Where a string Postgres cannot store (NUL, a lone surrogate) sits in a request part, if anywhere (at
 * most about 20 places). It runs on every request, so the path of a value (`body.items.0.name`) is joined
 * only for a value it names, from the keys walked so far.
 */
function unstorablePaths(value: unknown, root: string): string[] {
  const out: string[] = [];
  const keys = [root];
  const visit = (item: unknown): void => {
    if (out.length >= 20) return;
    if (typeof item === "string") {
      if (!isStorableText(item)) out.push(keys.join("."));
    } else if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index++) {
        keys.push(String(index));
        visit(item[index]);
        keys.pop();
      }
    } else if (typeof item === "object" && item !== null) {
      for (const key in item) {
        if (!Object.hasOwn(item, key)) continue;
        if (!isStorableText(key)) {
          out.push(keys.join("."));
          continue;
        }
        keys.push(key);
        visit((item as Record<string, unknown>)[key]);
        keys.pop();
      }
    }
  };
  visit(value);
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Sends the problem as is: a string payload, so no route's response serializer reshapes it. */
export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify({ ...error.toProblem(), requestId: reply.request.id }));
}

/**
 * Every error leaves as application/problem+json. Known conditions keep their status and code; anything
 * else is a 500 with a generic detail, logged with the error's name, code and stack but never the
 * request body (it may hold personal data) nor the raw error object (a driver error can quote values).
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const known = toAppError(error, request);
      if (known !== undefined) {
        if (known.status >= 500) {
          request.log.warn({ code: known.code, status: known.status }, "request failed on a known condition");
        }
        return sendProblem(reply, known);
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      request.log.error(
        {
          // Not under `err`: pino's error serializer would copy every property, and a driver error's
          // properties (`detail`, parameters) can quote personal data.
          error: {
            type: failure.name,
            code: (failure as { code?: unknown }).code,
            message: failure.message,
            stack: failure.stack,
          },
        },
        "unexpected error",
      );
      return sendProblem(
        reply,
        new AppError(500, "internal", `An unexpected error occurred; it was logged as request ${request.id}`),
      );
    });

    // Text Postgres cannot store is bad input wherever it sits (a path parameter, the query, the body):
    // 400 naming the field, before any route passes it to SQL (it was a 500, even without a token).
    app.addHook("preValidation", (request, _reply, done) => {
      const params = unstorablePaths(request.params, "params");
      const query = unstorablePaths(request.query, "query");
      const body = unstorablePaths(request.body, "body");
      if (params.length + query.length + body.length === 0) {
        done();
        return;
      }
      const paths = [...params, ...query, ...body];
      done(
        new AppError(400, "request.invalid", `The request is invalid: ${paths.join(", ")}`, {
          title: "Invalid request",
          errors: paths.map((path) => ({ path, message: "must be Unicode text without NUL characters" })),
        }),
      );
    });

    // JSON bodies must be UTF-8: invalid bytes are refused, not silently replaced by U+FFFD.
    const parseJson = app.getDefaultJsonParser("error", "error");
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
      let text: string;
      try {
        text = decoder.decode(body as Buffer);
      } catch {
        done(
          new AppError(400, "request.invalid_utf8", "The request body is not valid UTF-8", {
            title: "Invalid request",
          }),
          undefined,
        );
        return;
      }
      parseJson(request, text, done);
    });

    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split("?")[0] ?? "/";
      return sendProblem(
        reply,
        new AppError(404, "route.not_found", `No route matches ${request.method} ${path}`),
      );
    });
  },
  { name: "motcua-errors", fastify: "5.x" },
);
