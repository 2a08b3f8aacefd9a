import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DEV_JWT_SECRET, type Role, roles } from "@motcua/platform";
import { base64url, exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../app";
import { bearer, buildTestApp, devToken } from "../test-app";
import { authenticated, bearerSecurity, principalOf, requireRole } from "./auth";

/** A sample protected slice: what the dossier routes will look like to the auth plugin. */
const sampleRoutes = async (slice: App) => {
  slice.post(
    "/sample/commands",
    { onRequest: requireRole("officer", "admin"), schema: { security: bearerSecurity } },
    async (request) => principalOf(request),
  );
  slice.get("/sample/whoami", { onRequest: authenticated }, async (request) => principalOf(request));
  slice.get("/sample/open", async (request) => ({ principal: request.principal }));
};

const encoder = new TextEncoder();

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

async function hs256(
  payload: Record<string, unknown>,
  options: { secret?: string; expiresIn?: string | null } = {},
) {
  let jwt = new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(options.expiresIn ?? "1h");
  return jwt.sign(encoder.encode(options.secret ?? DEV_JWT_SECRET));
}

/** An unsigned token, as an attacker would craft it: `{"alg":"none"}` and an empty signature. */
function unsecured(payload: Record<string, unknown>): string {
  const part = (value: object) => base64url.encode(JSON.stringify(value));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return `${part({ alg: "none", typ: "JWT" })}.${part({ ...payload, exp })}.`;
}

const post = (app: App, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/sample/commands", headers });

describe("auth with HS256 development tokens", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildTestApp({ slices: [sampleRoutes] });
  });
  afterAll(() => app.close());

  const expected: Record<Role, number> = {
    officer: 200,
    admin: 200,
    auditor: 403,
    analyst: 403,
    portal: 403,
  };
  for (const role of roles) {
    it(`a valid ${role} token gets ${expected[role]} on an officer-or-admin route`, async () => {
      const token = await devToken({ role, unitId: "unit-hn-01", name: `A ${role}` });
      const response = await post(app, bearer(token));
      expect(response.statusCode).toBe(expected[role]);
      if (expected[role] === 200) {
        expect(response.json()).toMatchObject({ role, unitId: "unit-hn-01", name: `A ${role}` });
      } else {
        expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
        expect(response.json()).toMatchObject({ status: 403, code: "auth.role_not_allowed" });
      }
    });
  }

  it("every role may reach a route that only wants a valid token", async () => {
    for (const role of roles) {
      const response = await app.inject({
        url: "/sample/whoami",
        headers: bearer(await devToken({ role, unitId: "u-1" })),
      });
      expect(response.statusCode).toBe(200);
    }
  });

  it("a route without an auth hook leaves the principal null", async () => {
    const response = await app.inject({ url: "/sample/open" });
    expect(response.json()).toEqual({ principal: null });
  });

  const refusals: [string, () => Promise<Record<string, string>>, string][] = [
    ["no Authorization header", async () => ({}), "auth.missing_token"],
    ["a non-Bearer scheme", async () => ({ authorization: "Basic dXNlcjpwYXNz" }), "auth.malformed_header"],
    ["a token that is not a JWT", async () => bearer("not-a-jwt"), "auth.malformed_token"],
    [
      "a token signed with the wrong key",
      async () =>
        bearer(await hs256({ sub: "x", role: "admin" }, { secret: "another-secret-that-is-long-enough-32" })),
      "auth.invalid_signature",
    ],
    [
      "an expired token",
      async () => bearer(await hs256({ sub: "x", role: "admin" }, { expiresIn: "-1m" })),
      "auth.token_expired",
    ],
    [
      "a token without an expiry",
      async () => bearer(await hs256({ sub: "x", role: "admin" }, { expiresIn: null })),
      "auth.expiry_required",
    ],
    [
      "an alg: none token",
      async () => bearer(unsecured({ sub: "x", role: "admin" })),
      "auth.algorithm_not_allowed",
    ],
    [
      "an officer token without unitId",
      async () => bearer(await hs256({ sub: "x", role: "officer" })),
      "auth.unit_required",
    ],
    ["an unknown role", async () => bearer(await hs256({ sub: "x", role: "mayor" })), "auth.invalid_claims"],
    ["a token without sub", async () => bearer(await hs256({ role: "admin" })), "auth.invalid_claims"],
  ];
  for (const [what, headers, code] of refusals) {
    it(`refuses ${what} with 401 ${code}`, async () => {
      const response = await post(app, await headers());
      expect(response.statusCode).toBe(401);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer realm="motcua"/);
      expect(response.json()).toMatchObject({ status: 401, code, title: "Unauthorized" });
    });
  }
});

describe("auth with a configured issuer and audience", () => {
  let app: App;
  beforeAll(async () => {
    app = await buildTestApp({
      env: { AUTH_ISSUER: "motcua-idp", AUTH_AUDIENCE: "motcua-api" },
      slices: [sampleRoutes],
    });
  });
  afterAll(() => app.close());

  it("accepts a token from the issuer for the audience", async () => {
    const token = await devToken({ role: "admin", issuer: "motcua-idp", audience: "motcua-api" });
    expect((await post(app, bearer(token))).statusCode).toBe(200);
  });

  it("refuses another issuer or audience", async () => {
    const otherIssuer = await devToken({ role: "admin", issuer: "elsewhere", audience: "motcua-api" });
    const otherAudience = await devToken({ role: "admin", issuer: "motcua-idp", audience: "another-api" });
    const noIssuer = await devToken({ role: "admin" });
    expect((await post(app, bearer(otherIssuer))).json().code).toBe("auth.wrong_issuer");
    expect((await post(app, bearer(otherAudience))).json().code).toBe("auth.wrong_audience");
    expect((await post(app, bearer(noIssuer))).statusCode).toBe(401);
  });
});

describe("auth with RS256 tokens from a JWKS", () => {
  let jwksServer: Server;
  let jwksUrl: string;
  let production: App;
  let development: App;
  let signingKey: PrivateKey;
  let strangerKey: PrivateKey;
  let jwksRequests = 0;

  const rs256 = (payload: Record<string, unknown>, key: PrivateKey = signingKey, kid = "key-1") =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair("RS256")).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256", use: "sig" };
    jwksServer = createServer((request, response) => {
      jwksRequests++;
      if (request.url !== "/.well-known/jwks.json") {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    const { port } = jwksServer.address() as AddressInfo;
    jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    production = await buildTestApp({
      env: {
        NODE_ENV: "production",
        AUTH_JWKS_URL: jwksUrl,
        VAULT_MASTER_KEY: Buffer.alloc(32, 1).toString("base64"),
        CHECKPOINT_SIGNING_KEY: "k".repeat(32),
        RATING_CODE_SECRET: "r".repeat(32),
      },
      slices: [sampleRoutes],
    });
    development = await buildTestApp({ env: { AUTH_JWKS_URL: jwksUrl }, slices: [sampleRoutes] });
  });

  afterAll(async () => {
    await Promise.all([production.close(), development.close()]);
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  it("accepts an RS256 token signed by a key in the JWKS", async () => {
    const token = await rs256({ sub: "cb-001", name: "Cán bộ", role: "officer", unitId: "unit-1" });
    const response = await post(production, bearer(token));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ sub: "cb-001", name: "Cán bộ", role: "officer", unitId: "unit-1" });
    expect(jwksRequests).toBeGreaterThan(0);
  });

  it("refuses an RS256 token signed by a key outside the JWKS", async () => {
    const token = await rs256({ sub: "x", role: "admin" }, strangerKey);
    const response = await post(production, bearer(token));
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("auth.invalid_signature");
  });

  it("refuses HS256 tokens in production, even ones signed with the development secret", async () => {
    const response = await post(production, bearer(await devToken({ role: "admin" })));
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("auth.algorithm_not_allowed");
  });

  it("refuses alg: none in production", async () => {
    const response = await post(production, bearer(unsecured({ sub: "x", role: "admin" })));
    expect(response.json().code).toBe("auth.algorithm_not_allowed");
  });

  it("refuses an expired RS256 token", async () => {
    const token = await new SignJWT({ sub: "x", role: "admin" })
      .setProtectedHeader({ alg: "RS256", kid: "key-1" })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(signingKey);
    expect((await post(production, bearer(token))).json().code).toBe("auth.token_expired");
  });

  it("in development accepts both HS256 and RS256 when a JWKS is configured", async () => {
    expect((await post(development, bearer(await devToken({ role: "admin" })))).statusCode).toBe(200);
    expect((await post(development, bearer(await rs256({ sub: "a", role: "admin" })))).statusCode).toBe(200);
  });

  it("answers 503 when the JWKS cannot be fetched, not 401 or 500", async () => {
    const unreachable = await buildTestApp({
      env: { AUTH_JWKS_URL: "http://127.0.0.1:1/.well-known/jwks.json" },
      slices: [sampleRoutes],
    });
    try {
      const response = await post(unreachable, bearer(await rs256({ sub: "a", role: "admin" })));
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ status: 503, code: "auth.jwks_unavailable" });
    } finally {
      await unreachable.close();
    }
  });
});
