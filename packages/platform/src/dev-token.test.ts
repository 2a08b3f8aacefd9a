import { decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { DevTokenError, signDevToken } from "./dev-token";

const secret = "x".repeat(32);
const key = new TextEncoder().encode(secret);

describe("signDevToken", () => {
  it("signs an HS256 token with the officer's unit and an expiry", async () => {
    const now = new Date("2025-05-01T00:00:00Z");
    const token = await signDevToken(
      { role: "officer", unitId: "u-1", name: "Cán bộ A", ttl: "2h" },
      secret,
      now,
    );
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      role: "officer",
      unitId: "u-1",
      name: "Cán bộ A",
      sub: "dev-officer-u-1",
    });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(7200);
  });

  it("produces a token jose verifies with the same secret, issuer and audience", async () => {
    const token = await signDevToken({ role: "auditor", issuer: "iss", audience: "aud" }, secret);
    const { payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: "iss",
      audience: "aud",
    });
    expect(payload.role).toBe("auditor");
  });

  it("refuses an officer without a unit", async () => {
    await expect(signDevToken({ role: "officer" }, secret)).rejects.toThrow(/needs a unit/);
  });

  it("refuses an unknown role and a bad ttl", async () => {
    // @ts-expect-error an unknown role, as a user could type on the command line
    await expect(signDevToken({ role: "mayor" }, secret)).rejects.toBeInstanceOf(DevTokenError);
    await expect(signDevToken({ role: "admin", ttl: "forever" }, secret)).rejects.toThrow(/bad ttl/);
  });
});
