import type { HealthCheck } from "@motcua/platform";
import fp from "fastify-plugin";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError, problemResponse } from "../problem";

export type { HealthCheck } from "@motcua/platform";

export interface HealthOptions {
  readonly checks: readonly HealthCheck[];
  /** A check that has not answered by then counts as down. */
  readonly timeoutMs?: number;
}

type CheckResult =
  | { readonly name: string; readonly ok: true }
  | { readonly name: string; readonly ok: false; readonly reason: string };

async function runCheck(check: HealthCheck, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ name: check.name, ok: false, reason: "timeout" }), timeoutMs);
  });
  const attempt = (async (): Promise<CheckResult> => {
    try {
      await check.check();
      return { name: check.name, ok: true };
    } catch (error) {
      return { name: check.name, ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const healthySchema = z.object({
  status: z.literal("ok"),
  checks: z.record(z.string(), z.literal("ok")),
});

/**
 * `GET /health`: 200 when the API and every dependency answer, else 503 problem+json naming the ones
 * that did not. Why a check failed is logged, not shown: a driver's message can name hosts or users.
 */
export const healthPlugin = fp<HealthOptions>(
  async (app, options) => {
    const timeoutMs = options.timeoutMs ?? 2_000;
    app.withTypeProvider<ZodTypeProvider>().get(
      "/health",
      {
        config: { rateLimit: false },
        schema: {
          tags: ["operations"],
          summary: "Whether the API and its dependencies answer",
          response: {
            200: healthySchema,
            503: problemResponse("A dependency does not answer; `failing` names it"),
          },
        },
      },
      async (request) => {
        const results = await Promise.all(options.checks.map((check) => runCheck(check, timeoutMs)));
        const checks: Record<string, "ok" | "down"> = { api: "ok" };
        for (const result of results) checks[result.name] = result.ok ? "ok" : "down";
        const failing = results.filter((r) => !r.ok);
        if (failing.length > 0) {
          for (const failure of failing) {
            request.log.warn(
              { check: failure.name, reason: failure.ok ? "" : failure.reason },
              "health check failed",
            );
          }
          const names = failing.map((f) => f.name);
          throw new AppError(503, "health.dependency_down", `Not answering: ${names.join(", ")}`, {
            extensions: { checks, failing: names },
            headers: { "retry-after": "5" },
          });
        }
        return { status: "ok" as const, checks: checks as Record<string, "ok"> };
      },
    );
  },
  { name: "motcua-health", fastify: "5.x", dependencies: ["motcua-errors"] },
);
