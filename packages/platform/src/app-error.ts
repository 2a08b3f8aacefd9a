import { STATUS_CODES } from "node:http";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface FieldError {
  /** Where the bad value is, as `<part>.<field path>`: `body.applicant.name`, `query.limit`. */
  readonly path: string;
  /** What rule it breaks. */
  readonly message: string;
}

/** RFC 9457 problem details, with a stable machine-readable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** One URN per code: stable, dereferenceable by nobody, and never naming a host. */
export const problemType = (code: string): string => `urn:motcua:problem:${code}`;

export const statusTitle = (status: number): string => STATUS_CODES[status] ?? "Error";

export interface AppErrorOptions {
  readonly title?: string;
  readonly errors?: readonly FieldError[];
  /** Extra members of the problem body (never personal data). */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Response headers, e.g. `Retry-After`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/**
 * An error a route or plugin throws on purpose. The errors plugin turns it into problem+json with this
 * status and code; `detail` is shown to the caller as written, so it must never contain personal data.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly title: string;
  readonly errors: readonly FieldError[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.title = options.title ?? statusTitle(status);
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** Fastify and its plugins read `statusCode`. */
  get statusCode(): number {
    return this.status;
  }

  toProblem(): Problem {
    return {
      ...this.extensions,
      type: problemType(this.code),
      title: this.title,
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
