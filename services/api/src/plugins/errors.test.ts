import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { App } from "../app";
import { AppError } from "../problem";
import { buildTestApp, capturedLogger } from "../test-app";
import { unavailableProblem } from "./errors";

const applicantBody = z
  .object({
    procedureId: z.string().min(1),
    channel: z.enum(["direct", "online", "postal"]),
    applicant: z
      .object({
        name: z.string().min(1),
        idNumber: z
          .string()
          .regex(/^\d{12}$/)
          .optional(),
      })
      .strict(),
  })
  .strict();

describe("errors as application/problem+json", () => {
  let app: App;
  const logs = capturedLogger();

  beforeAll(async () => {
    app = await buildTestApp({
      logger: logs.logger,
      env: { BODY_LIMIT_BYTES: "1024", REQUEST_TIMEOUT_MS: "150" },
      slices: [
        async (slice) => {
          slice.post("/sample/dossiers", { schema: { body: applicantBody } }, async (request) => ({
            received: request.body.procedureId,
          }));
          slice.get(
            "/sample/dossiers/:id",
            {
              schema: {
                params: z.object({ id: z.uuid() }),
                querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
              },
            },
            async (request) => ({ id: request.params.id }),
          );
          slice.post("/sample/refused", async () => {
            throw new AppError(422, "dossier.already_resolved", "The dossier is already resolved", {
              extensions: { revision: 4 },
            });
          });
          slice.post("/sample/crash", async () => {
            throw new Error("connection to 10.0.0.5 failed for user motcua_owner");
          });
          slice.get(
            "/sample/wrong-shape",
            { schema: { response: { 200: z.object({ n: z.number() }) } } },
            async () => ({
              n: "not a number" as unknown as number,
            }),
          );
          slice.get("/sample/slow", async () => {
            await new Promise((resolve) => setTimeout(resolve, 600));
            return { late: true };
          });
          slice.post("/sample/slow", async () => {
            await new Promise((resolve) => setTimeout(resolve, 600));
            return { late: true };
          });
        },
      ],
    });
  });

  afterAll(() => app.close());

  it("a thrown AppError becomes a problem with its status, code, title and extensions", async () => {
    const response = await app.inject({ method: "POST", url: "/sample/refused" });
    expect(response.statusCode).toBe(422);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: "urn:motcua:problem:dossier.already_resolved",
      title: "Unprocessable Entity",
      status: 422,
      detail: "The dossier is already resolved",
      code: "dossier.already_resolved",
      revision: 4,
    });
  });

  it("names each invalid body field by its path and the rule it breaks", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      payload: { procedureId: "", channel: "fax", applicant: { name: 42, idNumber: "12" } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    const problem = response.json();
    expect(problem).toMatchObject({ status: 400, code: "request.invalid", title: "Invalid request" });
    const byPath = Object.fromEntries(
      (problem.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]),
    );
    expect(Object.keys(byPath).sort()).toEqual(
      ["body.applicant.idNumber", "body.applicant.name", "body.channel", "body.procedureId"].sort(),
    );
    expect(byPath["body.applicant.name"]).toMatch(/expected string/);
    expect(byPath["body.channel"]).toMatch(/direct.*online.*postal/);
    expect(byPath["body.procedureId"]).toMatch(/>=1/);
  });

  it("reports a missing required field and an unknown field at their own paths", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      payload: { channel: "direct", applicant: { name: "x", nickname: "y" }, extra: 1 },
    });
    expect(response.statusCode).toBe(400);
    const paths = (response.json().errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(["body.applicant.nickname", "body.extra", "body.procedureId"]);
  });

  it("names path and query parameters as params.* and query.*", async () => {
    const badId = await app.inject({ method: "GET", url: "/sample/dossiers/not-a-uuid" });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().errors).toEqual([{ path: "params.id", message: expect.stringMatching(/UUID/i) }]);
    const badLimit = await app.inject({
      method: "GET",
      url: "/sample/dossiers/0b8e8f4e-3c5a-4b8e-9a55-0e6c1f1c2d3e?limit=1000",
    });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().errors).toEqual([
      { path: "query.limit", message: expect.stringMatching(/<=100/) },
    ]);
  });

  it("never echoes the submitted values, which may be personal data", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      payload: {
        procedureId: "p",
        channel: "direct",
        applicant: { name: "Nguyễn Văn A", idNumber: "0010990" },
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain("0010990");
    expect(response.body).not.toContain("Nguyễn");
  });

  it("answers malformed JSON with 400 request.malformed_json without quoting the body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      headers: { "content-type": "application/json" },
      payload: '{"applicant": {"name": "Trần Thị B"',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: "request.malformed_json", status: 400 });
    expect(response.body).not.toContain("Trần");
  });

  it("answers a body over the limit with 413", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      payload: { procedureId: "p", channel: "direct", applicant: { name: "x".repeat(2048) } },
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      status: 413,
      code: "request.body_too_large",
      title: "Payload Too Large",
    });
    expect(response.json().detail).toMatch(/1024 bytes/);
  });

  it("answers an unsupported content type with 415", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/dossiers",
      headers: { "content-type": "text/csv" },
      payload: "a,b",
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe("request.unsupported_media_type");
  });

  it("answers an unknown route with a 404 problem that leaves out the query string", async () => {
    const response = await app.inject({ method: "GET", url: "/no/such/route?phone=0912345678" });
    expect(response.statusCode).toBe(404);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      status: 404,
      code: "route.not_found",
      detail: "No route matches GET /no/such/route",
    });
    expect(response.body).not.toContain("0912345678");
  });

  it("turns an unexpected error into a generic 500 and logs it without the request body", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/sample/crash",
      payload: { applicant: { name: "Lê Văn C", phone: "0987654321" } },
    });
    expect(response.statusCode).toBe(500);
    const problem = response.json();
    expect(problem).toMatchObject({ status: 500, code: "internal", title: "Internal Server Error" });
    expect(problem.detail).toContain(problem.requestId);
    expect(response.body).not.toMatch(/10\.0\.0\.5|motcua_owner|stack|at .*\.ts/);
    const logged = logs.lines().find((line) => line.msg === "unexpected error");
    expect(logged).toMatchObject({ error: { type: "Error", message: expect.stringContaining("10.0.0.5") } });
    expect(logs.text()).not.toContain("0987654321");
    expect(logs.text()).not.toContain("Lê Văn C");
  });

  it("treats a response that breaks its schema as a 500, not a leak of the wrong shape", async () => {
    const response = await app.inject({ method: "GET", url: "/sample/wrong-shape" });
    expect(response.statusCode).toBe(500);
    expect(response.json().code).toBe("internal");
    expect(response.body).not.toContain("not a number");
  });

  it("abandons a request that outlives the request timeout with a 503 problem", async () => {
    const response = await app.inject({ method: "GET", url: "/sample/slow" });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 503, code: "request.timeout" });
    expect(response.headers["retry-after"]).toBe("1");
  });

  it("abandons a slow command with a body over a real connection too, once its body has been read", async () => {
    // Node emits the request's `close` as soon as its body is read: a timeout cancelled by that event
    // (Fastify's own handlerTimeout) never fired for a POST. Only a real socket shows it; inject does not.
    const base = await app.listen({ host: "127.0.0.1", port: 0 });
    const response = await fetch(`${base}/sample/slow`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedureId: "p" }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 503, code: "request.timeout" });
  });
});

describe("a dependency that is down or full", () => {
  it.each([
    ["53300", "sorry, too many clients already"],
    ["57P01", "terminating connection due to administrator command"],
    ["ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432"],
    ["event_store.unavailable", "The event store is unavailable"],
    [undefined, "timeout exceeded when trying to connect"],
  ])("answers 503 with Retry-After, not 500 (code %s)", async (code, message) => {
    const app = await buildTestApp({
      slices: [
        async (scope) => {
          scope.get("/fails", async () => {
            throw Object.assign(new Error(message), code === undefined ? {} : { code });
          });
        },
      ],
    });
    const response = await app.inject({ method: "GET", url: "/fails" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("2");
    expect(response.json()).toMatchObject({ code: "dependency.unavailable", status: 503 });
    expect(response.body).not.toContain("127.0.0.1");
    await app.close();
  });

  it("a Postgres going away mid-request is 503 with Retry-After, whatever the driver's wording", () => {
    // A pooled client that already lost its server (seen as 500s to reads while the primary restarted
    // in pnpm test:cluster), and SQLSTATEs of the connection and shutdown classes the list did not name.
    const driver = new Error("Client has encountered a connection error and is not queryable");
    for (const error of [driver, { code: "08P01", message: "protocol" }, { code: "57P04", message: "x" }]) {
      expect(unavailableProblem(error)).toMatchObject({ status: 503, code: "dependency.unavailable" });
    }
    expect(unavailableProblem({ code: "23505", message: "duplicate key" })).toBeUndefined();
    expect(unavailableProblem(new Error("a bug"))).toBeUndefined();
  });
});
