import { Writable } from "node:stream";
import { createLogger } from "@motcua/platform";
import type { FastifyBaseLogger } from "fastify";
import { describe, expect, it, vi } from "vitest";
import { lazyRequestLogger } from "./request-logger";

function capturingLogger(level: "warn" | "debug") {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level, name: "api", destination }) as unknown as FastifyBaseLogger;
  return { logger, lines };
}

describe("the request's logger", () => {
  it("makes no child for lines its level drops, and logs the others with the request id, redacted", () => {
    const { logger, lines } = capturingLogger("warn");
    const child = vi.spyOn(logger, "child");
    const log = lazyRequestLogger(logger, { reqId: "req-1" }, {});
    log.info("incoming request");
    log.debug({ x: 1 }, "detail");
    expect(child).not.toHaveBeenCalled();
    expect(log.level).toBe("warn");

    log.warn({ applicant: { name: "Nguyễn Văn An" } }, "something odd");
    log.error("failed");
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([
      { reqId: "req-1", msg: "something odd", applicant: "[redacted]", level: 40 },
      { reqId: "req-1", msg: "failed", level: 50 },
    ]);
  });

  it("writes what the eager child writes at an enabled level", () => {
    const lazy = capturingLogger("debug");
    const eager = capturingLogger("debug");
    lazyRequestLogger(lazy.logger, { reqId: "r" }, {}).debug({ n: 1 }, "hello");
    eager.logger.child({ reqId: "r" }, {}).debug({ n: 1 }, "hello");
    const { time: _a, ...lazyLine } = lazy.lines[0] ?? {};
    const { time: _b, ...eagerLine } = eager.lines[0] ?? {};
    expect(lazyLine).toEqual(eagerLine);
  });

  it("gives a route with its own log level its child at once", () => {
    const { logger } = capturingLogger("warn");
    const child = vi.spyOn(logger, "child");
    const log = lazyRequestLogger(logger, { reqId: "r" }, { level: "debug" });
    expect(child).toHaveBeenCalledTimes(1);
    expect(log.level).toBe("debug");
  });
});
