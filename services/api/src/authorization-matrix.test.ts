import { DEV_JWT_SECRET, signDevToken } from "@motcua/platform";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, PROCEDURES, receiveBody, type TestRuntime, UNITS } from "./test-runtime";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime("authz");
  rt.clock.set("2025-03-12T09:00:00+07:00");
});
afterAll(async () => {
  await rt?.dispose();
});

type Caller = "none" | "officerOwn" | "officerOther" | "auditor" | "analyst" | "admin" | "portal";
const CALLERS: Caller[] = ["none", "officerOwn", "officerOther", "auditor", "analyst", "admin", "portal"];

async function headersFor(caller: Caller): Promise<Record<string, string>> {
  switch (caller) {
    case "none":
      return {};
    case "officerOwn":
      return rt.auth("officer", UNITS.communeA.unitId);
    case "officerOther":
      return rt.auth("officer", UNITS.communeB.unitId);
    default:
      return rt.auth(caller);
  }
}

const inject = async (method: "GET" | "POST" | "PUT", url: string, caller: Caller, payload?: object) => {
  const response = await rt.app.inject({
    method,
    url,
    headers: await headersFor(caller),
    ...(payload ? { payload } : {}),
  });
  return response.statusCode;
};

/** A dossier of communeA brought to the state a command needs. */
async function dossierReadyFor(command: string): Promise<string> {
  const officer = await rt.auth("officer", UNITS.communeA.unitId);
  const id = (
    await rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: officer })
  ).json().dossierId;
  const step = async (path: string, payload: object) => {
    const r = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/${path}`,
      payload,
      headers: officer,
    });
    expect(r.statusCode).toBe(200);
  };
  if (command === "supplement-received" || command === "supplement-missed")
    await step("supplement-request", { reason: "Thiếu" });
  if (command === "fee-paid") await step("fee-request", { reason: "Lệ phí" });
  if (command === "return") await step("resolve", { outcome: "approved" });
  return id;
}

const COMMAND_BODIES: Record<string, object> = {
  transfer: { toUnitId: UNITS.department.unitId },
  forward: { toUnitId: UNITS.communeA.unitId },
  "supplement-request": { reason: "Thiếu bản vẽ" },
  "supplement-received": {},
  "supplement-missed": {},
  "fee-request": { reason: "Lệ phí" },
  "fee-paid": {},
  apology: { reason: "Chậm", promisedAt: "2025-04-29T17:00:00+07:00" },
  resolve: { outcome: "approved" },
  return: { method: "counter" },
  withdraw: { reason: "Rút" },
  stop: { reason: "Không đủ điều kiện" },
};

/** Commands: the holding unit's officer and admins act; nobody else. */
const commandExpectation: Record<Caller, number> = {
  none: 401,
  officerOwn: 200,
  officerOther: 403,
  auditor: 403,
  analyst: 403,
  admin: 200,
  portal: 403,
};

describe("authorization matrix", () => {
  it.each(CALLERS)("receiving a dossier for communeA as %s", async (caller) => {
    const expected = {
      none: 401,
      officerOwn: 201,
      officerOther: 403,
      auditor: 403,
      analyst: 403,
      admin: 201,
      portal: 403,
    }[caller];
    expect(await inject("POST", "/dossiers", caller, receiveBody())).toBe(expected);
  });

  const commandCases = Object.keys(COMMAND_BODIES).flatMap((command) =>
    CALLERS.map((caller) => [command, caller] as const),
  );
  it.each(commandCases)("POST /dossiers/{id}/%s as %s", async (command, caller) => {
    const id = await dossierReadyFor(command);
    expect(await inject("POST", `/dossiers/${id}/${command}`, caller, COMMAND_BODIES[command])).toBe(
      commandExpectation[caller],
    );
  });

  it.each(CALLERS)("importing a history as %s", async (caller) => {
    const body = { ...receiveBody(), receivedAt: "2025-02-03T08:00:00+07:00", actions: [] };
    const expected = {
      none: 401,
      officerOwn: 403,
      officerOther: 403,
      auditor: 403,
      analyst: 403,
      admin: 201,
      portal: 403,
    }[caller];
    expect(await inject("POST", "/dossiers/import", caller, body)).toBe(expected);
  });

  /** Online submissions: the portal's connector, an officer of the unit, or an admin. */
  it.each(CALLERS)("submitting online for communeA as %s", async (caller) => {
    const { channel: _channel, ...body } = receiveBody();
    const expected = {
      none: 401,
      officerOwn: 201,
      officerOther: 403,
      auditor: 403,
      analyst: 403,
      admin: 201,
      portal: 201,
    }[caller];
    expect(await inject("POST", "/submissions", caller, body)).toBe(expected);
  });

  /** Accepting or refusing a submission: the unit it was submitted to (or an admin); never the portal. */
  const intakeCases = (["accept", "refuse-intake"] as const).flatMap((command) =>
    CALLERS.map((caller) => [command, caller] as const),
  );
  it.each(intakeCases)("POST /dossiers/{id}/%s as %s", async (command, caller) => {
    const { channel: _channel, ...body } = receiveBody();
    const submitted = await rt.app.inject({
      method: "POST",
      url: "/submissions",
      payload: body,
      headers: await rt.auth("portal"),
    });
    const id = submitted.json().dossierId;
    const payload = command === "accept" ? {} : { reason: "Không thuộc thẩm quyền" };
    expect(await inject("POST", `/dossiers/${id}/${command}`, caller, payload)).toBe(
      commandExpectation[caller],
    );
  });

  /** Reads: units that held the dossier, auditors and admins; analysts get aggregates only. */
  const readExpectation: Record<Caller, number> = {
    none: 401,
    officerOwn: 200,
    officerOther: 403,
    auditor: 200,
    analyst: 403,
    admin: 200,
    portal: 403,
  };
  const reads = ["", "/history", "/state?at=2025-03-12T10:00:00%2B07:00", "/verify"];
  const readCases = reads.flatMap((suffix) =>
    CALLERS.map((caller) => [suffix || "(state)", suffix, caller] as const),
  );
  it.each(readCases)("GET /dossiers/{id}%s as %s", async (_label, suffix, caller) => {
    const id = await dossierReadyFor("resolve");
    expect(await inject("GET", `/dossiers/${id}${suffix}`, caller)).toBe(readExpectation[caller]);
  });

  // The transparency log: proofs and evidence name a dossier (auditors only; 404 here: no head signed
  // yet in this database); the heads, the key and consistency proofs are public.
  const transparencyReads = ["/proof", "/evidence"].flatMap((suffix) =>
    CALLERS.map((caller) => [suffix, caller] as const),
  );
  it.each(transparencyReads)("GET /dossiers/{id}%s as %s", async (suffix, caller) => {
    const id = await dossierReadyFor("resolve");
    const expected = caller === "none" ? 401 : caller === "auditor" ? 404 : 403;
    expect(await inject("GET", `/dossiers/${id}${suffix}`, caller)).toBe(expected);
  });
  it.each(CALLERS)("GET /audit/public-key as %s", async (caller) => {
    expect(await inject("GET", "/audit/public-key", caller)).toBe(200);
  });

  it("lets an officer of a unit that held the dossier before still read it", async () => {
    const id = await dossierReadyFor("transfer");
    expect(
      await inject("POST", `/dossiers/${id}/transfer`, "officerOwn", { toUnitId: UNITS.communeB.unitId }),
    ).toBe(200);
    expect(await inject("GET", `/dossiers/${id}/history`, "officerOwn")).toBe(200);
    expect(await inject("POST", `/dossiers/${id}/resolve`, "officerOwn", { outcome: "approved" })).toBe(403);
    expect(await inject("POST", `/dossiers/${id}/resolve`, "officerOther", { outcome: "approved" })).toBe(
      200,
    );
  });

  const adminWrites: [string, string, object][] = [
    [
      "PUT",
      "/units/new-ward",
      { code: "055.99.00.H19", name: "UBND phường Mới", level: "commune", parentId: "p" },
    ],
    ["PUT", "/procedures/new-proc", { ...PROCEDURES.restart, code: "9.999999" }],
    ["PUT", "/calendars/2024", { holidays: ["2024-01-01"], workingDays: [] }],
  ];
  const writeCases = adminWrites.flatMap(([method, url, body]) =>
    CALLERS.map((caller) => [method, url, caller, body] as const),
  );
  it.each(writeCases)("%s %s as %s", async (method, url, caller, body) => {
    const expected = {
      none: 401,
      officerOwn: 403,
      officerOther: 403,
      auditor: 403,
      analyst: 403,
      admin: 200,
      portal: 403,
    }[caller];
    expect(await inject(method as "PUT", url, caller, body)).toBe(expected);
  });

  const referenceReads = [
    "/units",
    "/procedures",
    "/calendars/2025",
    "/calendars",
    "/calendars/2031",
  ].flatMap((url) => CALLERS.map((caller) => [url, caller] as const));
  it.each(referenceReads)("GET %s as %s", async (url, caller) => {
    expect(await inject("GET", url, caller)).toBe(caller === "none" ? 401 : 200);
  });
});

describe("bad tokens", () => {
  const protectedCall = (authorization: string) =>
    rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: { authorization } });

  it("refuses a token signed with the wrong key", async () => {
    const token = await signDevToken({ role: "officer", unitId: UNITS.communeA.unitId }, "x".repeat(40));
    expect((await protectedCall(`Bearer ${token}`)).statusCode).toBe(401);
  });

  it("refuses an expired token", async () => {
    const token = await signDevToken(
      { role: "officer", unitId: UNITS.communeA.unitId, ttl: "1s" },
      DEV_JWT_SECRET,
      new Date(Date.now() - 3_600_000),
    );
    const response = await protectedCall(`Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("auth.token_expired");
  });

  it("refuses an unsigned token (alg: none)", async () => {
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({ sub: "x", role: "admin", exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    const response = await protectedCall(`Bearer ${unsigned}`);
    expect(response.statusCode).toBe(401);
  });

  it("refuses an officer token without a unit", async () => {
    const token = await new SignJWT({ role: "officer", name: "Cán bộ" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("officer-without-unit")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(DEV_JWT_SECRET));
    const response = await protectedCall(`Bearer ${token}`);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("auth.unit_required");
  });
});
