import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import fp from "fastify-plugin";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";

export interface OpenApiOptions {
  readonly version?: string;
}

/**
 * The OpenAPI 3.1 document, built from every route's zod schemas, at `/docs/json` (and `/docs/yaml`), and
 * Swagger UI at `/docs`. Register before the routes so the document sees them all.
 */
export const openApiPlugin = fp<OpenApiOptions>(
  async (app, options) => {
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
