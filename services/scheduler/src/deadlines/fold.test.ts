import { createWorkSchedule, type DossierEvent } from "@motcua/domain";
import { CALENDAR_2025 } from "@motcua/testing";
import { describe, expect, it } from "vitest";
import type { DeadlineRow } from "../database";
import { activeDeadline, type FoldContext, foldDeadline } from "./fold";

const schedule = createWorkSchedule([CALENDAR_2025]);
const ctx: FoldContext = { scheduleOf: () => schedule, unitNameOf: (id) => `Đơn vị ${id}` };
const dossierId = "6b4e5315-712a-580b-ad37-ecbfea240032";
const t = (iso: string) => Date.parse(iso);

const received: DossierEvent = {
  type: "DossierReceived",
  schemaVersion: 1,
  data: {
    dossierId,
    code: "055.43.00.H19-250312-0001",
    procedureId: "permit",
    procedureVersion: 1,
    procedureCode: "1.009994",
    field: "Xây dựng",
    timeLimit: { value: 5, unit: "working_days" },
    supplementPolicy: "restart",
    sameDayCutoff: "15:00",
    supplementWindowWorkingDays: null,
    unitId: "ca",
    channel: "direct",
    applicant: { name: "Nguyễn Văn An" },
    documents: [],
    at: "2025-03-12T10:00:00+07:00",
    clockStartsAt: "2025-03-12T10:00:00+07:00",
    dueAt: "2025-03-19T10:00:00+07:00",
  },
};

function fold(events: DossierEvent[]) {
  let row: DeadlineRow | null = null;
  const notices: string[] = [];
  events.forEach((event, i) => {
    const folded = foldDeadline(row, event, { dossierId, position: i + 1, eventId: `e${i + 1}` }, ctx);
    row = folded.row;
    notices.push(...folded.notices.map((n) => `${n.facts.kind}@${n.occasion}→${n.recipient}:${n.unitId}`));
  });
  return { row: row as DeadlineRow | null, notices };
}

describe("folding events into a deadline row", () => {
  it("opens the row at receipt with its deadline, warning moments and the appointment slip", () => {
    const { row, notices } = fold([received]);
    expect(row).toMatchObject({
      code: "055.43.00.H19-250312-0001",
      holdingUnitId: "ca",
      dueAt: t("2025-03-19T10:00:00+07:00"),
      clockRunning: true,
      dueSoonAt: t("2025-03-14T10:00:00+07:00"),
      dueTodayAt: t("2025-03-19T07:30:00+07:00"),
      overdueFor: null,
    });
    expect(notices).toEqual(["receipt@receipt→applicant:ca"]);
  });

  it("marks the appointment slip provisional when the due moment's year has no holiday notice", () => {
    const place = { dossierId, position: 1, eventId: "e1" };
    const slip = (dueAt: string) =>
      foldDeadline(null, { ...received, data: { ...received.data, dueAt } } as DossierEvent, place, ctx)
        .notices[0]?.facts;
    expect(slip("2025-03-19T10:00:00+07:00")).toMatchObject({ kind: "receipt", dueAtProvisional: false });
    expect(slip("2026-01-05T10:00:00+07:00")).toMatchObject({ kind: "receipt", dueAtProvisional: true });
  });

  it("follows the holder through transfers, stops the clock for fees and sets the new deadline on payment", () => {
    const { row } = fold([
      received,
      {
        type: "DossierTransferred",
        schemaVersion: 1,
        data: {
          fromUnitId: "ca",
          toUnitId: "dept",
          reason: null,
          dueAt: received.data.dueAt,
          at: "2025-03-13T09:00:00+07:00",
        },
      },
      {
        type: "FeeRequested",
        schemaVersion: 1,
        data: { reason: "Lệ phí cấp phép", amount: 75_000, at: "2025-03-13T10:00:00+07:00" },
      },
    ]);
    expect(row).toMatchObject({ holdingUnitId: "dept", receivingUnitId: "ca", clockRunning: false });
    expect(activeDeadline(row)).toBeNull();
    const paid = foldDeadline(
      row,
      {
        type: "FeePaid",
        schemaVersion: 1,
        data: {
          pausedWorkingMinutes: 480,
          previousDueAt: "2025-03-19T10:00:00+07:00",
          dueAt: "2025-03-20T10:00:00+07:00",
          at: "2025-03-14T10:00:00+07:00",
        },
      },
      { dossierId, position: 9, eventId: "e9" },
      ctx,
    );
    expect(activeDeadline(paid.row)).toBe(t("2025-03-20T10:00:00+07:00"));
    expect(paid.row?.dueSoonAt).toBe(t("2025-03-17T10:00:00+07:00"));
  });

  it("records the overdue notice for the unit the event names, and closes the row on resolution with the result notice", () => {
    const { row, notices } = fold([
      received,
      {
        type: "DossierBecameOverdue",
        schemaVersion: 1,
        data: { dueAt: "2025-03-19T10:00:00+07:00", holdingUnitId: "ca", at: "2025-03-19T10:00:00+07:00" },
      },
      {
        type: "DossierResolved",
        schemaVersion: 1,
        data: {
          outcome: "approved",
          note: null,
          dueAt: "2025-03-19T10:00:00+07:00",
          timeliness: "late",
          supplementRequests: 0,
          lateFor766: true,
          elapsedWorkingMinutes: 2_600,
          at: "2025-03-20T09:00:00+07:00",
        },
      },
    ]);
    expect(row).toBeNull();
    expect(notices).toEqual([
      "receipt@receipt→applicant:ca",
      "overdue@deadline:2025-03-19T03:00:00.000Z→unit:ca",
      "result_ready@result→applicant:ca",
    ]);
  });

  it("ignores anything about a dossier it does not hold open", () => {
    const { row, notices } = fold([
      {
        type: "DossierWithdrawn",
        schemaVersion: 1,
        data: { reason: "Rút hồ sơ", at: "2025-03-12T11:00:00+07:00" },
      },
    ]);
    expect(row).toBeNull();
    expect(notices).toEqual([]);
  });
});

describe("the result-ready notice", () => {
  it("carries the dossier's rating code when the fold is given one, and the rating event changes nothing", () => {
    const withCode: FoldContext = { ...ctx, ratingCodeOf: (id) => `CODE-${id.slice(0, 4)}` };
    const open = foldDeadline(null, received, { dossierId, position: 1, eventId: "e1" }, withCode).row;
    const resolved = foldDeadline(
      open,
      {
        type: "DossierResolved",
        schemaVersion: 1,
        data: {
          outcome: "approved",
          note: null,
          dueAt: "2025-03-19T10:00:00+07:00",
          timeliness: "early",
          supplementRequests: 0,
          lateFor766: false,
          elapsedWorkingMinutes: 600,
          at: "2025-03-13T09:00:00+07:00",
        },
      },
      { dossierId, position: 2, eventId: "e2" },
      withCode,
    );
    expect(resolved.notices[0]?.facts).toMatchObject({ kind: "result_ready", ratingCode: "CODE-6b4e" });
    const rated = foldDeadline(
      resolved.row,
      {
        type: "DossierRated",
        schemaVersion: 1,
        data: { scores: { overall: 5 } as never, comment: null, at: "2025-03-14T09:00:00+07:00" },
      },
      { dossierId, position: 3, eventId: "e3" },
      withCode,
    );
    expect(rated).toEqual({ row: resolved.row, notices: [] });
  });
});
