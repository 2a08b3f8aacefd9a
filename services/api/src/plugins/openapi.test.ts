import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { App } from "../app";
import { problemResponse } from "../problem";
import { answerAtPosition, withPosition } from "../read-model-access";
import { buildTestApp } from "../test-app";
import { bearerSecurity, requireRole } from "./auth";

describe("the OpenAPI document and Swagger UI", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildTestApp({
      slices: [
        async (slice) => {
          slice.post(
            "/sample/dossiers",
            {
              onRequest: requireRole("officer"),
              schema: {
                tags: ["dossiers"],
                summary: "Receive a dossier (sample)",
                security: bearerSecurity,
                body: z.object({
                  procedureId: z.string(),
                  channel: z.enum(["direct", "online", "postal"]),
                  applicant: z.object({ name: z.string(), phone: z.string().optional() }),
                }),
                response: {
                  201: withPosition(z.object({ dossierId: z.uuid(), revision: z.number().int() })),
                  400: problemResponse("Invalid input"),
                },
              },
            },
            async (_request, reply) => {
              reply.code(201);
              return answerAtPosition(reply, 1, { dossierId: crypto.randomUUID(), revision: 1 });
            },
          );
        },
      ],
    });
  });
  afterAll(() => app.close());

  it("serves a valid OpenAPI 3.1 document at /docs/json", async () => {
    const response = await app.inject({ url: "/docs/json" });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("describes a zod-schema route: body, responses, problem content type and bearer security", async () => {
    const document = (await app.inject({ url: "/docs/json" })).json();
    expect(document.components.securitySchemes.bearerAuth).toEqual(
      expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" }),
    );
    const operation = document.paths["/sample/dossiers"].post;
    expect(operation.security).toEqual([{ bearerAuth: [] }]);
    const body = operation.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(["procedureId", "channel", "applicant"]);
    expect(body.properties.channel.enum).toEqual(["direct", "online", "postal"]);
    const created = operation.responses["201"].content["application/json"].schema;
    expect(created.properties).toHaveProperty("position");
    expect(Object.keys(operation.responses["400"].content)).toEqual(["application/problem+json"]);
    expect(document.paths).toHaveProperty("/health");
    expect(document.paths).toHaveProperty("/metrics");
    expect(Object.keys(document.paths).some((path) => path.startsWith("/docs"))).toBe(false);
  });

  it("serves Swagger UI at /docs", async () => {
    const index = await app.inject({ url: "/docs" });
    const page =
      index.statusCode === 302 ? await app.inject({ url: index.headers.location as string }) : index;
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    expect(page.body).toContain("swagger-ui");
    expect(page.headers["content-security-policy"]).not.toContain("upgrade-insecure-requests");
  });

  it("the sample route answers its position in the body and the X-Read-Position header", async () => {
    const { devToken, bearer } = await import("../test-app");
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      headers: bearer(await devToken({ role: "officer", unitId: "u-1" })),
      payload: { procedureId: "p-1", channel: "online", applicant: { name: "x" } },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers["x-read-position"]).toBe("1");
    expect(response.json()).toMatchObject({ revision: 1, position: 1 });
  });
});
