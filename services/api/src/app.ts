import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock, Config, HealthCheck, Logger } from "@motcua/platform";
import { createLogger, systemClock } from "@motcua/platform";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from "fastify";
import {
  type FastifyPluginAsyncZod,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Redis } from "ioredis";
import { authPlugin } from "./plugins/auth";
import { clientErrorHandler, errorsPlugin, frameworkErrors } from "./plugins/errors";
import { handlerTimeoutPlugin } from "./plugins/handler-timeout";
import { healthPlugin } from "./plugins/health";
import { metricsPlugin, type PartitionLag } from "./plugins/metrics";
import { openApiPlugin } from "./plugins/openapi";
import { rateLimitPlugin } from "./plugins/rate-limit";
import { lazyRequestLogger } from "./plugins/request-logger";
import { securityHeadersPlugin } from "./plugins/security-headers";
import { strictQueryString } from "./strict-query";

declare module "fastify" {
  interface FastifyInstance {
    config: Config;
    clock: Clock;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A request id a client may choose: up to 128 letters, digits, '.', '_' or '-'. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** A vertical slice of routes (dossiers, admin, audit, reports, public), registered in its own context. */
export type RouteSlice = FastifyPluginAsyncZod;

export interface AppDeps {
  readonly config: Config;
  /** Defaults to a redacting pino logger at `config.logLevel`. */
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Dependencies `/health` asks about (event store, Postgres, Redis, …); the API itself always counts. */
  readonly healthChecks?: readonly HealthCheck[];
  readonly healthTimeoutMs?: number;
  /** Shared rate-limit counters (a fail-fast connection); in-memory when omitted. */
  readonly rateLimitRedis?: Redis;
  /** Route slices, registered after the infrastructure so they see its decorators. */
  readonly slices?: readonly RouteSlice[];
  /** Node process metrics in `/metrics`; on by default. */
  readonly defaultMetrics?: boolean;
  /** The projection lag per partition for `/metrics`; the gauge stays empty without it. */
  readonly projectionLag?: () => Promise<readonly PartitionLag[]>;
}

/**
 * Builds the API without listening: `scripts/api.ts` and `scripts/start.ts` listen, tests use `app.inject`. Infrastructure comes
 * first (errors, security headers, rate limits, metrics, auth, OpenAPI, health), then the route slices.
 */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger({ level: config.logLevel, name: "api" });

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // The socket-level receive time; the whole route lifecycle is handlerTimeoutPlugin's (503 request.timeout).
    requestTimeout: config.http.requestTimeoutMs,
    // A client's x-request-id is kept only when it is a plain id (echoed and logged, it must not carry
    // kilobytes or arbitrary text); otherwise the request gets one of ours.
    requestIdHeader: false,
    genReqId: (request) => {
      const offered = request.headers["x-request-id"];
      return typeof offered === "string" && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    },
    frameworkErrors,
    clientErrorHandler,
    childLoggerFactory: lazyRequestLogger,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook("onRoute", strictQueryString);
  app.decorate("config", config);
  app.decorate("clock", deps.clock ?? systemClock);
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    done(null, payload);
  });

  await app.register(handlerTimeoutPlugin, { timeoutMs: config.http.requestTimeoutMs });
  await app.register(errorsPlugin);
  await app.register(openApiPlugin);
  await app.register(securityHeadersPlugin, {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  await app.register(rateLimitPlugin, {
    limits: config.http.rateLimit,
    redis: deps.rateLimitRedis,
    redisPrefix: config.redisPrefix,
  });
  await app.register(metricsPlugin, {
    defaultMetrics: deps.defaultMetrics ?? true,
    ...(deps.projectionLag ? { projectionLag: deps.projectionLag } : {}),
  });
  await app.register(authPlugin, { auth: config.auth });
  await app.register(healthPlugin, {
    checks: deps.healthChecks ?? [],
    ...(deps.healthTimeoutMs === undefined ? {} : { timeoutMs: deps.healthTimeoutMs }),
  });

  for (const slice of deps.slices ?? []) await app.register(slice);

  return app;
}
