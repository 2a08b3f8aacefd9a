import {
  type DossierCommand,
  dayToLocalDate,
  dossierStreamId,
  localDateOf,
  localDateToDay,
  parseInstant,
} from "@motcua/domain";
import { PROCEDURES, RECEIVING_UNITS, scriptedDossier, simulateDossiers } from "@motcua/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableChecksums } from "../checksums";
import type { ProjectableEvent } from "../events";
import { partitionOf } from "../partition";
import { delaysByHoldingUnit, listProcessSteps } from "../process-steps/queries";
import { indicators } from "../report-06a/indicators";
import { report06a } from "../report-06a/report06a";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { getDossier, getDossierByCode } from "../worklist/queries";
import { ensureCheckpoints, readCheckpoints, readPosition } from "./checkpoints";
import { projectEvents, projectPartitions } from "./project-events";

const COMMUNE = RECEIVING_UNITS[0];
const DEPARTMENT = "unit-dept-construction";
const PROVINCE = "unit-province-office";
const A = "0b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e10";

const receive = (
  dossierId: string,
  extra: Partial<Extract<DossierCommand, { type: "ReceiveDossier" }>["data"]> = {},
): DossierCommand => ({
  type: "ReceiveDossier",
  data: {
    dossierId,
    code: `000.00.10.H26-250312-${dossierId.slice(0, 4).replace(/\D/g, "1").padStart(4, "1")}`,
    unitId: COMMUNE,
    channel: "direct",
    applicant: { name: "Nguyễn Văn A", idNumber: "001085012345", phone: "0912345678" },
    documents: [
      { name: "Đơn đề nghị", digitized: true },
      { name: "Bản vẽ", digitized: true },
    ],
    ...extra,
  },
});

/** A whole life: forward with a step deadline, transfer, supplement (restart), fees (resume), apology, overdue, resolve, return. */
const wholeLife = () =>
  scriptedDossier(A, [
    [receive(A), "2025-03-12T09:00"],
    [
      {
        type: "ForwardDossier",
        data: { toUnitId: DEPARTMENT, step: "thẩm định", stepDueAt: "2025-03-13T17:00:00+07:00" },
      },
      "2025-03-12T10:00",
    ],
    [{ type: "TransferDossier", data: { toUnitId: PROVINCE, reason: "liên thông" } }, "2025-03-14T08:00"],
    [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-14T09:00"],
    [{ type: "ReceiveSupplement", data: {} }, "2025-03-17T08:00"],
    [{ type: "RequestFee", data: { reason: "Lệ phí", amount: 100_000 } }, "2025-03-17T10:00"],
    [{ type: "RecordFeePaid", data: {} }, "2025-03-18T10:00"],
    [
      {
        type: "IssueApology",
        data: { reason: "Chậm do liên thông", promisedAt: "2025-03-28T16:00:00+07:00" },
      },
      "2025-03-24T09:00",
    ],
    [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-27T10:00"],
    [{ type: "ReturnResult", data: { method: "counter" } }, "2025-03-28T09:00"],
  ]);

const dataOf = (events: readonly ProjectableEvent[], type: string) =>
  events.find((e) => e.type === type)?.data as Record<string, unknown>;
const instantOf = (v: unknown) => (v === null || v === undefined ? null : parseInstant(String(v)));
const ms = (v: Date | null) => (v === null ? null : v.getTime());

let t: ReadModelTestDatabase;
let schemaCount = 0;
/** A fresh version schema per test, so tests never see each other's rows. */
async function version(partitions = 1): Promise<string> {
  const schema = `rm_test_${++schemaCount}`;
  await freshVersion(t.db, schema, partitions);
  return schema;
}
const apply = (
  schema: string,
  events: readonly ProjectableEvent[],
  partition = 0,
  throughPosition?: number,
) =>
  t.db
    .transaction()
    .execute((trx) =>
      projectEvents(trx, schema, partition, events, throughPosition === undefined ? {} : { throughPosition }),
    );

beforeAll(async () => {
  t = await openTestDatabase("projection");
});
afterAll(async () => {
  await t?.close();
});

describe("projecting a dossier's events", () => {
  it("folds a whole life into the dossier row, as GET /dossiers/{id} shows it", async () => {
    const schema = await version();
    const events = wholeLife();
    await apply(schema, events);
    const view = await getDossier(t.db, schema, A);
    const received = dataOf(events, "DossierReceived");
    const feePaid = dataOf(events, "FeePaid");
    const resolved = dataOf(events, "DossierResolved");
    const overdue = dataOf(events, "DossierBecameOverdue");
    expect(overdue, "the resolution past the due moment first recorded the overdue event").toBeDefined();
    expect(view).toMatchObject({
      dossierId: A,
      code: received.code,
      procedureId: PROCEDURES[0]?.procedureId,
      field: PROCEDURES[0]?.field,
      status: "returned",
      receivingUnitId: COMMUNE,
      currentUnitId: PROVINCE,
      unitsHeld: [COMMUNE, DEPARTMENT, PROVINCE],
      channel: "direct",
      timeliness: resolved.timeliness,
      outcome: "approved",
      overdue: false,
      everOverdue: true,
      overdueHoldingUnitId: PROVINCE,
      supplementRequests: 1,
      lateFor766: resolved.lateFor766,
      documentsTotal: 2,
      documentsDigitized: 2,
      elapsedWorkingMinutes: resolved.elapsedWorkingMinutes,
      revision: events.length,
      position: events.at(-1)?.position,
    });
    expect(resolved.timeliness).toBe("late");
    const v = view as NonNullable<typeof view>;
    expect(instantOf(v.dueAt)).toBe(instantOf(feePaid.dueAt));
    expect(instantOf(v.receivedAt)).toBe(instantOf(received.at));
    expect(instantOf(v.promisedAt)).toBe(parseInstant("2025-03-28T16:00:00+07:00"));
    expect(instantOf(v.resolvedAt)).toBe(instantOf(resolved.at));
    expect(instantOf(v.returnedAt)).toBe(parseInstant("2025-03-28T09:00:00+07:00"));
    expect(v.dueAt?.endsWith("+07:00")).toBe(true);

    expect(await getDossierByCode(t.db, schema, String(received.code))).toEqual({
      code: received.code,
      status: "returned",
      receivedAt: v.receivedAt,
      dueAt: v.dueAt,
      promisedAt: v.promisedAt,
    });
  });

  it("keeps the process-control log: each holding, its times, and whether it ran late", async () => {
    const schema = await version();
    const events = wholeLife();
    await apply(schema, events);
    const steps = await listProcessSteps(t.db, schema, A);
    const at = (type: string) => instantOf(dataOf(events, type).at);
    expect(steps.map((s) => [s.unitId, s.kind, s.endedBy])).toEqual([
      [COMMUNE, "received", "DossierForwarded"],
      [DEPARTMENT, "forwarded", "DossierTransferred"],
      [PROVINCE, "transferred", "DossierResolved"],
    ]);
    const [first, second, third] = steps;
    expect(instantOf(first?.toAt)).toBe(at("DossierForwarded"));
    expect(first?.late, "forwarded within an hour").toBe(false);
    expect(second?.step, "free text never reaches a read model").toBeNull();
    expect(steps.map((s) => s.reason)).toEqual([null, null, null]);
    expect(instantOf(second?.stepDueAt)).toBe(parseInstant("2025-03-13T17:00:00+07:00"));
    expect(second?.late, "held past its step deadline").toBe(true);
    expect(third?.overdueRecorded, "the overdue event named the province office").toBe(true);
    expect(third?.late).toBe(true);
    expect(instantOf(third?.toAt)).toBe(at("DossierResolved"));
    expect(instantOf(third?.dueAt), "the due moment in force, after the fee").toBe(
      instantOf(dataOf(events, "FeePaid").dueAt),
    );

    const delays = await delaysByHoldingUnit(t.db, schema, { from: "2025-03-01", to: "2025-03-31" });
    expect(delays.find((d) => d.unitId === PROVINCE)).toMatchObject({ holdings: 1, lateHoldings: 1 });
    expect(delays.find((d) => d.unitId === COMMUNE)).toMatchObject({ holdings: 1, lateHoldings: 0 });
    expect(await delaysByHoldingUnit(t.db, schema, { from: "2025-05-01", to: "2025-05-31" })).toEqual([]);
  });

  it("records every due moment, every pause, and the days the dossier counted overdue", async () => {
    const schema = await version();
    const events = wholeLife();
    await apply(schema, events);
    const s = t.db.withSchema(schema);
    const deadlines = await s.selectFrom("dossier_deadlines").selectAll().orderBy("seq").execute();
    expect(deadlines.map((d) => [d.cause, ms(d.due_at)])).toEqual([
      ["received", instantOf(dataOf(events, "DossierReceived").dueAt)],
      ["supplement_received", instantOf(dataOf(events, "SupplementReceived").dueAt)],
      ["fee_paid", instantOf(dataOf(events, "FeePaid").dueAt)],
    ]);
    const pauses = await s.selectFrom("dossier_pauses").selectAll().orderBy("seq").execute();
    expect(pauses.map((p) => [p.kind, p.ended_by, p.paused_working_minutes])).toEqual([
      ["supplement", "SupplementReceived", dataOf(events, "SupplementReceived").pausedWorkingMinutes],
      ["fee", "FeePaid", dataOf(events, "FeePaid").pausedWorkingMinutes],
    ]);
    const spans = await s
      .selectFrom("overdue_spans")
      .select([sql<string>`from_day::text`.as("from"), sql<string | null>`to_day::text`.as("to")])
      .execute();
    // Overdue from the day after the due date to the day before the resolution.
    const dueDay = localDateToDay(localDateOf(instantOf(dataOf(events, "FeePaid").dueAt) as number));
    const resolvedDay = localDateToDay(
      localDateOf(instantOf(dataOf(events, "DossierResolved").at) as number),
    );
    expect(spans).toEqual([{ from: dayToLocalDate(dueDay + 1), to: dayToLocalDate(resolvedDay - 1) }]);
  });

  it("counts the dossier under its receiving unit in 06a: received on its day, resolved late on its day", async () => {
    const schema = await version();
    const events = wholeLife();
    await apply(schema, events);
    const march = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-03-01", to: "2025-03-31" });
    expect(march.total).toMatchObject({
      received: 1,
      receivedDirect: 1,
      resolved: 1,
      resolvedLate: 1,
      pending: 0,
    });
    const untilResolution = await report06a(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-03-01",
      to: "2025-03-26",
    });
    expect(untilResolution.total).toMatchObject({ received: 1, resolved: 0, pending: 1, pendingOverdue: 1 });
    const beforeDue = await report06a(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-03-01",
      to: "2025-03-20",
    });
    expect(beforeDue.total).toMatchObject({ pending: 1, pendingInTime: 1, pendingOverdue: 0 });
    const april = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-04-01", to: "2025-04-30" });
    expect(april.total.received).toBe(0);
    const transferredTo = await report06a(t.db, schema, {
      unitIds: [PROVINCE],
      from: "2025-03-01",
      to: "2025-03-31",
    });
    expect(transferredTo.total.received, "not under a unit it was transferred to").toBe(0);
  });

  it("judges a stopped dossier where its clock stopped, and a withdrawn one as on time (for 766: by its moment)", async () => {
    const schema = await version();
    const B = "1b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e11";
    const C = "2b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e12";
    const D = "3b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e13";
    // B waits for a supplement from before its due date until long after, then is closed: judged at the pause.
    const b = scriptedDossier(B, [
      [receive(B), "2025-03-12T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-13T09:00"],
      [{ type: "CloseMissedSupplement", data: {} }, "2025-04-15T09:00"],
    ]);
    // C is stopped while processing, past its due date: late. D is withdrawn past its due date: on time.
    const c = scriptedDossier(
      C,
      [
        [receive(C), "2025-03-12T09:00"],
        [{ type: "StopDossier", data: { reason: "Không đủ điều kiện" } }, "2025-04-15T09:00"],
      ],
      { firstPosition: 100 },
    );
    const d = scriptedDossier(
      D,
      [
        [receive(D), "2025-03-12T09:00"],
        [{ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, "2025-04-15T09:00"],
      ],
      { firstPosition: 200 },
    );
    await apply(schema, [...b, ...c, ...d]);
    const rows = await t.db
      .withSchema(schema)
      .selectFrom("dossiers")
      .select(["dossier_id", "status", "finish_class", "late_for_766"])
      .orderBy("dossier_id")
      .execute();
    expect(rows).toEqual([
      { dossier_id: B, status: "stopped", finish_class: "early", late_for_766: false },
      { dossier_id: C, status: "stopped", finish_class: "late", late_for_766: true },
      // Withdrawn on 15 April, past its due date (19 March): on time in the 06a, late for Decision 766.
      { dossier_id: D, status: "withdrawn", finish_class: "on_time", late_for_766: true },
    ]);
    const april = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-04-01", to: "2025-04-30" });
    expect(april.total).toMatchObject({
      carriedOver: 3,
      resolved: 3,
      resolvedEarly: 1,
      resolvedOnTime: 1,
      resolvedLate: 1,
      pending: 0,
    });
    // On 31 March, B waits for its supplement (paused before its due date: in time), C and D are overdue.
    const march = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-03-01", to: "2025-03-31" });
    expect(march.total).toMatchObject({ pending: 3, pendingInTime: 1, pendingOverdue: 2 });
  });

  it("keeps online submissions, intake refusals and withdrawals before receipt out of every list and count", async () => {
    const schema = await version();
    const ids = [
      "4b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e14",
      "5b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e15",
      "6b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e16",
    ] as const;
    const submit = (dossierId: string): DossierCommand => ({
      type: "SubmitDossier",
      data: { dossierId, unitId: COMMUNE, applicant: { name: "Trần Thị B" }, documents: [] },
    });
    const events = [
      ...scriptedDossier(ids[0], [[submit(ids[0]), "2025-03-12T20:00"]]),
      ...scriptedDossier(
        ids[1],
        [
          [submit(ids[1]), "2025-03-12T20:00"],
          [{ type: "RefuseIntake", data: { reason: "Thiếu giấy tờ" } }, "2025-03-13T08:00"],
        ],
        { firstPosition: 10 },
      ),
      ...scriptedDossier(
        ids[2],
        [
          [submit(ids[2]), "2025-03-12T20:00"],
          [{ type: "WithdrawDossier", data: { reason: "Rút" } }, "2025-03-13T08:00"],
        ],
        { firstPosition: 20 },
      ),
    ];
    await apply(schema, events);
    const statuses = await t.db
      .withSchema(schema)
      .selectFrom("dossiers")
      .select(["dossier_id", "status"])
      .orderBy("dossier_id")
      .execute();
    expect(statuses.map((r) => r.status)).toEqual(["submitted", "refused", "withdrawn"]);
    for (const id of ids) expect(await getDossier(t.db, schema, id)).toBeNull();
    const report = await report06a(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-01-01",
      to: "2025-12-31",
    });
    expect(report.total.received).toBe(0);
    // Received later, the submission becomes an ordinary online dossier.
    const later = scriptedDossier(
      ids[0],
      [
        [submit(ids[0]), "2025-03-12T20:00"],
        [receive(ids[0], { channel: "online" }), "2025-03-13T08:00"],
      ],
      { firstPosition: 30 },
    );
    await apply(schema, [{ ...(later[1] as ProjectableEvent), revision: 2 }]);
    expect(await getDossier(t.db, schema, ids[0])).toMatchObject({ status: "received", channel: "online" });
    const after = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-01-01", to: "2025-12-31" });
    expect(after.total).toMatchObject({ received: 1, receivedOnline: 1 });
  });

  it("never stores the applicant, whether it arrives in clear, encrypted or erased", async () => {
    const schema = await version();
    const clear = wholeLife();
    const asEncrypted = clear.map((e) =>
      e.type === "DossierReceived"
        ? { ...e, data: { ...(e.data as object), applicant: { ciphertext: "AAEC", keyId: "k1" } } }
        : e,
    );
    const asErased = clear.map((e) =>
      e.type === "DossierReceived"
        ? { ...e, data: { ...(e.data as object), applicant: { erased: true } } }
        : e,
    );
    await apply(schema, clear);
    const s2 = await version();
    await apply(s2, asEncrypted);
    const s3 = await version();
    await apply(s3, asErased);
    for (const s of [schema, s2, s3]) {
      const { rows } = await sql<{
        dump: string;
      }>`select string_agg(t::text, ' ') as dump from ${sql.table(`${s}.dossiers`)} t`.execute(t.db);
      const dump = rows[0]?.dump ?? "";
      expect(dump).toContain(A);
      for (const personal of ["Nguyễn Văn A", "001085012345", "0912345678", "ciphertext", "AAEC"]) {
        expect(dump).not.toContain(personal);
      }
    }
    const [c1, c2, c3] = await Promise.all([schema, s2, s3].map((s) => tableChecksums(t.db, s)));
    expect(c2).toEqual(c1);
    expect(c3).toEqual(c1);
  });
});

describe("exactly-once effect", () => {
  it("changes nothing when a batch is applied twice, or batches overlap", async () => {
    const schema = await version(2);
    const { events } = simulateDossiers({ seed: 11, dossiers: 150 });
    const parts = [0, 1].map((p) => events.filter((e) => partitionOf(e.streamId, 2) === p));
    for (const [p, list] of parts.entries()) {
      const half = Math.floor(list.length / 2);
      await apply(schema, list.slice(0, half), p);
      const again = await apply(schema, list.slice(0, half), p);
      expect(again.applied).toBe(0);
      expect(again.skipped).toBe(half);
      const overlap = await apply(schema, list.slice(Math.floor(half / 2)), p);
      expect(overlap.applied).toBe(list.length - half);
    }
    const once = await tableChecksums(t.db, schema);
    for (const [p, list] of parts.entries()) await apply(schema, list, p);
    expect(await tableChecksums(t.db, schema)).toEqual(once);

    const clean = await version(1);
    await apply(clean, events, 0);
    expect(await tableChecksums(t.db, clean)).toEqual(once);
    expect(once.dossiers.rows).toBe(new Set(events.map((e) => e.streamId)).size);
  });

  it("applies several partitions in one transaction as it would one after the other, each with its checkpoint", async () => {
    const P = 4;
    const { events } = simulateDossiers({ seed: 23, dossiers: 200 });
    const last = (events.at(-1) as ProjectableEvent).position;
    const parts = Array.from({ length: P }, (_, p) => events.filter((e) => partitionOf(e.streamId, P) === p));
    const cut = Math.floor(events.length / 2);
    const upTo = (events[cut] as ProjectableEvent).position;

    const separate = await version(P);
    for (const [p, list] of parts.entries()) await apply(separate, list, p, last);

    const together = await version(P);
    const run = (slices: Parameters<typeof projectPartitions>[2]) =>
      t.db.transaction().execute((trx) => projectPartitions(trx, together, slices));
    // The first half of the log for partitions 0, 1 and 3 (2 left alone); partition 3 given its slice twice.
    const first = await run(
      [3, 0, 1].map((p) => ({
        partition: p,
        events: (parts[p] as ProjectableEvent[]).filter((e) => e.position <= upTo),
        throughPosition: upTo,
      })),
    );
    expect(first.map((r) => r.checkpoint)).toEqual([upTo, upTo, upTo]);
    expect(await readCheckpoints(t.db, together)).toEqual(
      [0, 1, 2, 3].map((partition) => ({ partition, position: partition === 2 ? 0 : upTo })),
    );
    const second = await run(
      parts.map((list, p) => ({
        partition: p,
        events: list,
        throughPosition: last,
        // Partition 2 is told it starts at the cut: its checkpoint is below, so it is early and untouched.
        ...(p === 2 ? { fromPosition: upTo } : {}),
      })),
    );
    expect(second[2]).toEqual({ applied: 0, skipped: 0, checkpoint: 0, early: true });
    expect(second[3]?.skipped).toBe(
      (parts[3] as ProjectableEvent[]).filter((e) => e.position <= upTo).length,
    );
    expect(second[3]?.applied).toBe((parts[3] as ProjectableEvent[]).filter((e) => e.position > upTo).length);
    await run([{ partition: 2, events: parts[2] as ProjectableEvent[], throughPosition: last }]);
    expect(await readPosition(t.db, together)).toBe(last);
    expect(await tableChecksums(t.db, together)).toEqual(await tableChecksums(t.db, separate));

    await expect(
      run([
        { partition: 1, events: [] },
        { partition: 1, events: [] },
      ]),
    ).rejects.toMatchObject({ code: "read_models.invalid_partition" });
  });

  it("ignores an event the row already reflects, even below a fresh checkpoint", async () => {
    const schema = await version(2);
    const events = wholeLife();
    await apply(schema, events, 0);
    const before = await tableChecksums(t.db, schema);
    // The same dossier's events through another partition whose checkpoint is still 0.
    const result = await apply(schema, events, 1);
    expect(result.applied).toBe(events.length);
    expect(await tableChecksums(t.db, schema)).toEqual(before);
  });

  it("rejects poison events with a coded error, and the transaction leaves nothing behind", async () => {
    const schema = await version();
    const events = wholeLife();
    await apply(schema, events.slice(0, 3));
    const before = await tableChecksums(t.db, schema);
    const next = events[3] as ProjectableEvent;
    const poisons: [string, ProjectableEvent][] = [
      ["unknown type", { ...next, type: "DossierTeleported" }],
      ["unknown version", { ...next, schemaVersion: 9 }],
      ["invalid data", { ...next, data: { ...(next.data as object), at: "yesterday" } }],
      ["not a dossier stream", { ...next, streamId: "invoice-1" }],
      [
        "a dossier never received",
        { ...next, streamId: dossierStreamId("9b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e19") },
      ],
    ];
    for (const [what, poison] of poisons) {
      await expect(apply(schema, [poison]), what).rejects.toMatchObject({ code: "read_models.poison_event" });
    }
    expect(await tableChecksums(t.db, schema)).toEqual(before);
    expect(await readCheckpoints(t.db, schema)).toEqual([
      { partition: 0, position: (events[2] as ProjectableEvent).position },
    ]);
  });

  it("refuses a batch whose positions do not ascend", async () => {
    const schema = await version();
    const events = wholeLife();
    await expect(
      apply(schema, [events[1] as ProjectableEvent, events[0] as ProjectableEvent]),
    ).rejects.toMatchObject({
      code: "read_models.events_out_of_order",
    });
  });
});

describe("the Decision 766 progress indicator (VPCP indicator 2.1)", () => {
  it("counts open dossiers asked more than once as late, and judges withdrawals by their moment", async () => {
    const schema = await version();
    const id = (n: number) => `${n}c9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e1${n}`;
    const [twice, early, withdrawnLate, overdue, withdrawnEarly] = [id(1), id(2), id(3), id(4), id(5)];
    // Each received Wednesday 12 March 09:00 under 5 working days (restart): due Wednesday 19 March 09:00.
    const lives = [
      // Asked once, supplement back on the 14th (restart: due 21 March 09:00), asked again Monday 17th at
      // 09:00 and still waiting on 31 March: in time for the 06a (paused before its due date), late for 766.
      scriptedDossier(twice, [
        [receive(twice), "2025-03-12T09:00"],
        [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-13T09:00"],
        [{ type: "ReceiveSupplement", data: {} }, "2025-03-14T09:00"],
        [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-17T09:00"],
      ]),
      scriptedDossier(
        early,
        [
          [receive(early), "2025-03-12T09:00"],
          [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-18T10:00"],
        ],
        { firstPosition: 100 },
      ),
      scriptedDossier(
        withdrawnLate,
        [
          [receive(withdrawnLate), "2025-03-12T09:00"],
          [{ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, "2025-03-25T09:00"],
        ],
        { firstPosition: 200 },
      ),
      scriptedDossier(overdue, [[receive(overdue), "2025-03-12T09:00"]], { firstPosition: 300 }),
      scriptedDossier(
        withdrawnEarly,
        [
          [receive(withdrawnEarly), "2025-03-12T09:00"],
          [{ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, "2025-03-14T09:00"],
        ],
        { firstPosition: 400 },
      ),
    ];
    await apply(schema, lives.flat());
    const progress = async (to: string) =>
      (await indicators(t.db, schema, { unitIds: [COMMUNE], from: "2025-03-01", to })).progressScore766;

    // To 31 March: finished 3 (resolved early; withdrawn on the 25th, past due: late; withdrawn on the
    // 14th: not), pending 2 (asked twice; overdue), both late. 20 × (3 − 1 + 2 − 2) / (3 + 2) = 8.
    expect(await progress("2025-03-31")).toBeCloseTo(8, 10);
    // To 16 March: finished 1 (withdrawn on the 14th), pending 4, none late yet (one request so far,
    // nothing past due). 20 × (1 − 0 + 4 − 0) / 5 = 20.
    expect(await progress("2025-03-16")).toBeCloseTo(20, 10);
    // To 17 March, the day of the second request: it counts late from that day. 20 × (1 + 4 − 1) / 5 = 16.
    expect(await progress("2025-03-17")).toBeCloseTo(16, 10);
    // The 06a is unchanged by either rule: on 31 March the twice-asked dossier is pending in time.
    const march = await report06a(t.db, schema, { unitIds: [COMMUNE], from: "2025-03-01", to: "2025-03-31" });
    expect(march.total).toMatchObject({
      resolved: 3,
      resolvedEarly: 1,
      resolvedOnTime: 2,
      pending: 2,
      pendingInTime: 1,
      pendingOverdue: 1,
    });
  });
});

describe("checkpoints and the read position", () => {
  it("reflects only what every declared partition has applied, and passes idle partitions when told", async () => {
    const schema = await version(3);
    const events = wholeLife();
    expect(await readPosition(t.db, schema)).toBe(0);
    await apply(schema, events, 0);
    const last = (events.at(-1) as ProjectableEvent).position;
    expect(await readPosition(t.db, schema), "partitions 1 and 2 have applied nothing yet").toBe(0);
    await apply(schema, [], 1, last);
    expect(await readPosition(t.db, schema)).toBe(0);
    await apply(schema, [], 2, last - 3);
    expect(await readPosition(t.db, schema)).toBe(last - 3);
    await apply(schema, [], 2, last);
    expect(await readPosition(t.db, schema)).toBe(last);
    expect(await readCheckpoints(t.db, schema)).toEqual(
      [0, 1, 2].map((partition) => ({ partition, position: last })),
    );
    const stale = await apply(schema, [], 2, 1);
    expect(stale.checkpoint, "a checkpoint never moves back").toBe(last);
  });

  it("is 0 before the partitions are declared, and a version keeps its partition count", async () => {
    const schema = `rm_test_${++schemaCount}`;
    await freshVersion(t.db, schema, 2);
    await expect(ensureCheckpoints(t.db, schema, 3)).rejects.toMatchObject({
      code: "read_models.partition_count_changed",
    });
    await ensureCheckpoints(t.db, schema, 2);
    expect((await readCheckpoints(t.db, schema)).length).toBe(2);
  });

  it("sends every event of a dossier to one partition, by a stable hash that spreads dossiers evenly", () => {
    // FNV-1a of "a" is 0xe40c292c: the partition is that modulo the count.
    expect(partitionOf("a", 0xe40c292c + 1)).toBe(0xe40c292c);
    expect(partitionOf("a", 7)).toBe(0xe40c292c % 7);
    const { events } = simulateDossiers({ seed: 5, dossiers: 400 });
    const streams = [...new Set(events.map((e) => e.streamId))];
    const counts = Array.from({ length: 8 }, () => 0);
    for (const s of streams) counts[partitionOf(s, 8)] = (counts[partitionOf(s, 8)] ?? 0) + 1;
    for (const c of counts) expect(c).toBeGreaterThan(streams.length / 8 / 2);
  });
});
