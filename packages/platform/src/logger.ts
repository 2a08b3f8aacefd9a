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

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly name?: string;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...redactedPaths], censor: REDACTED },
      base: { service: options.name ?? "motcua" },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}
