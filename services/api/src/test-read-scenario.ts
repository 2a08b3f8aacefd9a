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

export type MarchScenario = Awaited<ReturnType<typeof marchScenario>>;
