import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../test-app";
import { createTestRuntime, type TestRuntime, UNITS } from "../test-runtime";
import { devSignInRoutes } from "./dev-sign-in";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime("dev_sign_in");
});
afterAll(async () => {
  await rt?.dispose();
});

describe("development sign-in", () => {
  it("lists a demo officer for every unit, an inspector, an analyst and an admin", async () => {
    const r = await rt.app.inject({ url: "/dev/users" });
    expect(r.statusCode, r.body).toBe(200);
    const items = r.json().items as { role: string; unitId?: string; name: string; title: string }[];
    expect(items.filter((u) => u.role === "officer").map((u) => u.unitId)).toEqual(
      expect.arrayContaining(Object.values(UNITS).map((u) => u.unitId)),
    );
    expect(items.map((u) => u.role)).toEqual(expect.arrayContaining(["auditor", "analyst", "admin"]));
  });

  it("mints a token the API accepts, carrying the chosen name and unit", async () => {
    const r = await rt.app.inject({
      method: "POST",
      url: "/dev/sign-in",
      payload: { role: "officer", name: "Lê Thị Thu", unitId: UNITS.communeA.unitId },
    });
    expect(r.statusCode, r.body).toBe(200);
    const { token } = r.json();
    const list = await rt.app.inject({
      url: `/dossiers?unitId=${UNITS.communeA.unitId}`,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(list.statusCode, list.body).toBe(200);
    const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    expect(claims).toMatchObject({ role: "officer", name: "Lê Thị Thu", unitId: UNITS.communeA.unitId });
  });

  it("refuses an officer without a unit, or with a unit that does not exist, naming the field", async () => {
    for (const payload of [
      { role: "officer", name: "A" },
      { role: "officer", name: "A", unitId: "nowhere" },
    ]) {
      const r = await rt.app.inject({ method: "POST", url: "/dev/sign-in", payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().errors[0].path).toBe("body.unitId");
    }
  });

  it("tells the sign-in page which ways this installation offers", async () => {
    const r = await rt.app.inject({ url: "/auth/sign-in-options" });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ development: true, oidc: null });
  });

  it("is refused in production (NODE_ENV=production), before reading anything", async () => {
    const app = await buildTestApp({
      slices: [
        devSignInRoutes({
          db: {} as never,
          production: true,
          jwtSecret: "x".repeat(40),
          now: () => new Date(),
        }),
      ],
    });
    for (const request of [
      { method: "GET" as const, url: "/dev/users" },
      { method: "POST" as const, url: "/dev/sign-in", payload: { role: "admin", name: "A" } },
    ]) {
      const r = await app.inject(request);
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe("dev_sign_in.disabled");
    }
    await app.close();
  });
});
