import { type DestinationStream, type Logger, pino } from "pino";
import type { LogLevel } from "./config";

export type { Logger } from "pino";

/** Keys whose values are personal data wherever they appear in a log line. */
const personalKeys = ["applicant", "applicantName", "idNumber", "phone", "address"] as const;

/** Keys that carry credentials. */
const credentialPaths = [
  "authorization",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  "request.headers.authorization",
  "res.headers['set-cookie']",
];

const MAX_DEPTH = 4;

function atEveryDepth(key: string): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth <= MAX_DEPTH; depth++)
    paths.push([...Array<string>(depth).fill("*"), key].join("."));
  return paths;
}

/**
 * Every path pino redacts. `applicant` is censored as a whole (name, ID number, phone, address and anything
 * added later), at any depth up to five levels, and so are the loose personal fields and credentials.
 */
export const redactedPaths: readonly string[] = [
  ...personalKeys.flatMap(atEveryDepth),
  ...credentialPaths,
  ...atEveryDepth("headers.authorization").slice(1),
];

export const REDACTED = "[redacted]";

const personalQueryKey = new RegExp(`^(${personalKeys.join("|")})$`, "i");

/**
 * A request URL fit for a log: the values of personal query parameters (`?idNumber=…` of a right-of-access
 * request) and of an OpenID Connect callback's code and state are replaced, the rest kept as sent.
 */
export function redactUrl(url: string): string {
  const question = url.indexOf("?");
  if (question < 0) return url;
  const pairs = url.slice(question + 1).split("&");
  // An OpenID Connect callback (`?code=…&state=…`, the workbench's sign-in): its one-time code is a credential.
  const names = new Set(pairs.map((pair) => pair.split("=")[0]));
  const oauthCallback = names.has("code") && names.has("state");
  const query = pairs.map((pair) => {
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      // A malformed escape stays as it is.
    }
    const secret = personalQueryKey.test(name) || (oauthCallback && (name === "code" || name === "state"));
    return equals >= 0 && secret ? `${key}=${encodeURIComponent(REDACTED)}` : pair;
  });
  return `${url.slice(0, question)}?${query.join("&")}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's request serializer, with personal query values redacted from the URL. A plain object logged
 * as `req` keeps its own fields (redaction of their personal keys still applies).
 */
const serializers = {
  req: (req: LoggedRequest) =>
    Object.getPrototypeOf(req) === Object.prototype
      ? { ...req, ...(typeof req.url === "string" ? { url: redactUrl(req.url) } : {}) }
      : {
          method: req.method,
          url: typeof req.url === "string" ? redactUrl(req.url) : req.url,
          host: req.host,
          remoteAddress: req.ip,
          remotePort: req.socket?.remotePort,
        },
};

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly name?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
}

const loggerOptions = (level: LogLevel, name: string | undefined) => ({
  level,
  ...(name === undefined ? {} : { name }),
  redact: { paths: [...redactedPaths], censor: REDACTED },
  serializers,
  base: { service: name ?? "motcua" },
});

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    loggerOptions(options.level ?? "info", options.name),
    options.destination ?? pino.destination({ sync: false }),
  );
}

const LEVEL_WORDS: Record<number, string> = { 40: "warning", 50: "error", 60: "fatal" };

/** One JSON log line as a person reads it: `warning: <message> (<error message>)`. */
export function readableLogLine(json: string): string {
  try {
    const line = JSON.parse(json) as { level?: number; msg?: string; err?: { message?: string } };
    const word = LEVEL_WORDS[line.level ?? 0] ?? "log";
    const why = line.err?.message ? ` (${line.err.message})` : "";
    return `${word}: ${line.msg ?? ""}${why}`;
  } catch {
    return json.trimEnd();
  }
}

export interface ConsoleAndFileLoggerOptions {
  readonly level: LogLevel;
  readonly name?: string;
  /** Every line at `level` is appended here; the directory is created. */
  readonly file: string;
  /**
   * Where a person reads: at debug or trace every line, as JSON; otherwise only warnings and worse, one
   * readable line each, so progress and links are not buried under request logs.
   */
  readonly console: (text: string) => void;
}

/** The logger of a command a person runs in a terminal (`pnpm start`): the file keeps the full log. */
export function createConsoleAndFileLogger(options: ConsoleAndFileLoggerOptions): Logger {
  const verbose = options.level === "debug" || options.level === "trace";
  // Synchronous: a process that exits (Ctrl-C, a failed start) leaves its last lines in the file.
  const file = pino.destination({ dest: options.file, mkdir: true, append: true, sync: true });
  const console = {
    write: (line: string) => options.console(verbose ? line.trimEnd() : readableLogLine(line)),
  };
  const streams = [{ level: options.level, stream: file }];
  if (options.level !== "silent") {
    const consoleLevel =
      verbose || options.level === "error" || options.level === "fatal" ? options.level : "warn";
    streams.push({ level: consoleLevel, stream: console as never });
  }
  return pino(loggerOptions(options.level, options.name), pino.multistream(streams));
}
