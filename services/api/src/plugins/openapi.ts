import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { RouteOptions } from "fastify";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { problemResponse } from "../problem";
import { demandsToken } from "./auth";

/** The problems any route can answer, whatever its own schema says, and why. */
const EVERY_ROUTE = {
  400: "Invalid input (a field, a query parameter, a URL that does not decode), naming the field and the rule",
  414: "A path parameter is longer than 100 characters",
  429: "Rate limited; Retry-After says when to try again",
  503: "A dependency is unavailable or the request took too long; Retry-After says when to try again",
} as const;
const WITH_TOKEN = { 401: "No, bad or expired token", 403: "Not allowed for this caller" } as const;
const WITH_BODY = {
  413: "The body is larger than BODY_LIMIT_BYTES",
  415: "The body is not application/json",
} as const;

/**
 * Completes each route's documented answers so the OpenAPI document says every status the API can give
 * (the fuzzer holds it to that): the problems of every route, of routes wanting a token (and their bearer
 * `security`), and of routes taking a body. A route's own description of a status wins.
 */
export function documentRouteProblems(route: RouteOptions): void {
  const schema = route.schema as
    | { hide?: boolean; response?: Record<string, unknown>; security?: unknown; body?: unknown }
    | undefined;
  if (schema === undefined || schema.hide === true) return;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const withToken = demandsToken(route.onRequest);
  const statuses: Record<string, string> = {
    ...EVERY_ROUTE,
    ...(withToken ? WITH_TOKEN : {}),
    ...(schema.body !== undefined || methods.some((m) => m === "POST" || m === "PUT") ? WITH_BODY : {}),
  };
  const response = { ...(schema.response ?? {}) };
  for (const [status, description] of Object.entries(statuses)) {
    if (!(status in response)) response[status] = problemResponse(description);
  }
  schema.response = response;
  if (withToken && schema.security === undefined) schema.security = [{ bearerAuth: [] }];
}

export interface OpenApiOptions {
  readonly version?: string;
}

/**
 * The OpenAPI 3.1 document, built from every route's zod schemas, at `/docs/json` (and `/docs/yaml`), and
 * Swagger UI at `/docs`. Register before the routes so the document sees them all.
 */
export const openApiPlugin = fp<OpenApiOptions>(
  async (app, options) => {
    app.addHook("onRoute", documentRouteProblems);
    await app.register(swagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "motcua",
          version: options.version ?? "0.1.0",
          description:
            "Event-sourced workflow engine for one-stop administrative dossiers. Errors are application/problem+json " +
            "with a stable `code`; reads answer `position` and the `X-Read-Position` header.",
        },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: "http",
              scheme: "bearer",
              bearerFormat: "JWT",
              description:
                "HS256 with AUTH_JWT_SECRET in development; RS256 from AUTH_JWKS_URL in production",
            },
          },
        },
        tags: [
          { name: "dossiers", description: "Commands and reads on dossiers" },
          { name: "audit", description: "History, replay and verification" },
          { name: "reference", description: "Units, procedures and calendars" },
          { name: "reports", description: "Report 06a and indicators" },
          { name: "public", description: "Unauthenticated lookups" },
          { name: "operations", description: "Health, metrics and the notification outbox (admins)" },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, {
      routePrefix: "/docs",
      uiConfig: { docExpansion: "list", deepLinking: true, persistAuthorization: true },
      // Swagger UI needs inline script/style hashes; its own CSP replaces helmet's on its routes.
      // No upgrade-insecure-requests: the default local server is plain http on 127.0.0.1.
      staticCSP: true,
      transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ""),
    });
  },
  { name: "motcua-openapi", fastify: "5.x" },
);
