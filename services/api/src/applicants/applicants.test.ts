import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger } from "../test-app";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/*
 * Issue 13, item 5: a person's right of access and erasure, through the API as an admin answers them.
 * (The pg_dump and Redis check of what remains after erasure is scripts/erasure.test.ts.)
 */

const PERSON = { name: "Đặng Thị Quyền", idNumber: "036190004321", phone: "0903111222" };
const OTHER = { name: "Phạm Văn Khác", idNumber: "036190009999" };
const UNKNOWN = "036190000000";

let rt: TestRuntime;
let officer: Record<string, string>;
let admin: Record<string, string>;
let auditor: Record<string, string>;
const dossiers: string[] = [];
let otherDossier: string;
const logs = capturedLogger();

const receive = async (applicant: Record<string, string>) => {
  const response = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    payload: receiveBody({ applicant }),
    headers: officer,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().dossierId as string;
};

const dataOf = (idNumber: string, reason = "Đơn yêu cầu số 12/2026 ngày 01/12/2026", who = admin) =>
  rt.app.inject({
    method: "GET",
    url: `/applicants/data?idNumber=${idNumber}&reason=${encodeURIComponent(reason)}`,
    headers: who,
  });
const erase = (body: Record<string, unknown>, who = admin) =>
  rt.app.inject({ method: "POST", url: "/applicants/erase", payload: body, headers: who });
const requestRows = async () =>
  (await sql<Record<string, unknown>>`SELECT * FROM api.applicant_requests ORDER BY id`.execute(rt.db)).rows;

beforeAll(async () => {
  rt = await createTestRuntime("applicants", { logger: logs.logger });
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  admin = {
    authorization: `Bearer ${await rt.token({ role: "admin", sub: "admin-1", name: "Lê Quản Trị" })}`,
  };
  auditor = await rt.auth("auditor");
  dossiers.push(await receive(PERSON));
  dossiers.push(await receive(PERSON));
  otherDossier = await receive(OTHER);
  // Free text naming her, sealed under her key.
  const withdrawn = await rt.app.inject({
    method: "POST",
    url: `/dossiers/${dossiers[1]}/withdraw`,
    payload: { reason: `Bà ${PERSON.name} xin rút hồ sơ` },
    headers: { ...officer, "if-match": '"1"' },
  });
  expect(withdrawn.statusCode, withdrawn.body).toBe(200);
});
afterAll(async () => {
  await rt?.dispose();
});

describe("a person's right of access", () => {
  it("gives an admin everything held about the person, and records who asked, when and why", async () => {
    const response = await dataOf(PERSON.idNumber);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.dossiers.map((d: { dossierId: string }) => d.dossierId).sort()).toEqual([...dossiers].sort());
    const first = body.dossiers.find((d: { dossierId: string }) => d.dossierId === dossiers[0]);
    expect(first.status).toBe("received");
    expect(first.code).toMatch(/\S/);
    expect(first.events[0]).toMatchObject({ type: "DossierReceived", data: { applicant: PERSON } });
    const second = body.dossiers.find((d: { dossierId: string }) => d.dossierId === dossiers[1]);
    expect(second.status).toBe("withdrawn");
    expect(second.events.at(-1)).toMatchObject({
      type: "DossierWithdrawn",
      data: { reason: `Bà ${PERSON.name} xin rút hồ sơ` },
    });
    // Nobody else's dossier.
    expect(JSON.stringify(body)).not.toContain(OTHER.name);
    const [row] = await requestRows();
    expect(row).toMatchObject({
      kind: "access",
      actor_id: "admin-1",
      actor_name: "Lê Quản Trị",
      actor_role: "admin",
    });
    expect(row?.reason).toBe("Đơn yêu cầu số 12/2026 ngày 01/12/2026");
    expect([...((row?.dossier_ids ?? []) as string[])].sort()).toEqual([...dossiers].sort());
    // The record never holds the ID number.
    expect(JSON.stringify(await requestRows())).not.toContain(PERSON.idNumber);
  });

  it("refuses others, unknown people and bad input, recording nothing", async () => {
    const before = (await requestRows()).length;
    expect((await dataOf(PERSON.idNumber, "lý do", officer)).statusCode).toBe(403);
    expect((await dataOf(PERSON.idNumber, "lý do", auditor)).statusCode).toBe(403);
    const unknown = await dataOf(UNKNOWN);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("applicant.not_found");
    const bad = await dataOf("12345");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain("query.idNumber");
    const blankReason = await dataOf(PERSON.idNumber, "   ");
    expect(blankReason.statusCode).toBe(400);
    expect(blankReason.json().errors.map((e: { path: string }) => e.path)).toContain("query.reason");
    expect((await requestRows()).length).toBe(before);
    // As API.md writes it, without a reason: answered, and recorded without one.
    const asWritten = await rt.app.inject({
      method: "GET",
      url: `/applicants/data?idNumber=${PERSON.idNumber}`,
      headers: admin,
    });
    expect(asWritten.statusCode).toBe(200);
    expect((await requestRows()).at(-1)).toMatchObject({ kind: "access", reason: null });
  });
});

describe("erasing a person", () => {
  it("refuses without a reason, for an unknown ID number, and for non-admins, changing nothing", async () => {
    const before = (await requestRows()).length;
    const noReason = await erase({ idNumber: PERSON.idNumber });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors.map((e: { path: string }) => e.path)).toContain("body.reason");
    const blank = await erase({ idNumber: PERSON.idNumber, reason: "   " });
    expect(blank.statusCode).toBe(400);
    const unknown = await erase({ idNumber: UNKNOWN, reason: "Đơn yêu cầu số 13/2026" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("applicant.not_found");
    expect((await erase({ idNumber: PERSON.idNumber, reason: "x" }, officer)).statusCode).toBe(403);
    expect((await requestRows()).length).toBe(before);
    expect((await dataOf(PERSON.idNumber)).statusCode).toBe(200);
  });

  it("destroys her key, records ApplicantErased on each of her dossiers, and leaves every chain valid", async () => {
    const response = await erase({
      idNumber: PERSON.idNumber,
      reason: "Đơn yêu cầu xóa số 14/2026, Điều 16 Luật 91/2025",
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    // API.md's shape: { erasedAt, dossiers: [dossierId…] }.
    expect([...body.dossiers].sort()).toEqual([...dossiers].sort());
    expect(Date.parse(body.erasedAt)).toBe(rt.clock.now().getTime());
    // Each dossier's ApplicantErased follows its own history: the receipt (1), then the withdrawal (2).
    const revisionOf = Object.fromEntries(
      body.appended.map((d: { dossierId: string; revision: number }) => [d.dossierId, d.revision]),
    );
    expect(revisionOf).toEqual({ [dossiers[0] as string]: 2, [dossiers[1] as string]: 3 });
    expect(JSON.stringify(body)).not.toContain(PERSON.name);

    for (const dossierId of dossiers) {
      const history = await rt.app.inject({
        method: "GET",
        url: `/dossiers/${dossierId}/history`,
        headers: auditor,
      });
      expect(history.statusCode, history.body).toBe(200);
      const events = history.json().events;
      expect(events[0].data.applicant).toEqual({ erased: true });
      const last = events.at(-1);
      expect(last).toMatchObject({
        type: "ApplicantErased",
        data: { reason: "Đơn yêu cầu xóa số 14/2026, Điều 16 Luật 91/2025" },
      });
      expect(last.actor).toMatchObject({ id: "admin-1", role: "admin" });
      expect(JSON.stringify(events)).not.toContain(PERSON.name);
      const verify = await rt.app.inject({
        method: "GET",
        url: `/dossiers/${dossierId}/verify`,
        headers: auditor,
      });
      expect(verify.json()).toMatchObject({ valid: true });
    }
    // The withdrawal's free text is erased with her.
    const withdrawn = await rt.app.inject({
      method: "GET",
      url: `/dossiers/${dossiers[1]}/history`,
      headers: auditor,
    });
    expect(
      withdrawn.json().events.find((e: { type: string }) => e.type === "DossierWithdrawn").data.reason,
    ).toEqual({
      erased: true,
    });
    // The other applicant is untouched.
    const other = await rt.app.inject({
      method: "GET",
      url: `/dossiers/${otherDossier}/history`,
      headers: auditor,
    });
    expect(other.json().events[0].data.applicant).toMatchObject({ name: OTHER.name });

    // Nothing is left to find: no key, so access and a second erasure are 404.
    expect((await dataOf(PERSON.idNumber)).statusCode).toBe(404);
    expect((await erase({ idNumber: PERSON.idNumber, reason: "lần hai" })).statusCode).toBe(404);
    const keys = await sql<{ n: number }>`SELECT count(*)::int AS n FROM event_store.subject_keys`.execute(
      rt.db,
    );
    expect(keys.rows[0]?.n).toBe(1); // only the other applicant's
  });

  it("shows auditors the record of requests, and never logs the ID number", async () => {
    const response = await rt.app.inject({ method: "GET", url: "/applicants/requests", headers: auditor });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items;
    expect(items.map((i: { kind: string }) => i.kind)).toEqual(["erasure", "access", "access", "access"]);
    expect(items[0]).toMatchObject({
      actor: { id: "admin-1", name: "Lê Quản Trị", role: "admin" },
      reason: "Đơn yêu cầu xóa số 14/2026, Điều 16 Luật 91/2025",
    });
    const byDossier = await rt.app.inject({
      method: "GET",
      url: `/applicants/requests?dossierId=${otherDossier}`,
      headers: auditor,
    });
    expect(byDossier.json().items).toEqual([]);
    expect(
      (await rt.app.inject({ method: "GET", url: "/applicants/requests", headers: officer })).statusCode,
    ).toBe(403);
    expect(logs.text()).toContain("/applicants/data");
    expect(logs.text()).not.toContain(PERSON.idNumber);
    expect(logs.text()).not.toContain(UNKNOWN);
  });
});
