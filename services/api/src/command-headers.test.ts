import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { App } from "./app";
import { assertMayBackdate, commandHeaders, expectedRevision } from "./command-headers";
import { principalOf, requireRole } from "./plugins/auth";
import { bearer, buildTestApp, devToken } from "./test-app";

describe("command headers", () => {
  it("reads the revision from If-Match, quoted or not", () => {
    expect(expectedRevision(undefined)).toBeUndefined();
    expect(expectedRevision('"3"')).toBe(3);
    expect(expectedRevision("12")).toBe(12);
    expect(expectedRevision('W/"7"')).toBe(7);
    expect(() => expectedRevision('"three"')).toThrow(/revision like/);
  });

  describe("on a sample command route", () => {
    let app: App;
    beforeAll(async () => {
      app = await buildTestApp({
        slices: [
          async (slice) => {
            slice.post(
              "/sample/resolve",
              {
                onRequest: requireRole("officer", "admin"),
                schema: {
                  headers: commandHeaders,
                  body: z.object({ at: z.iso.datetime({ offset: true }).optional() }),
                },
              },
              async (request) => {
                assertMayBackdate(principalOf(request), request.body.at);
                return {
                  // Validating the command headers must not hide the others.
                  sawAuthorization: request.headers.authorization !== undefined,
                  key: request.headers["idempotency-key"] ?? null,
                  revision: expectedRevision(request.headers["if-match"]) ?? null,
                };
              },
            );
          },
        ],
      });
    });
    afterAll(() => app.close());

    it("hands the route the idempotency key and the expected revision", async () => {
      const response = await app.inject({
        method: "POST",
        url: "/sample/resolve",
        headers: {
          ...bearer(await devToken({ role: "officer", unitId: "u" })),
          "idempotency-key": "k-1",
          "if-match": '"4"',
        },
        payload: {},
      });
      expect(response.json()).toEqual({ sawAuthorization: true, key: "k-1", revision: 4 });
    });

    it("answers a malformed If-Match with 400 naming the header", async () => {
      const response = await app.inject({
        method: "POST",
        url: "/sample/resolve",
        headers: { ...bearer(await devToken({ role: "officer", unitId: "u" })), "if-match": "latest" },
        payload: {},
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([
        { path: "headers.if-match", message: 'must be a revision like "3"' },
      ]);
    });

    it("refuses `at` from an officer with 403 and accepts it from an admin", async () => {
      const payload = { at: "2024-03-01T09:00:00+07:00" };
      const officer = await app.inject({
        method: "POST",
        url: "/sample/resolve",
        headers: bearer(await devToken({ role: "officer", unitId: "u" })),
        payload,
      });
      expect(officer.statusCode).toBe(403);
      expect(officer.json().code).toBe("command.at_not_allowed");
      const admin = await app.inject({
        method: "POST",
        url: "/sample/resolve",
        headers: bearer(await devToken({ role: "admin" })),
        payload,
      });
      expect(admin.statusCode).toBe(200);
    });
  });
});
