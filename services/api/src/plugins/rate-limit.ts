import rateLimit from "@fastify/rate-limit";
import type { HttpConfig } from "@motcua/platform";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Redis } from "ioredis";
import { AppError } from "../problem";
import { redisStoreWithLocalFallback } from "./rate-limit-store";

export interface RateLimitOptions {
  readonly limits: HttpConfig["rateLimit"];
  /**
   * Shared counters for several API instances. Give it a connection that fails fast (createRedis with
   * `failFast`): while Redis is away each instance counts in its own memory instead (the limit holds per
   * instance rather than not at all). In-memory when omitted.
   */
  readonly redis?: Redis | undefined;
  readonly redisPrefix?: string;
}

/** The unauthenticated reads: the citizens' `/public/*` and the transparency log's `/audit/*` heads and proofs. */
const isPublic = (request: FastifyRequest): boolean => {
  const url = request.routeOptions.url ?? request.url;
  return url.startsWith("/public/") || url.startsWith("/audit/");
};

/**
 * Global rate limit per client address, with a stricter budget (and its own counter) for `/public/*` and `/audit/*`.
 * A refusal is a 429 problem with Retry-After.
 */
export const rateLimitPlugin = fp<RateLimitOptions>(
  async (app, options) => {
    const { max, publicMax, windowMs } = options.limits;
    await app.register(rateLimit, {
      global: true,
      timeWindow: windowMs,
      max: (request) => (isPublic(request) ? publicMax : max),
      keyGenerator: (request) => `${isPublic(request) ? "public" : "api"}:${request.ip}`,
      ...(options.redis === undefined
        ? {}
        : {
            store: redisStoreWithLocalFallback(
              options.redis,
              `${options.redisPrefix ?? "motcua"}:rate-limit:`,
              (error) =>
                app.log.warn(
                  { err: error ? { name: error.name, message: error.message } : undefined },
                  "Redis unavailable: rate limits counted in this process until it answers",
                ),
            ),
          }),
      errorResponseBuilder: (_request, context) =>
        new AppError(
          429,
          "rate_limited",
          `Too many requests: at most ${context.max} per ${context.after}; slow down`,
          {
            title: "Too Many Requests",
            headers: { "retry-after": String(Math.max(1, Math.ceil(context.ttl / 1000))) },
          },
        ),
    });
  },
  { name: "motcua-rate-limit", fastify: "5.x", dependencies: ["motcua-errors"] },
);
