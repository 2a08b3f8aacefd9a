import { describe, expect, it } from "vitest";
import { deciderSpecification } from "../decider-specification.test-support";
import type { DossierCommand } from "./commands";
import { dossierDecider } from "./decide";
import type { DossierEvent } from "./events";
import {
  COMMUNE,
  ctx,
  DEPARTMENT,
  DOSSIER_ID,
  history,
  procedure,
  receive,
  system,
} from "./fixtures.test-support";
import { isOverdueNow, type ReceivedDossier } from "./state";

const spec = deciderSpecification(dossierDecider);
const asReceived = (s: unknown) => s as ReceivedDossier;

/** Received Wednesday 12 March 2025 09:00 under a 5-working-day limit: due Wednesday 19 March 09:00. */
const received = () => history([[receive(), "2025-03-12T09:00"]]).events;
const processing = () =>
  history([
    [receive(), "2025-03-12T09:00"],
    [{ type: "ForwardDossier", data: { toUnitId: COMMUNE, step: "thẩm định" } }, "2025-03-12T10:00"],
  ]).events;

describe("submitting online and intake", () => {
  it("records an online submission with no clock", () => {
    spec
      .given([])
      .when(
        {
          type: "SubmitDossier",
          data: { dossierId: DOSSIER_ID, unitId: COMMUNE, applicant: { name: "Trần Thị B" }, documents: [] },
        },
        ctx("2025-03-12T20:00", { actor: { id: "citizen-portal", role: "citizen", unitId: null } }),
      )
      .thenState((s) => {
        expect(s.status).toBe("submitted");
      });
  });

  it("refuses a submission at intake with a reason (Mẫu 03), outside the statistics", () => {
    const { events } = history([
      [
        {
          type: "SubmitDossier",
          data: { dossierId: DOSSIER_ID, unitId: COMMUNE, applicant: { name: "Trần Thị B" }, documents: [] },
        },
        "2025-03-12T20:00",
      ],
    ]);
    spec
      .given(events)
      .when({ type: "RefuseIntake", data: { reason: "Thiếu bản sao giấy tờ" } }, ctx("2025-03-13T08:00"))
      .thenMatch([{ type: "DossierIntakeRefused", data: { reason: "Thiếu bản sao giấy tờ" } }]);
  });

  it("starts the clock when an online submission is received, keeping the submission's procedure terms", () => {
    const { events } = history([
      [
        {
          type: "SubmitDossier",
          data: { dossierId: DOSSIER_ID, unitId: COMMUNE, applicant: { name: "Trần Thị B" }, documents: [] },
        },
        "2025-03-12T20:00",
      ],
    ]);
    // The procedure was shortened to 3 days after the submission: the dossier keeps its 5.
    const shortened = procedure({ version: 2, timeLimit: { value: 3, unit: "working_days" } });
    spec
      .given(events)
      .when(receive({ channel: "online" }), ctx("2025-03-13T08:00", { procedure: shortened }))
      .thenMatch([
        {
          type: "DossierReceived",
          data: {
            procedureVersion: 1,
            timeLimit: { value: 5, unit: "working_days" },
            dueAt: "2025-03-20T08:00:00.000+07:00",
          },
        },
      ]);
  });
});

describe("receiving", () => {
  it("computes the legal due moment at receipt", () => {
    spec
      .given([])
      .when(receive(), ctx("2025-03-12T09:00"))
      .thenMatch([
        {
          type: "DossierReceived",
          schemaVersion: 1,
          data: {
            code: "000.00.31.H26-250312-0001",
            unitId: COMMUNE,
            clockStartsAt: "2025-03-12T09:00:00.000+07:00",
            dueAt: "2025-03-19T09:00:00.000+07:00",
            procedureVersion: 1,
          },
        },
      ]);
  });

  it("refuses a receipt without the procedure, an applicant or a well-formed code", () => {
    const { procedure: _p, ...noProcedure } = ctx("2025-03-12T09:00");
    spec.given([]).when(receive(), noProcedure).thenRefused("procedure.unknown");
    const { applicant: _a, ...withoutApplicant } = (
      receive() as Extract<ReturnType<typeof receive>, { type: "ReceiveDossier" }>
    ).data;
    spec
      .given([])
      .when({ type: "ReceiveDossier", data: withoutApplicant }, ctx("2025-03-12T09:00"))
      .thenRefused("applicant.required");
    spec
      .given([])
      .when(receive({ code: "H26/2025/1" }), ctx("2025-03-12T09:00"))
      .thenRefused("dossier.invalid_code");
  });

  it("refuses to receive the same dossier twice", () => {
    spec.given(received()).when(receive(), ctx("2025-03-12T10:00")).thenRefused("dossier.already_received");
  });
});

describe("forwarding and transferring", () => {
  it("moves a received dossier to processing at the competent body with the step deadline recorded", () => {
    spec
      .given(received())
      .when(
        {
          type: "ForwardDossier",
          data: { toUnitId: DEPARTMENT, step: "thẩm định", stepDueAt: "2025-03-17T17:00:00+07:00" },
        },
        ctx("2025-03-12T10:00"),
      )
      .thenState((s) => {
        const d = asReceived(s);
        expect(d.status).toBe("processing");
        expect(d.currentUnitId).toBe(DEPARTMENT);
        expect(d.receivingUnitId).toBe(COMMUNE);
      });
  });

  it("hands a dossier to another level without moving its overall due moment", () => {
    spec
      .given(processing())
      .when(
        { type: "TransferDossier", data: { toUnitId: DEPARTMENT, reason: "liên thông cấp tỉnh" } },
        ctx("2025-03-13T09:00"),
      )
      .thenState((s) => {
        const d = asReceived(s);
        expect(d.status).toBe("processing");
        expect(d.currentUnitId).toBe(DEPARTMENT);
        expect(d.dueAt).toBe("2025-03-19T09:00:00.000+07:00");
        expect(d.unitsHeld).toEqual([COMMUNE, DEPARTMENT]);
      });
  });

  it("refuses a transfer to the unit already holding the dossier", () => {
    spec
      .given(processing())
      .when({ type: "TransferDossier", data: { toUnitId: COMMUNE } }, ctx("2025-03-13T09:00"))
      .thenRefused("dossier.transfer_to_same_unit");
  });
});

describe("supplements", () => {
  const requested = () =>
    history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ thiết kế" } }, "2025-03-13T09:00"],
    ]);

  it("stops the clock when a supplement is requested (Mẫu 02)", () => {
    expect(requested().state.status).toBe("awaiting_supplement");
    expect(asReceived(requested().state).pausedAt).toBe("2025-03-13T09:00:00.000+07:00");
  });

  it("restarts the full limit from the moment the supplement is accepted (policy restart)", () => {
    spec
      .given(requested().events)
      .when({ type: "ReceiveSupplement", data: {} }, ctx("2025-03-17T14:00"))
      .thenMatch([
        {
          type: "SupplementReceived",
          data: {
            policy: "restart",
            previousDueAt: "2025-03-19T09:00:00.000+07:00",
            dueAt: "2025-03-24T14:00:00.000+07:00",
          },
        },
      ]);
  });

  it("moves the due moment by the paused working time (policy resume)", () => {
    const resume = procedure({ supplementPolicy: "resume" });
    const { events } = history([
      [receive(), "2025-03-12T09:00", { procedure: resume }],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-13T09:00"],
    ]);
    // Paused Thursday 09:00 → Monday 14:00: 2 working days and 5 hours; due 19 Mar 09:00 → 21 Mar 14:00.
    spec
      .given(events)
      .when({ type: "ReceiveSupplement", data: {} }, ctx("2025-03-17T14:00"))
      .thenMatch([
        { type: "SupplementReceived", data: { policy: "resume", dueAt: "2025-03-21T14:00:00.000+07:00" } },
      ]);
  });

  it("allows a second request but marks the dossier late for the 766 progress indicator", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-12T10:00"],
      [{ type: "ReceiveSupplement", data: {} }, "2025-03-12T11:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu giấy tờ đất" } }, "2025-03-13T10:00"],
      [{ type: "ReceiveSupplement", data: {} }, "2025-03-13T11:00"],
    ]);
    spec
      .given(events)
      .when({ type: "ResolveDossier", data: { outcome: "approved" } }, ctx("2025-03-14T09:00"))
      .thenMatch([
        { type: "DossierResolved", data: { timeliness: "early", supplementRequests: 2, lateFor766: true } },
      ]);
  });

  it("stops a dossier whose applicant missed the supplement window, and not before the window closes", () => {
    const windowed = procedure({ supplementWindowWorkingDays: 10 });
    const { events } = history([
      [receive(), "2025-03-12T09:00", { procedure: windowed }],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-13T09:00"],
    ]);
    spec
      .given(events)
      .when({ type: "CloseMissedSupplement", data: {} }, ctx("2025-03-20T09:00"))
      .thenRefused("dossier.supplement_window_open");
    spec
      .given(events)
      .when({ type: "CloseMissedSupplement", data: {} }, ctx("2025-03-27T09:00"))
      .thenMatch([{ type: "DossierStopped", data: { cause: "supplement_not_received" } }]);
  });
});

describe("fees", () => {
  it("stops the clock while fees are awaited and resumes it on payment", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "RequestFee", data: { reason: "Lệ phí cấp phép", amount: 75_000 } }, "2025-03-13T09:00"],
    ]);
    expect(spec.given(events).state.status).toBe("awaiting_payment");
    spec
      .given(events)
      .when({ type: "RecordFeePaid", data: {} }, ctx("2025-03-14T09:00"))
      .thenMatch([{ type: "FeePaid", data: { dueAt: "2025-03-20T09:00:00.000+07:00" } }]);
  });
});

describe("apologies", () => {
  it("records the promised date and leaves the legal due moment alone (Mẫu 04)", () => {
    spec
      .given(processing())
      .when(
        { type: "IssueApology", data: { reason: "Chờ ý kiến sở", promisedAt: "2025-03-25T17:00:00+07:00" } },
        ctx("2025-03-18T09:00"),
      )
      .thenState((s) => {
        const d = asReceived(s);
        expect(d.promisedAt).toBe("2025-03-25T17:00:00.000+07:00");
        expect(d.dueAt).toBe("2025-03-19T09:00:00.000+07:00");
      });
  });

  it("refuses a promised date that is not in the future", () => {
    spec
      .given(processing())
      .when(
        { type: "IssueApology", data: { reason: "Chờ ý kiến", promisedAt: "2025-03-18T08:00:00+07:00" } },
        ctx("2025-03-18T09:00"),
      )
      .thenRefused("apology.promised_at_not_in_future");
  });
});

describe("apology dates", () => {
  const apology = (promisedAt: string): DossierCommand => ({
    type: "IssueApology",
    data: { reason: "Chờ ý kiến sở", promisedAt },
  });

  it("refuses a promised moment at or before the legal due moment, naming the field", () => {
    // Due Wednesday 19 March 09:00; a promise of that very moment or of the morning before is no apology.
    for (const promisedAt of ["2025-03-19T09:00:00+07:00", "2025-03-18T16:00:00+07:00"]) {
      const refusal = spec
        .given(processing())
        .when(apology(promisedAt), ctx("2025-03-18T09:00"))
        .thenRefused("apology.promised_at_not_after_due");
      expect(refusal.message).toContain("promisedAt");
    }
  });

  it("refuses a promised moment outside working time: a Sunday at 03:00, a weekday evening, a holiday", () => {
    for (const promisedAt of [
      "2025-03-23T03:00:00+07:00",
      "2025-03-24T19:00:00+07:00",
      "2025-03-24T12:00:00+07:00",
      "2025-04-30T09:00:00+07:00",
    ]) {
      const refusal = spec
        .given(processing())
        .when(apology(promisedAt), ctx("2025-03-18T09:00"))
        .thenRefused("apology.promised_at_outside_working_time");
      expect(refusal.message).toContain("promisedAt");
    }
  });

  it("accepts a promise after the due moment inside office hours, closing time included", () => {
    spec
      .given(processing())
      .when(apology("2025-03-24T17:00:00+07:00"), ctx("2025-03-18T09:00"))
      .thenMatch([{ type: "ApologyIssued" }]);
  });
});

describe("competence: where a procedure is received and which way it travels", () => {
  const PROVINCE = "unit-province";
  const OTHER_COMMUNE = "unit-commune-phan-dinh-phung";
  const units = {
    [COMMUNE]: { unitId: COMMUNE, level: "commune" },
    [OTHER_COMMUNE]: { unitId: OTHER_COMMUNE, level: "commune" },
    [DEPARTMENT]: { unitId: DEPARTMENT, level: "department" },
    [PROVINCE]: { unitId: PROVINCE, level: "province" },
  };
  const miningLicence = procedure({ code: "1.004345", level: "department" });
  const civilStatus = procedure({ level: "commune", interLevels: ["commune"] });
  const landTitle = procedure({ level: "commune", interLevel: true, interLevels: ["commune", "department"] });

  it("refuses a department's procedure received at a commune (default: its own level)", () => {
    const refusal = spec
      .given([])
      .when(receive(), ctx("2025-03-12T09:00", { procedure: miningLicence, units }))
      .thenRefused("dossier.unit_not_competent");
    expect(refusal.message).toContain("department");
    spec
      .given([])
      .when(receive({ unitId: DEPARTMENT }), ctx("2025-03-12T09:00", { procedure: miningLicence, units }))
      .thenMatch([{ type: "DossierReceived" }]);
  });

  it("lets the communes receive a higher level's procedure when it says so (Decree 118/2025)", () => {
    const anywhere = procedure({ level: "department", receivableAt: ["department", "commune"] });
    spec
      .given([])
      .when(receive(), ctx("2025-03-12T09:00", { procedure: anywhere, units }))
      .thenMatch([{ type: "DossierReceived", data: { unitId: COMMUNE } }]);
  });

  it("refuses transfers off a declared path: to another commune, to the province", () => {
    const given = history([[receive(), "2025-03-12T09:00", { procedure: civilStatus }]]).events;
    for (const toUnitId of [OTHER_COMMUNE, PROVINCE]) {
      spec
        .given(given)
        .when(
          { type: "TransferDossier", data: { toUnitId } },
          ctx("2025-03-12T10:00", { procedure: civilStatus, units }),
        )
        .thenRefused("dossier.transfer_off_path");
    }
  });

  it("transfers along the path, and back to the receiving unit to return the result", () => {
    const given = history([[receive(), "2025-03-12T09:00", { procedure: landTitle }]]).events;
    const up = spec
      .given(given)
      .when(
        { type: "TransferDossier", data: { toUnitId: DEPARTMENT } },
        ctx("2025-03-12T10:00", { procedure: landTitle, units }),
      );
    up.thenMatch([{ type: "DossierTransferred", data: { toUnitId: DEPARTMENT } }]);
    const atDepartment = [...given, ...(up.decision.ok ? up.decision.events : [])];
    spec
      .given(atDepartment)
      .when(
        { type: "TransferDossier", data: { toUnitId: PROVINCE } },
        ctx("2025-03-13T10:00", { procedure: landTitle, units }),
      )
      .thenRefused("dossier.transfer_off_path");
    spec
      .given(atDepartment)
      .when(
        { type: "TransferDossier", data: { toUnitId: COMMUNE } },
        ctx("2025-03-13T10:00", { procedure: landTitle, units }),
      )
      .thenMatch([{ type: "DossierTransferred", data: { toUnitId: COMMUNE } }]);
  });

  it("hands a ceased holder's dossier to its successor even along a one-level path", () => {
    const given = history([[receive(), "2025-03-12T09:00", { procedure: civilStatus }]]).events;
    const merged = {
      ...units,
      [COMMUNE]: { unitId: COMMUNE, level: "commune", validTo: "2025-03-12", successorId: OTHER_COMMUNE },
    };
    spec
      .given(given)
      .when(
        { type: "TransferDossier", data: { toUnitId: OTHER_COMMUNE } },
        ctx("2025-03-13T09:00", { procedure: civilStatus, units: merged }),
      )
      .thenMatch([{ type: "DossierTransferred", data: { toUnitId: OTHER_COMMUNE } }]);
  });

  it("keeps today's transfers for a procedure without a declared path", () => {
    const given = history([[receive(), "2025-03-12T09:00"]]).events;
    spec
      .given(given)
      .when(
        { type: "TransferDossier", data: { toUnitId: PROVINCE } },
        ctx("2025-03-12T10:00", { procedure: procedure({ interLevels: [] }), units }),
      )
      .thenMatch([{ type: "DossierTransferred" }]);
  });
});

describe("closed units", () => {
  const units = {
    [COMMUNE]: { unitId: COMMUNE, level: "commune", validTo: "2025-03-11", successorId: "unit-merged" },
    [DEPARTMENT]: { unitId: DEPARTMENT, level: "commune", validTo: "2025-03-12" },
    "unit-merged": { unitId: "unit-merged", level: "commune", validFrom: "2025-03-12" },
  };

  it("refuses a receipt after the unit's validTo, judged on the action's day, naming the successor", () => {
    const refusal = spec
      .given([])
      .when(receive(), ctx("2025-03-12T09:00", { units }))
      .thenRefused("dossier.unit_closed");
    expect(refusal.message).toContain("unit-merged");
    // An import dated before the closure is judged on its own day.
    spec
      .given([])
      .when(receive(), ctx("2025-03-11T16:00", { units }))
      .thenMatch([{ type: "DossierReceived" }]);
  });

  it("refuses a receipt before the unit exists", () => {
    spec
      .given([])
      .when(receive({ unitId: "unit-merged" }), ctx("2025-03-11T09:00", { units }))
      .thenRefused("dossier.unit_not_yet_open");
  });

  it("refuses a transfer or a forward to a unit whose validTo has passed, but not on its last day", () => {
    const given = history([[receive(), "2025-03-10T09:00"]]).events;
    for (const type of ["TransferDossier", "ForwardDossier"] as const) {
      spec
        .given(given)
        .when({ type, data: { toUnitId: DEPARTMENT } }, ctx("2025-03-13T09:00", { units }))
        .thenRefused("dossier.target_unit_closed");
      spec
        .given(given)
        .when({ type, data: { toUnitId: DEPARTMENT } }, ctx("2025-03-12T16:59", { units }))
        .thenMatch([{ data: { toUnitId: DEPARTMENT } }]);
    }
  });
});

describe("resolving and returning", () => {
  it.each([
    ["2025-03-18T16:00", "early"],
    ["2025-03-19T16:30", "on_time"],
    ["2025-03-20T08:00", "late"],
  ] as const)("fixes the timeliness class at resolution (%s → %s)", (at, timeliness) => {
    spec
      .given(processing())
      .when({ type: "ResolveDossier", data: { outcome: "approved" } }, ctx(at))
      .thenState((s) => expect(asReceived(s).timeliness).toBe(timeliness));
  });

  it("returns the result of a resolved dossier", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
    ]);
    spec
      .given(events)
      .when({ type: "ReturnResult", data: { method: "counter" } }, ctx("2025-03-14T10:00"))
      .thenState((s) => {
        expect(s.status).toBe("returned");
        expect(asReceived(s).returnedAt).toBe("2025-03-14T10:00:00.000+07:00");
      });
  });

  it("refuses to resolve a dossier twice", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
    ]);
    spec
      .given(events)
      .when({ type: "ResolveDossier", data: { outcome: "rejected" } }, ctx("2025-03-14T10:00"))
      .thenRefused("dossier.already_resolved");
  });
});

describe("withdrawing and stopping", () => {
  it("withdraws an open dossier at the applicant's request", () => {
    spec
      .given(processing())
      .when({ type: "WithdrawDossier", data: { reason: "Công dân xin rút hồ sơ" } }, ctx("2025-03-13T09:00"))
      .thenState((s) => expect(s.status).toBe("withdrawn"));
  });

  it("stops processing a dossier that is not eligible, with written reasons", () => {
    spec
      .given(processing())
      .when({ type: "StopDossier", data: { reason: "Không đủ điều kiện" } }, ctx("2025-03-13T09:00"))
      .thenMatch([{ type: "DossierStopped", data: { cause: "not_eligible", reason: "Không đủ điều kiện" } }]);
  });
});

describe("overdue detection", () => {
  const markOverdue = { type: "MarkOverdue" as const, data: {} };

  it("refuses before the due moment and records at the due moment with the holding unit", () => {
    spec
      .given(processing())
      .when(markOverdue, ctx("2025-03-19T08:59", { actor: system }))
      .thenRefused("dossier.not_yet_due");
    spec
      .given(processing())
      .when(markOverdue, ctx("2025-03-19T09:00", { actor: system }))
      .thenEvents([
        {
          type: "DossierBecameOverdue",
          schemaVersion: 1,
          data: {
            dueAt: "2025-03-19T09:00:00.000+07:00",
            holdingUnitId: COMMUNE,
            at: "2025-03-19T09:00:00.000+07:00",
          },
        },
      ]);
  });

  it("records the overdue event at the due moment even when detected days later", () => {
    spec
      .given(processing())
      .when(markOverdue, ctx("2025-03-24T10:00", { actor: system }))
      .thenMatch([{ type: "DossierBecameOverdue", data: { at: "2025-03-19T09:00:00.000+07:00" } }]);
  });

  it("records it only once per deadline", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [markOverdue, "2025-03-19T09:00", { actor: system }],
    ]);
    spec
      .given(events)
      .when(markOverdue, ctx("2025-03-19T10:00", { actor: system }))
      .thenRefused("dossier.already_overdue");
  });

  it("never marks a resolved dossier, nor one whose clock is stopped", () => {
    const { events: resolved } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
    ]);
    spec
      .given(resolved)
      .when(markOverdue, ctx("2025-03-25T09:00", { actor: system }))
      .thenRefused("dossier.already_resolved");
    const { events: paused } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-13T09:00"],
    ]);
    spec
      .given(paused)
      .when(markOverdue, ctx("2025-03-25T09:00", { actor: system }))
      .thenRefused("dossier.not_pending");
  });

  it("is not prevented by an apology", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [
        { type: "IssueApology", data: { reason: "Chờ ý kiến", promisedAt: "2025-03-25T17:00:00+07:00" } },
        "2025-03-18T09:00",
      ],
    ]);
    spec
      .given(events)
      .when(markOverdue, ctx("2025-03-19T09:00", { actor: system }))
      .thenMatch([{ type: "DossierBecameOverdue" }]);
  });

  it("is owed before any later action: the action records the overdue event at the due moment first", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "TransferDossier", data: { toUnitId: DEPARTMENT } }, "2025-03-13T09:00"],
    ]);
    spec
      .given(events)
      .when({ type: "ResolveDossier", data: { outcome: "approved" } }, ctx("2025-03-21T10:00"))
      .thenMatch([
        {
          type: "DossierBecameOverdue",
          data: { holdingUnitId: DEPARTMENT, at: "2025-03-19T09:00:00.000+07:00" },
        },
        { type: "DossierResolved", data: { timeliness: "late" } },
      ]);
  });

  it("is owed again for a new deadline after a restart, but not while overdue for the same one", () => {
    const { events, state } = history([
      [receive(), "2025-03-12T09:00"],
      [markOverdue, "2025-03-19T09:00", { actor: system }],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-19T10:00"],
      [{ type: "ReceiveSupplement", data: {} }, "2025-03-20T10:00"],
    ]);
    expect(isOverdueNow(asReceived(state))).toBe(false);
    expect(asReceived(state).everOverdue).toBe(true);
    spec
      .given(events)
      .when(markOverdue, ctx("2025-03-27T10:00", { actor: system }))
      .thenMatch([{ type: "DossierBecameOverdue", data: { dueAt: "2025-03-27T10:00:00.000+07:00" } }]);
  });
});

describe("time", () => {
  it("refuses an action dated before the dossier's last event", () => {
    spec
      .given(processing())
      .when({ type: "ResolveDossier", data: { outcome: "approved" } }, ctx("2025-03-12T09:30"))
      .thenRefused("time.before_last_event");
  });

  it("replays any stored history to the same state", () => {
    const { events, state } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "TransferDossier", data: { toUnitId: DEPARTMENT } }, "2025-03-13T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu" } }, "2025-03-14T09:00"],
      [{ type: "ReceiveSupplement", data: {} }, "2025-03-17T09:00"],
      [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-18T09:00"],
    ]);
    const replayed = events.reduce<ReturnType<typeof dossierDecider.initialState>>(
      (s, e: DossierEvent) => dossierDecider.evolve(s, e),
      dossierDecider.initialState(),
    );
    expect(replayed).toEqual(state);
  });
});

describe("working time for the indicators", () => {
  it("records the working time used to resolve, pauses excluded", () => {
    const { events } = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } }, "2025-03-12T10:00"],
      [{ type: "ReceiveSupplement", data: {} }, "2025-03-13T10:00"],
    ]);
    expect(events.at(-1)).toMatchObject({ type: "SupplementReceived", data: { pausedWorkingMinutes: 480 } });
    // Working time 12 Mar 09:00 → 14 Mar 09:00 is 16 h; 8 h of it paused.
    spec
      .given(events)
      .when({ type: "ResolveDossier", data: { outcome: "approved" } }, ctx("2025-03-14T09:00"))
      .thenMatch([{ type: "DossierResolved", data: { elapsedWorkingMinutes: 480 } }]);
  });
});
