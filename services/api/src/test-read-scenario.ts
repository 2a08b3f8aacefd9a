import { expect } from "vitest";
import { createTestRuntime, projectAll, receiveBody, UNITS } from "./test-runtime";

/** The dossiers of the March 2025 scenario the read tests share, by the life each one had. */
export interface MarchDossiers {
  readonly resolvedEarly: string;
  readonly late: string;
  readonly pending: string;
  readonly overdue: string;
  readonly withdrawn: string;
  readonly online: string;
}

const PARTITIONS = 8;
export const at = (local: string) => `${local}:00+07:00`;

/**
 * Commune A's March 2025, projected: six dossiers received on Monday 3 March (due Monday 10 March 09:00),
 * one resolved early, one withdrawn, one transferred to the department and left overdue, two resolved late
 * on 11 March (one of them online), one left pending.
 */
export async function marchScenario(name: string) {
  const rt = await createTestRuntime(name, { env: { PROJECTION_PARTITIONS: String(PARTITIONS) } });
  const post = async (url: string, body: object, headers: Record<string, string>) => {
    const r = await rt.app.inject({ method: "POST", url, payload: body, headers });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };
  const officerA = await rt.auth("officer", UNITS.communeA.unitId);
  const analyst = await rt.auth("analyst");
  rt.clock.set(at("2025-03-03T09:00"));
  const receive = async (extra: Record<string, unknown> = {}) =>
    (await post("/dossiers", receiveBody(extra), officerA)).dossierId as string;
  const ids: MarchDossiers = {
    resolvedEarly: await receive(),
    late: await receive(),
    pending: await receive(),
    overdue: await receive(),
    withdrawn: await receive(),
    online: await receive({ channel: "online" }),
  };
  // Due Monday 10 March 09:00 (5 working days).
  rt.clock.set(at("2025-03-05T10:00"));
  await post(`/dossiers/${ids.resolvedEarly}/resolve`, { outcome: "approved" }, officerA);
  await post(`/dossiers/${ids.withdrawn}/withdraw`, { reason: "Rút hồ sơ" }, officerA);
  await post(
    `/dossiers/${ids.overdue}/transfer`,
    { toUnitId: UNITS.department.unitId, reason: "Liên thông thẩm định" },
    officerA,
  );
  rt.clock.set(at("2025-03-11T10:00"));
  await post(`/dossiers/${ids.late}/resolve`, { outcome: "rejected" }, officerA);
  await post(`/dossiers/${ids.online}/resolve`, { outcome: "approved" }, officerA);
  // The deadline watcher's command (no scheduler runs in this test).
  expect(await rt.service.markOverdue(ids.overdue)).toMatchObject({ status: "processing" });
  expect(await rt.service.markOverdue(ids.overdue)).toBeNull();
  expect(await rt.service.markOverdue(ids.resolvedEarly)).toBeNull();
  await projectAll(rt, PARTITIONS);
  return { rt, officerA, analyst, ids, post };
}

/** The dossiers of the open-work scenario, by where each stands on Wednesday 12 March 2025, 09:00. */
export interface OpenWorkDossiers {
  readonly overdue: string;
  readonly dueSoon: string;
  readonly later: string;
  readonly resolved: string;
  readonly paused: string;
  readonly transferred: string;
}

/**
 * Commune A's open work on Wednesday 12 March 2025, 09:00, projected: one dossier overdue, one transferred
 * to the department after its due moment, one due within 24 working hours, one paused for a supplement,
 * one received now, one resolved.
 */
export async function openWorkScenario(name: string) {
  const rt = await createTestRuntime(name);
  const officerA = await rt.auth("officer", UNITS.communeA.unitId);
  const officerDept = await rt.auth("officer", UNITS.department.unitId);
  const post = async (url: string, payload: object, headers = officerA) => {
    const r = await rt.app.inject({ method: "POST", url, payload, headers });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };
  const receive = async () => (await post("/dossiers", receiveBody())).dossierId as string;
  // 5 working days each: received Mon 3 March 09:00 → due Mon 10 March 09:00 (overdue on 12 March).
  rt.clock.set("2025-03-03T09:00:00+07:00");
  const overdue = await receive();
  const transferred = await receive();
  // Received Thu 6 March 09:00 → due Thu 13 March 09:00: 8 working hours after "now" (due soon).
  rt.clock.set("2025-03-06T09:00:00+07:00");
  const dueSoon = await receive();
  const resolved = await receive();
  rt.clock.set("2025-03-06T10:00:00+07:00");
  const paused = await receive();
  // Now: Wed 12 March 09:00. Received now → due 19 March: not due soon.
  rt.clock.set("2025-03-12T09:00:00+07:00");
  const later = await receive();
  await post(`/dossiers/${resolved}/resolve`, { outcome: "approved" });
  await post(`/dossiers/${paused}/supplement-request`, { reason: "Thiếu bản vẽ" });
  await post(`/dossiers/${transferred}/transfer`, { toUnitId: UNITS.department.unitId });
  expect(await rt.service.markOverdue(overdue)).not.toBeNull();
  // The transfer, after its due moment, recorded its overdue event first (the watcher has nothing to add).
  expect(await rt.service.markOverdue(transferred)).toBeNull();
  const ids: OpenWorkDossiers = { overdue, dueSoon, later, resolved, paused, transferred };
  await projectAll(rt);
  return { rt, officerA, officerDept, ids };
}

export type MarchScenario = Awaited<ReturnType<typeof marchScenario>>;
