import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../../test-runtime";

/** Finding a dossier by its code, and unknown query parameters refused on every read. */
let rt: TestRuntime;
let officerA: Record<string, string>;
let officerB: Record<string, string>;
let auditor: Record<string, string>;
let target: { dossierId: string; code: string };

beforeAll(async () => {
  rt = await createTestRuntime("code-lookup");
  officerA = await rt.auth("officer", UNITS.communeA.unitId);
  officerB = await rt.auth("officer", UNITS.communeB.unitId);
  auditor = await rt.auth("auditor");
  rt.clock.set("2025-03-12T09:00:00+07:00");
  const receive = async () =>
    (
      await rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: officerA })
    ).json();
  target = await receive();
  await receive();
  await receive();
  // Handed to the department: communeA held it before, the department holds it now.
  await rt.app.inject({
    method: "POST",
    url: `/dossiers/${target.dossierId}/transfer`,
    payload: { toUnitId: UNITS.department.unitId },
    headers: officerA,
  });
  await projectAll(rt);
});
afterAll(async () => {
  await rt?.dispose();
});

const list = (query: string, headers: Record<string, string>) =>
  rt.app.inject({ url: `/dossiers?${query}`, headers });

describe("GET /dossiers?code=", () => {
  it("answers the one dossier with that code, whatever the case it is typed in", async () => {
    for (const typed of [target.code, target.code.toLowerCase(), ` ${target.code.toLowerCase()} `]) {
      const response = await list(`code=${encodeURIComponent(typed)}`, auditor);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json().items.map((i: { dossierId: string }) => i.dossierId)).toEqual([
        target.dossierId,
      ]);
    }
  });

  it("answers no item for a code nobody has", async () => {
    const response = await list("code=055.43.00.H19-250312-9999", auditor);
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([]);
  });

  it("follows the read rules: a unit that held the dossier finds it, another unit does not", async () => {
    const held = await list(`code=${target.code}`, officerA);
    expect(held.json().items.map((i: { dossierId: string }) => i.dossierId)).toEqual([target.dossierId]);
    const stranger = await list(`code=${target.code}`, officerB);
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json().items).toEqual([]);
    expect((await list(`code=${target.code}`, await rt.auth("analyst"))).statusCode).toBe(403);
  });

  it("the public lookup ignores case too", async () => {
    const response = await rt.app.inject({ url: `/public/dossiers/${target.code.toLowerCase()}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().code).toBe(target.code);
  });
});

describe("unknown query parameters", () => {
  it("a misspelt filter is 400 naming the parameter, not a silently wider list", async () => {
    const response = await list("staus=received", auditor);
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json().errors).toEqual([
      { path: "query.staus", message: expect.stringMatching(/Unrecognized key/) },
    ]);
  });

  it("every JSON read route refuses a parameter it does not know", async () => {
    const doc = (await rt.app.inject({ url: "/docs/json" })).json() as {
      paths: Record<string, { get?: { responses?: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const reads = Object.entries(doc.paths)
      .filter(([, item]) => item.get?.responses?.["200"]?.content?.["application/json"] !== undefined)
      .map(([path]) => path);
    expect(reads.length).toBeGreaterThan(15);
    const callers = [
      auditor,
      await rt.auth("admin"),
      await rt.auth("analyst"),
      officerA,
      await rt.auth("portal"),
    ];
    const unchecked: string[] = [];
    for (const path of reads) {
      const url = path
        .replace(/\{(id|dossierId)\}/g, target.dossierId)
        .replace(/\{year\}/g, "2025")
        .replace(/\{[^}]+\}/g, "x");
      let answered = false;
      for (const headers of callers) {
        const response = await rt.app.inject({ url: `${url}?zzUnknown=1`, headers });
        if (response.statusCode === 401 || response.statusCode === 403) continue;
        answered = true;
        const paths =
          response.statusCode === 400 ? response.json().errors.map((e: { path: string }) => e.path) : [];
        if (!paths.includes("query.zzUnknown")) unchecked.push(`${path} → ${response.statusCode}`);
        break;
      }
      if (!answered) unchecked.push(`${path} → no caller may read it`);
    }
    expect(unchecked).toEqual([]);
  });
});
