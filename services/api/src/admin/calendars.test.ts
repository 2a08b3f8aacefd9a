import { CALENDAR_2026 } from "@motcua/domain";
import { type ProjectableEvent, partitionOf, projectEvents, readModelSchemaName } from "@motcua/read-models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let admin: Record<string, string>;
let officer: Record<string, string>;
const PARTITIONS = 4;

/** Stands in for the projector: applies everything in the log, partition by partition. */
async function projectAll(): Promise<number> {
  const byPartition = new Map<number, ProjectableEvent[]>();
  let head = 0;
  for await (const e of rt.store.readAll()) {
    const p = partitionOf(e.streamId, PARTITIONS);
    byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
    head = e.position;
  }
  await rt.db.transaction().execute(async (trx) => {
    for (let p = 0; p < PARTITIONS; p++) {
      await projectEvents(trx as never, readModelSchemaName(1), p, byPartition.get(p) ?? [], {
        throughPosition: head,
      });
    }
  });
  return head;
}

async function call(method: "GET" | "PUT" | "POST", url: string, headers: object, payload?: object) {
  const r = await rt.app.inject({ method, url, headers: headers as never, ...(payload ? { payload } : {}) });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json();
}

const procedure = (value: number) => ({
  code: `9.00000${value}`,
  name: `Thủ tục ${value} ngày làm việc`,
  field: "Hộ tịch",
  level: "commune",
  timeLimit: { value, unit: "working_days" },
  onlineService: "partial",
  supplementPolicy: "restart",
});

beforeAll(async () => {
  rt = await createTestRuntime("calendars", { env: { PROJECTION_PARTITIONS: String(PARTITIONS) } });
  admin = await rt.auth("admin");
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  await call("PUT", "/procedures/one-day", admin, procedure(1));
  await call("PUT", "/procedures/twenty-days", admin, procedure(20));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("deadlines across the years' calendars", () => {
  it("follows the official 2026: a 1-day dossier of 31 December 2025 is due Monday 5 January", async () => {
    const { year: _year, ...body } = CALENDAR_2026;
    await call("PUT", "/calendars/2026", admin, body);
    rt.clock.set("2025-12-31T10:00:00+07:00");
    const answer = await call("POST", "/dossiers", officer, receiveBody({ procedureId: "one-day" }));
    expect(answer).toMatchObject({ dueAt: "2026-01-05T10:00:00.000+07:00", dueAtProvisional: false });
  });

  it("is never due on New Year's Day of a year without a notice, and says the deadline is provisional", async () => {
    rt.clock.set("2026-12-04T10:00:00+07:00");
    const answer = await call("POST", "/dossiers", officer, receiveBody({ procedureId: "twenty-days" }));
    // On weekends alone the 20 working days end on Friday 1 January 2027.
    expect(answer).toMatchObject({ dueAt: "2027-01-04T10:00:00.000+07:00", dueAtProvisional: true });
    const position = await projectAll();

    const read = await call("GET", `/dossiers/${answer.dossierId}?minPosition=${position}`, officer);
    expect(read).toMatchObject({ dueAt: answer.dueAt, dueAtProvisional: true });
    const list = await call("GET", `/dossiers?unitId=${UNITS.communeA.unitId}`, officer);
    const byId = new Map(list.items.map((i: { dossierId: string }) => [i.dossierId, i]));
    expect(byId.get(answer.dossierId)).toMatchObject({ dueAtProvisional: true });
    expect(
      [...byId.values()].filter((i) => (i as { dueAtProvisional: boolean }).dueAtProvisional),
    ).toHaveLength(1);
    const publicView = await call("GET", `/public/dossiers/${answer.code}`, {});
    expect(publicView).toMatchObject({ dueAt: answer.dueAt, dueAtProvisional: true });

    // The admin sees which coming years lack their notice, and what 2027 counts meanwhile.
    expect(await call("GET", "/calendars", await rt.auth("analyst"))).toEqual({
      items: [
        { year: 2025, hasNotice: true, notice: expect.any(String) },
        { year: 2026, hasNotice: true, notice: CALENDAR_2026.notice },
        { year: 2027, hasNotice: false },
      ],
      comingYearsWithoutNotice: [2027],
    });
    expect(await call("GET", "/calendars/2027", admin)).toMatchObject({
      year: 2027,
      known: false,
      hasNotice: false,
      holidays: ["2027-01-01", "2027-04-30", "2027-09-02"],
      compensatoryDays: ["2027-05-03"],
      workingDays: [],
      note: expect.stringContaining("tạm tính"),
    });

    // Loading the notice ends the mark; the deadline itself is never recomputed.
    await call("PUT", "/calendars/2027", admin, { holidays: ["2027-01-01"], notice: "Thông báo thử" });
    expect(await call("GET", `/dossiers/${answer.dossierId}`, officer)).toMatchObject({
      dueAt: answer.dueAt,
      dueAtProvisional: false,
    });
    expect((await call("GET", "/calendars", admin)).comingYearsWithoutNotice).toEqual([]);
  });
});
