import { DEV_JWT_SECRET } from "@motcua/platform";
import { decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { runTokenCommand } from "./token-command";

const run = (argv: string[], env: Record<string, string> = {}) => runTokenCommand(argv, env);

describe("pnpm token", () => {
  it("prints an officer token for a unit, signed with the development secret by default", async () => {
    const result = await run([
      "--role",
      "officer",
      "--unit",
      "unit-hn-01",
      "--name",
      "Cán bộ A",
      "--ttl",
      "2h",
    ]);
    if (!result.ok) throw new Error(result.message);
    const { payload } = await jwtVerify(result.token, new TextEncoder().encode(DEV_JWT_SECRET), {
      algorithms: ["HS256"],
    });
    expect(payload).toMatchObject({ role: "officer", unitId: "unit-hn-01", name: "Cán bộ A" });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(7200);
  });

  it("signs with AUTH_JWT_SECRET and the configured issuer and audience when set", async () => {
    const secret = "a-secret-of-at-least-thirty-two-chars";
    const result = await run(["--role", "auditor", "--sub", "kt-9"], {
      AUTH_JWT_SECRET: secret,
      AUTH_ISSUER: "idp",
      AUTH_AUDIENCE: "api",
    });
    if (!result.ok) throw new Error(result.message);
    const { payload } = await jwtVerify(result.token, new TextEncoder().encode(secret), {
      issuer: "idp",
      audience: "api",
    });
    expect(payload.sub).toBe("kt-9");
  });

  it("says which roles exist when the role is wrong", async () => {
    const result = await run(["--role", "mayor"]);
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/officer, auditor, analyst, admin/) });
  });

  it("says an officer needs a unit", async () => {
    expect(await run(["--role", "officer"])).toEqual({ ok: false, message: expect.stringMatching(/--unit/) });
  });

  it("shows the usage for a missing role or an unknown option", async () => {
    expect(await run([])).toEqual({
      ok: false,
      message: expect.stringMatching(/--role is required[\s\S]*Usage/),
    });
    expect(await run(["--role", "admin", "--colour", "red"])).toEqual({
      ok: false,
      message: expect.stringMatching(/Usage/),
    });
  });

  it("refuses in production, where tokens come from the identity provider", async () => {
    const result = await run(["--role", "admin"], {
      NODE_ENV: "production",
      AUTH_JWKS_URL: "https://idp.example.test/jwks",
      VAULT_MASTER_KEY: Buffer.alloc(32).toString("base64"),
      CHECKPOINT_SIGNING_KEY: "k".repeat(32),
      RATING_CODE_SECRET: "r".repeat(32),
    });
    expect(result).toEqual({ ok: false, message: expect.stringMatching(/RS256/) });
  });

  it("decodes to the role it was asked for", async () => {
    const result = await run(["--role", "analyst"]);
    expect(result.ok && decodeJwt(result.token).role).toBe("analyst");
  });
});
