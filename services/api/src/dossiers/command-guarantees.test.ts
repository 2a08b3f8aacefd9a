import { createHash, randomUUID } from "node:crypto";
import type { RecordedEvent } from "@motcua/event-store";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";
import { migrateApiTables } from "./idempotency";

let rt: TestRuntime;
let officer: { authorization: string };
beforeAll(async () => {
  rt = await createTestRuntime("guarantees");
  officer = await rt.auth("officer", UNITS.communeA.unitId);
});
afterAll(async () => {
  await rt?.dispose();
});

const at = (local: string) => `${local}:00+07:00`;

async function receive(): Promise<string> {
  const response = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    payload: receiveBody(),
    headers: officer,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().dossierId;
}

async function eventsOf(dossierId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of rt.store.readStream(`dossier-${dossierId}`)) events.push(e);
  return events;
}

async function eventTypes(dossierId: string): Promise<string[]> {
  const types: string[] = [];
  for await (const e of rt.store.readStream(`dossier-${dossierId}`)) types.push(e.type);
  return types;
}

describe("concurrency", () => {
  it("lets exactly one of 50 simultaneous resolves through, and records one DossierResolved", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    rt.clock.set(at("2025-03-13T09:00"));
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        rt.app.inject({
          method: "POST",
          url: `/dossiers/${id}/resolve`,
          payload: { outcome: "approved" },
          headers: officer,
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 422)).toBe(true);
    expect((await eventTypes(id)).filter((t) => t === "DossierResolved")).toHaveLength(1);
  });

  it("refuses a stale If-Match revision with 409 and appends nothing", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    const stale = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu giấy tờ" },
      headers: { ...officer, "if-match": '"7"' },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: "dossier.revision_conflict" });
    expect(await eventTypes(id)).toEqual(["DossierReceived"]);
    const fresh = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu giấy tờ" },
      headers: { ...officer, "if-match": '"1"' },
    });
    expect(fresh.statusCode).toBe(200);
  });
});

describe("idempotency", () => {
  it("answers 20 retries of one keyed command identically and appends one event", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    const headers = { ...officer, "idempotency-key": "transfer-once-42" };
    const answers = [];
    for (let i = 0; i < 20; i++) {
      const r = await rt.app.inject({
        method: "POST",
        url: `/dossiers/${id}/transfer`,
        payload: { toUnitId: UNITS.department.unitId },
        headers,
      });
      answers.push({ status: r.statusCode, body: r.json() });
    }
    expect(answers[0]?.status).toBe(200);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(await eventTypes(id)).toEqual(["DossierReceived", "DossierTransferred"]);
  });

  it("creates one dossier for a receipt retried with the same key, even concurrently", async () => {
    rt.clock.set(at("2025-03-12T10:00"));
    const headers = { ...officer, "idempotency-key": "receipt-counter-7" };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 201).map((r) => r.json());
    expect(ok.length).toBeGreaterThan(0);
    for (const body of ok) expect(body).toEqual(ok[0]);
    for (const r of responses) expect([201, 409]).toContain(r.statusCode);
    expect(await eventTypes(ok[0].dossierId)).toEqual(["DossierReceived"]);
  });

  it("refuses the same key with another body (422 idempotency.key_reused)", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    const headers = { ...officer, "idempotency-key": "reused-key" };
    const first = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu A" },
      headers,
    });
    expect(first.statusCode).toBe(200);
    const second = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu B" },
      headers,
    });
    expect(second.statusCode).toBe(422);
    expect(second.json()).toMatchObject({ code: "idempotency.key_reused" });
    expect(await eventTypes(id)).toEqual(["DossierReceived", "SupplementRequested"]);
  });

  it("keeps a fingerprint keyed by the applicant's vault key, never a plain hash of the body", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const body = receiveBody({ dossierId: randomUUID() });
    const r = await rt.app.inject({
      method: "POST",
      url: "/dossiers",
      payload: body,
      headers: { ...officer, "idempotency-key": "fingerprinted" },
    });
    expect(r.statusCode).toBe(201);
    const [row] = await rt.db
      .selectFrom("api.idempotency_keys")
      .select(["request_hash", "body"])
      .where("key", "=", "fingerprinted")
      .execute();
    const plain = createHash("sha256")
      .update(JSON.stringify(["POST", "/dossiers", body]))
      .digest("hex");
    expect(row?.request_hash).toMatch(/^s1:[0-9a-f]{64}$/);
    expect(row?.request_hash).not.toContain(plain);
    expect(JSON.stringify(row?.body)).not.toMatch(/Nguyễn|019085001234|0912345678/);
    const [event] = await eventsOf(r.json().dossierId);
    expect(event?.metadata.commandHash).toBe(row?.request_hash);
  });

  it("drops plain-hash rows of older versions when migrating, and a retry of one still gets its first answer", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    const headers = { ...officer, "idempotency-key": "from-an-older-version" };
    const first = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu A" },
      headers,
    });
    expect(first.statusCode).toBe(200);
    // As an older version stored it: a bare SHA-256 of the body.
    await rt.db
      .updateTable("api.idempotency_keys")
      .set({ request_hash: "9f2c".repeat(16) })
      .where("key", "=", "from-an-older-version")
      .execute();
    await migrateApiTables(rt.db);
    const left = await rt.db.selectFrom("api.idempotency_keys").select(["key", "request_hash"]).execute();
    expect(left.map((row) => row.key)).not.toContain("from-an-older-version");
    expect(left.every((row) => /^(s1|k1):/.test(row.request_hash))).toBe(true);
    const retry = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu A" },
      headers,
    });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(first.json());
    expect(await eventTypes(id)).toEqual(["DossierReceived", "SupplementRequested"]);
  });
});

describe("history import", () => {
  const importBody = (actions: unknown[]) => ({
    procedureId: "permit",
    unitId: UNITS.communeA.unitId,
    channel: "online",
    applicant: { name: "Trần Thị Bình", idNumber: "019190005678" },
    receivedAt: at("2025-02-03T08:00"),
    actions,
  });

  it("lands receive → transfer → supplement → resolve → return as one append with revisions 1..n", async () => {
    rt.clock.set(at("2025-06-01T09:00"));
    const admin = await rt.auth("admin");
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: importBody([
        { action: "transfer", toUnitId: UNITS.department.unitId, at: at("2025-02-04T09:00") },
        { action: "supplement-request", reason: "Thiếu bản vẽ", at: at("2025-02-05T09:00") },
        { action: "supplement-received", at: at("2025-02-06T09:00") },
        { action: "resolve", outcome: "approved", at: at("2025-02-07T09:00") },
        { action: "return", method: "postal", at: at("2025-02-07T15:00") },
      ]),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      status: "returned",
      revision: 6,
      code: "055.43.00.H19-250203-0001",
    });
    const events = [];
    for await (const e of rt.store.readStream(`dossier-${response.json().dossierId}`)) events.push(e);
    expect(events.map((e) => e.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    const positions = events.map((e) => e.position);
    expect((positions.at(-1) ?? 0) - (positions[0] ?? 0)).toBe(5);
    expect(new Set(events.map((e) => e.metadata.commandId)).size).toBe(1);
    expect(events.map((e) => e.metadata.occurredAt)).toEqual([
      "2025-02-03T08:00:00.000+07:00",
      "2025-02-04T09:00:00.000+07:00",
      "2025-02-05T09:00:00.000+07:00",
      "2025-02-06T09:00:00.000+07:00",
      "2025-02-07T09:00:00.000+07:00",
      "2025-02-07T15:00:00.000+07:00",
    ]);
  });

  it("appends nothing and names index 2 when the third action is not allowed", async () => {
    rt.clock.set(at("2025-06-01T09:00"));
    const admin = await rt.auth("admin");
    const dossierId = "4f7c1d2a-9b3e-4c5d-8e6f-0a1b2c3d4e5f";
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: {
        ...importBody([
          { action: "resolve", outcome: "approved", at: at("2025-02-04T09:00") },
          { action: "return", method: "counter", at: at("2025-02-04T10:00") },
          { action: "supplement-received", at: at("2025-02-05T09:00") },
        ]),
        dossierId,
      },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: "dossier.already_returned", actionIndex: 2 });
    expect(response.json().detail).toMatch(/action 2/);
    expect(await eventTypes(dossierId)).toEqual([]);
  });

  it("records the overdue event at the deadline a history passes before resolving", async () => {
    rt.clock.set(at("2025-06-01T09:00"));
    const admin = await rt.auth("admin");
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: importBody([
        { action: "transfer", toUnitId: UNITS.department.unitId, at: at("2025-02-04T09:00") },
        { action: "resolve", outcome: "approved", at: at("2025-02-14T09:00") },
      ]),
    });
    expect(response.statusCode).toBe(201);
    const events = [];
    for await (const e of rt.store.readStream(`dossier-${response.json().dossierId}`)) events.push(e);
    expect(events.map((e) => e.type)).toEqual([
      "DossierReceived",
      "DossierTransferred",
      "DossierBecameOverdue",
      "DossierResolved",
    ]);
    // 5 working days from Monday 3 February 08:00 → Monday 10 February 08:00, held by the department.
    expect(events[2]?.data).toMatchObject({
      at: "2025-02-10T08:00:00.000+07:00",
      holdingUnitId: UNITS.department.unitId,
    });
    expect(events[3]?.data).toMatchObject({ timeliness: "late" });
  });

  it("is for admins only", async () => {
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: officer,
      payload: importBody([]),
    });
    expect(response.statusCode).toBe(403);
  });
});

describe("audit reads", () => {
  it("replays the state before and after each event's time", async () => {
    const auditor = await rt.auth("auditor");
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    rt.clock.set(at("2025-03-13T09:00"));
    await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/transfer`,
      payload: { toUnitId: UNITS.department.unitId },
      headers: officer,
    });
    const stateAt = async (local: string) =>
      rt.app.inject({
        method: "GET",
        url: `/dossiers/${id}/state?at=${encodeURIComponent(at(local))}`,
        headers: auditor,
      });
    expect((await stateAt("2025-03-12T08:59")).statusCode).toBe(404);
    expect((await stateAt("2025-03-12T09:00")).json()).toMatchObject({
      status: "received",
      currentUnitId: UNITS.communeA.unitId,
      revision: 1,
    });
    expect((await stateAt("2025-03-13T08:59")).json()).toMatchObject({ status: "received", revision: 1 });
    expect((await stateAt("2025-03-13T09:00")).json()).toMatchObject({
      status: "processing",
      currentUnitId: UNITS.department.unitId,
      revision: 2,
    });
  });

  it("shows the full history with actors and hashes, and verify names the revision altered in the database", async () => {
    const auditor = await rt.auth("auditor");
    rt.clock.set(at("2025-03-12T09:00"));
    const id = await receive();
    rt.clock.set(at("2025-03-13T09:00"));
    await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-request`,
      payload: { reason: "Thiếu" },
      headers: officer,
    });
    await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/supplement-received`,
      payload: {},
      headers: officer,
    });
    const history = (
      await rt.app.inject({ method: "GET", url: `/dossiers/${id}/history`, headers: auditor })
    ).json();
    expect(history.events.map((e: { type: string }) => e.type)).toEqual([
      "DossierReceived",
      "SupplementRequested",
      "SupplementReceived",
    ]);
    expect(history.events[1].actor).toEqual({
      id: `officer-${UNITS.communeA.unitId}`,
      name: "Development officer",
      role: "officer",
      unitId: UNITS.communeA.unitId,
      unitName: UNITS.communeA.name,
    });
    expect(history.events[0].data.applicant.name).toBe("Nguyễn Văn An");
    expect(
      (await rt.app.inject({ method: "GET", url: `/dossiers/${id}/verify`, headers: auditor })).json(),
    ).toEqual({ valid: true, events: 3 });

    // A DBA who switches off the append-only trigger and edits a request number: the chain must tell.
    const client = new pg.Client({ connectionString: rt.database.url });
    await client.connect();
    try {
      await client.query("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
      await client.query(
        `UPDATE event_store.events SET data = replace(data::text, '"requestNumber":1', '"requestNumber":2')::json WHERE stream_id = $1 AND revision = 2`,
        [`dossier-${id}`],
      );
    } finally {
      await client.end();
    }
    expect(
      (await rt.app.inject({ method: "GET", url: `/dossiers/${id}/verify`, headers: auditor })).json(),
    ).toEqual({
      valid: false,
      events: 3,
      brokenAt: 2,
    });
  });
});
