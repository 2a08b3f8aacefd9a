import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiRuntime, createApiRuntime } from "../runtime";
import { testConfig } from "../test-app";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/**
 * Two API processes on one database, each keeping the dossiers its commands left (COMMAND_CACHE_DOSSIERS):
 * whatever one kept, the other's appends make stale, and every answer must be what a process without
 * the cache would give.
 */
let a: TestRuntime;
let b: ApiRuntime;
let communeOfficer: { authorization: string };
let departmentOfficer: { authorization: string };

beforeAll(async () => {
  a = await createTestRuntime("folded");
  b = await createApiRuntime({
    config: testConfig({ RATE_LIMIT_MAX: "100000" }),
    databaseUrl: a.database.url,
    clock: a.clock,
    poolSize: 4,
  });
  communeOfficer = await a.auth("officer", UNITS.communeA.unitId);
  departmentOfficer = await a.auth("officer", UNITS.department.unitId);
});
afterAll(async () => {
  await b?.close();
  await a?.dispose();
});

const folded = (rt: ApiRuntime) => {
  const cache = rt.service.deps.folded;
  if (!cache) throw new Error("the runtime keeps no folded dossiers");
  return cache;
};

async function post(rt: ApiRuntime, url: string, payload: object, headers: Record<string, string>) {
  return rt.app.inject({ method: "POST", url, payload, headers });
}

async function typesOf(dossierId: string): Promise<string[]> {
  const types: string[] = [];
  for await (const e of a.store.readStream(`dossier-${dossierId}`)) types.push(e.type);
  return types;
}

describe("folded dossiers kept between commands", () => {
  it("decides the next command on the state the last one left, without reading the stream", async () => {
    a.clock.set("2025-03-12T09:00:00+07:00");
    const received = await post(a, "/dossiers", receiveBody(), communeOfficer);
    expect(received.statusCode, received.body).toBe(201);
    const { dossierId, revision } = received.json();
    expect(folded(a).get(dossierId)?.revision).toBe(revision);

    const before = folded(a).stats();
    const transferred = await post(
      a,
      `/dossiers/${dossierId}/transfer`,
      { toUnitId: UNITS.department.unitId, reason: "liên thông" },
      communeOfficer,
    );
    expect(transferred.statusCode, transferred.body).toBe(200);
    expect(transferred.json()).toMatchObject({ dossierId, revision: revision + 1 });
    expect(folded(a).stats().hits).toBe(before.hits + 1);
    expect(folded(a).stats().stale).toBe(before.stale);
    expect(await typesOf(dossierId)).toEqual(["DossierReceived", "DossierTransferred"]);
  });

  it("judges a command again on the stored stream when another process changed the dossier", async () => {
    a.clock.set("2025-03-12T09:00:00+07:00");
    const { dossierId } = (await post(a, "/dossiers", receiveBody(), communeOfficer)).json();
    // The other process hands it to the department: process a still holds the commune's state.
    const elsewhere = await post(
      b,
      `/dossiers/${dossierId}/transfer`,
      { toUnitId: UNITS.department.unitId },
      communeOfficer,
    );
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);

    const staleBefore = folded(a).stats().stale;
    // The commune no longer holds it: refused as without any cache, and nothing appended.
    const refused = await post(a, `/dossiers/${dossierId}/resolve`, { outcome: "approved" }, communeOfficer);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json().code).toBe("dossier.not_held_by_your_unit");
    expect(folded(a).stats().stale).toBe(staleBefore + 1);

    // The department resolves through process a, which now reads the stream.
    const resolved = await post(
      a,
      `/dossiers/${dossierId}/resolve`,
      { outcome: "approved" },
      departmentOfficer,
    );
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(await typesOf(dossierId)).toEqual(["DossierReceived", "DossierTransferred", "DossierResolved"]);
  });

  it("honours an If-Match naming the stored revision although the kept state is older", async () => {
    a.clock.set("2025-03-12T09:00:00+07:00");
    const { dossierId, revision } = (await post(a, "/dossiers", receiveBody(), communeOfficer)).json();
    const elsewhere = await post(
      b,
      `/dossiers/${dossierId}/supplement-request`,
      { reason: "Thiếu bản vẽ" },
      communeOfficer,
    );
    expect(elsewhere.statusCode, elsewhere.body).toBe(200);
    expect(folded(a).get(dossierId)?.revision).toBe(revision);

    const current = await a.app.inject({
      method: "POST",
      url: `/dossiers/${dossierId}/supplement-received`,
      payload: {},
      headers: { ...communeOfficer, "if-match": `"${revision + 1}"` },
    });
    expect(current.statusCode, current.body).toBe(200);
    const stale = await a.app.inject({
      method: "POST",
      url: `/dossiers/${dossierId}/withdraw`,
      payload: { reason: "Công dân rút hồ sơ" },
      headers: { ...communeOfficer, "if-match": `"${revision}"` },
    });
    expect(stale.statusCode, stale.body).toBe(409);
    expect(await typesOf(dossierId)).toEqual([
      "DossierReceived",
      "SupplementRequested",
      "SupplementReceived",
    ]);
  });

  it("answers a retried command as the first time, once, from either process", async () => {
    a.clock.set("2025-03-12T09:00:00+07:00");
    const { dossierId } = (await post(a, "/dossiers", receiveBody(), communeOfficer)).json();
    const key = randomUUID();
    const headers = { ...communeOfficer, "idempotency-key": key };
    const first = await post(
      a,
      `/dossiers/${dossierId}/transfer`,
      { toUnitId: UNITS.department.unitId },
      headers,
    );
    const again = await post(
      a,
      `/dossiers/${dossierId}/transfer`,
      { toUnitId: UNITS.department.unitId },
      headers,
    );
    const fromB = await post(
      b,
      `/dossiers/${dossierId}/transfer`,
      { toUnitId: UNITS.department.unitId },
      headers,
    );
    expect(first.statusCode, first.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(fromB.json()).toEqual(first.json());
    expect(await typesOf(dossierId)).toEqual(["DossierReceived", "DossierTransferred"]);
  });

  it("keeps at most its capacity, least recently used out first", async () => {
    const { FoldedDossiers } = await import("@motcua/commands");
    const cache = new FoldedDossiers(2);
    const entry = (revision: number) => ({
      state: { status: "none" } as never,
      revision,
      position: revision,
      commandIds: new Set<string>(),
      subjectId: "s",
    });
    cache.remember("x", entry(1));
    cache.remember("y", entry(1));
    expect(cache.get("x")?.revision).toBe(1);
    cache.remember("z", entry(1));
    expect(cache.get("y")).toBeUndefined();
    expect(cache.get("x")).toBeDefined();
    cache.remember("x", entry(3));
    cache.remember("x", entry(2));
    expect(cache.get("x")?.revision).toBe(3);
    expect(cache.stats()).toMatchObject({ size: 2, capacity: 2, evictions: 1, misses: 1 });
  });
});
