import net from "node:net";
import { DEV_JWT_SECRET } from "@motcua/platform";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger } from "./test-app";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "./test-runtime";

/*
 * What an outside fuzzer found (issue 11, items 5, 8 and 10): NUL bytes gave 500s (even without a token),
 * some errors were not problem+json or echoed the URL, and loose input was accepted.
 */

let rt: TestRuntime;
let officer: Record<string, string>;
let admin: Record<string, string>;
let analyst: Record<string, string>;
let dossierId: string;
let port: number;
const logs = capturedLogger();

beforeAll(async () => {
  rt = await createTestRuntime("hardening", { logger: logs.logger });
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  admin = await rt.auth("admin");
  analyst = await rt.auth("analyst");
  dossierId = (
    await rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: officer })
  ).json().dossierId;
  await rt.app.listen({ port: 0, host: "127.0.0.1" });
  port = (rt.app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await rt?.dispose();
});

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  status: number,
  path?: string,
) {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers["content-type"])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body);
  expect(body.status).toBe(status);
  if (path !== undefined) expect(body.errors.map((e: { path: string }) => e.path)).toContain(path);
  return body;
}

/** A raw HTTP/1.1 exchange, for what an HTTP client library would never send. */
function rawHttp(
  request: string,
): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write(request));
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(":")).toLowerCase(),
          line.slice(line.indexOf(":") + 1).trim(),
        ]),
      );
      resolve({ statusCode: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
  });
}

describe("NUL bytes are 400 naming the field, never 500", () => {
  it.each([
    ["GET", "/public/dossiers/a%00b", undefined, "params.code"],
    ["GET", "/dossiers?unitId=%00", "officer", "query.unitId"],
    ["GET", "/reports/06a?unitId=%00&from=2025-01-01&to=2025-03-31", "analyst", "query.unitId"],
    ["GET", "/indicators?unitId=%00&from=2025-01-01&to=2025-03-31", "analyst", "query.unitId"],
    ["GET", "/procedures/x%00", "analyst", "params.procedureId"],
  ] as const)("%s %s", async (method, url, who, path) => {
    const headers = who === "officer" ? officer : who === "analyst" ? analyst : {};
    expectProblem(await rt.app.inject({ method, url, headers }), 400, path);
  });

  it("in a command's ids and texts", async () => {
    expectProblem(
      await rt.app.inject({
        method: "POST",
        url: `/dossiers/${dossierId}/transfer`,
        headers: officer,
        payload: { toUnitId: "cb\u0000", reason: "liên thông" },
      }),
      400,
      "body.toUnitId",
    );
    expectProblem(
      await rt.app.inject({
        method: "POST",
        url: "/dossiers",
        headers: officer,
        payload: receiveBody({ procedureId: "permit\u0000" }),
      }),
      400,
      "body.procedureId",
    );
    expectProblem(
      await rt.app.inject({
        method: "POST",
        url: `/dossiers/${dossierId}/supplement-request`,
        headers: { ...officer, "content-type": "application/json" },
        payload: '{"reason":"lone \\ud800 surrogate"}',
        // a JSON escape of half a surrogate pair: valid JSON, text Postgres cannot store
      }),
      400,
      "body.reason",
    );
  });
});

describe("reference data refusals are 400, not an escaped ZodError", () => {
  it("a unit that would be its own parent", async () => {
    const response = await rt.app.inject({
      method: "PUT",
      url: "/units/x",
      headers: admin,
      payload: { code: "000.99.00.H19", name: "Đơn vị thử", level: "commune", parentId: "x" },
    });
    expectProblem(response, 400, "body.parentId");
  });
});

describe("every error is problem+json and echoes no input", () => {
  it("a URL that does not decode (400)", async () => {
    const response = await rt.app.inject({ method: "GET", url: "/public/dossiers/a%ff" });
    const body = expectProblem(response, 400);
    expect(body.code).toBe("request.bad_url");
    expect(response.body).not.toContain("a%ff");
  });

  it("a path parameter over the length limit (414), without the URL", async () => {
    const code = "Q".repeat(300);
    const response = await rt.app.inject({ method: "GET", url: `/public/dossiers/${code}` });
    expectProblem(response, 414);
    expect(response.body).not.toContain(code);
  });

  it("a malformed or conflicting Content-Length (400 from the HTTP parser)", async () => {
    for (const lengths of ["Content-Length: abc", "Content-Length: 2\r\nContent-Length: 3"]) {
      const response = await rawHttp(
        `POST /dossiers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${lengths}\r\nConnection: close\r\n\r\n{}`,
      );
      expectProblem(response, 400);
    }
  });

  it("invalid UTF-8 in a JSON body (400), not silently replaced", async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"reason":"'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const response = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${dossierId}/supplement-request`,
      headers: { ...officer, "content-type": "application/json" },
      payload: bytes,
    });
    expect(expectProblem(response, 400).code).toBe("request.invalid_utf8");
  });
});

describe("loose input is refused", () => {
  it.each(['"1', '1"', '""', '"1"2"'])("If-Match %s is 400", async (ifMatch) => {
    const response = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${dossierId}/resolve`,
      headers: { ...officer, "if-match": ifMatch },
      payload: { outcome: "approved" },
    });
    expectProblem(response, 400, "headers.if-match");
  });

  it("a client's request id is kept only when it is a short plain id; else one of ours is used and logged", async () => {
    const plain = await rt.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "client-42.a_b" },
    });
    expect(plain.headers["x-request-id"]).toBe("client-42.a_b");
    const huge = "z".repeat(8 * 1024);
    const replaced = await rt.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": huge },
    });
    expect(String(replaced.headers["x-request-id"])).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await rt.app.inject({
      method: "GET",
      url: "/health",
      headers: { "x-request-id": "<script>" },
    });
    expect(String(odd.headers["x-request-id"])).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.text()).not.toContain(huge);
  });

  it("a token valid until 2500 is refused (401), one within the configured lifetime accepted", async () => {
    const sign = (exp: number) =>
      new SignJWT({ role: "analyst" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("analyst-far")
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    const far = await sign(Math.floor(Date.parse("2500-01-01T00:00:00Z") / 1000));
    const refused = await rt.app.inject({
      method: "GET",
      url: "/units",
      headers: { authorization: `Bearer ${far}` },
    });
    expect(expectProblem(refused, 401).code).toBe("auth.token_lifetime_too_long");
    const near = await sign(Math.floor(Date.now() / 1000) + 3600);
    const accepted = await rt.app.inject({
      method: "GET",
      url: "/units",
      headers: { authorization: `Bearer ${near}` },
    });
    expect(accepted.statusCode).toBe(200);
  });
});

describe("the OpenAPI document says every answer the API gives", () => {
  it("documents 400 on audit reads, 400/429/503 on /public, 413/415/429/503 on commands, and bearer security", async () => {
    const doc = (await rt.app.inject({ method: "GET", url: "/docs/json" })).json();
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    for (const path of ["/dossiers/{id}/history", "/dossiers/{id}/state", "/dossiers/{id}/verify"]) {
      expect(statuses(path, "get")).toContain("400");
    }
    expect(statuses("/public/dossiers/{code}", "get")).toEqual(
      expect.arrayContaining(["200", "400", "404", "429", "503"]),
    );
    expect(doc.paths["/public/dossiers/{code}"].get.security).toBeUndefined();
    for (const path of ["/dossiers/{id}/resolve", "/dossiers/import", "/dossiers"]) {
      expect(statuses(path, "post")).toEqual(
        expect.arrayContaining(["400", "401", "403", "413", "415", "429", "503"]),
      );
      expect(doc.paths[path].post.security).toEqual([{ bearerAuth: [] }]);
    }
    const problem = doc.paths["/dossiers/{id}/resolve"].post.responses["415"].content;
    expect(Object.keys(problem)).toEqual(["application/problem+json"]);
  });
});
