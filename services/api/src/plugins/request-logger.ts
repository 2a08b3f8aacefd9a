import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, LogFn } from "pino";

type PinoLike = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * Fastify's `childLoggerFactory`: the request's logger, made only when the request logs a line its level
 * lets through.
 *
 * Fastify makes a pino child per request to bind `reqId`, and pino runs every binding through the
 * redaction paths (`redactedPaths`, dozens of wildcards): ≈ 1.5 % of the API's CPU per command under
 * `pnpm bench:commands`, for a logger that most requests never write to (nothing is logged per request
 * below `info`, and production runs at `info` or `warn`). Here the request gets a stand-in: a call at a
 * level the parent would drop is dropped, as the child would drop it; any other call, `child()` or a
 * change of `level` makes the real child — the same `logger.child(bindings, options)` — once, and
 * everything goes to it from then on, so what is written is what the eager child would write.
 *
 * A route with its own log level or serializers (Fastify passes them as `options`), or a logger that
 * cannot say which levels it lets through, gets the real child at once.
 */
export function lazyRequestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  const parent = logger as PinoLike;
  const isLevelEnabled = parent.isLevelEnabled;
  if (typeof isLevelEnabled !== "function" || Object.keys(options).length > 0) {
    return logger.child(bindings, options);
  }
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => {
    child ??= logger.child(bindings, options);
    return child;
  };
  const at = (level: Level): LogFn =>
    ((...args: unknown[]) => {
      if (child === undefined && !isLevelEnabled.call(parent, level)) return;
      (real()[level] as (...a: unknown[]) => void)(...args);
    }) as LogFn;
  return {
    get level() {
      return child?.level ?? logger.level;
    },
    set level(level: string) {
      real().level = level;
    },
    fatal: at("fatal"),
    error: at("error"),
    warn: at("warn"),
    info: at("info"),
    debug: at("debug"),
    trace: at("trace"),
    silent: (() => {}) as LogFn,
    child: (childBindings, childOptions) => real().child(childBindings, childOptions),
  };
}
