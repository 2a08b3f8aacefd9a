import { describe, expect, it } from "vitest";
import { DOSSIER_COMMAND_TYPES, type DossierCommand, type DossierCommandType } from "./commands";
import { decide } from "./decide";
import { COMMUNE, ctx, DEPARTMENT, DOSSIER_ID, history, receive } from "./fixtures.test-support";
import { evolve, initialState } from "./state";

/** One valid instance of every command. */
const COMMANDS: Record<DossierCommandType, DossierCommand> = {
  SubmitDossier: {
    type: "SubmitDossier",
    data: { dossierId: DOSSIER_ID, unitId: COMMUNE, applicant: { name: "Lê Văn C" }, documents: [] },
  },
  RefuseIntake: { type: "RefuseIntake", data: { reason: "Sai thủ tục" } },
  ReceiveDossier: receive(),
  ForwardDossier: { type: "ForwardDossier", data: { toUnitId: DEPARTMENT } },
  TransferDossier: { type: "TransferDossier", data: { toUnitId: DEPARTMENT } },
  RequestSupplement: { type: "RequestSupplement", data: { reason: "Thiếu giấy tờ" } },
  ReceiveSupplement: { type: "ReceiveSupplement", data: {} },
  CloseMissedSupplement: { type: "CloseMissedSupplement", data: {} },
  RequestFee: { type: "RequestFee", data: { reason: "Lệ phí" } },
  RecordFeePaid: { type: "RecordFeePaid", data: {} },
  IssueApology: { type: "IssueApology", data: { reason: "Chậm", promisedAt: "2025-04-29T17:00:00+07:00" } },
  ResolveDossier: { type: "ResolveDossier", data: { outcome: "approved" } },
  ReturnResult: { type: "ReturnResult", data: { method: "online" } },
  WithdrawDossier: { type: "WithdrawDossier", data: { reason: "Rút" } },
  StopDossier: { type: "StopDossier", data: { reason: "Không đủ điều kiện" } },
  MarkOverdue: { type: "MarkOverdue", data: {} },
  IssueElectronicResult: { type: "IssueElectronicResult", data: {} },
  RecordNationalPortalSync: { type: "RecordNationalPortalSync", data: {} },
  RateDossier: {
    type: "RateDossier",
    data: {
      scores: {
        overall: 5,
        convenience: 4,
        punctuality: 5,
        staff_conduct: 5,
        total_time: 4,
        agency_time: 4,
        contact_rounds: 5,
        agencies_contacted: 5,
        one_stop: 4,
        disclosure: 3,
      },
    },
  },
};

const submit = COMMANDS.SubmitDossier;
/** How to reach each state; every history ends before 2025-03-13 10:00, well before the due moment. */
const STATES = {
  none: [],
  submitted: [[submit, "2025-03-12T08:00"]],
  refused: [
    [submit, "2025-03-12T08:00"],
    [COMMANDS.RefuseIntake, "2025-03-12T08:30"],
  ],
  received: [[receive(), "2025-03-12T09:00"]],
  processing: [
    [receive(), "2025-03-12T09:00"],
    [{ type: "ForwardDossier", data: { toUnitId: COMMUNE } }, "2025-03-12T09:30"],
  ],
  awaiting_supplement: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.RequestSupplement, "2025-03-12T09:30"],
  ],
  awaiting_payment: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.RequestFee, "2025-03-12T09:30"],
  ],
  resolved: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.ResolveDossier, "2025-03-12T09:30"],
  ],
  returned: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.ResolveDossier, "2025-03-12T09:30"],
    [COMMANDS.ReturnResult, "2025-03-12T10:00"],
  ],
  withdrawn: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.WithdrawDossier, "2025-03-12T09:30"],
  ],
  stopped: [
    [receive(), "2025-03-12T09:00"],
    [COMMANDS.StopDossier, "2025-03-12T09:30"],
  ],
} satisfies Record<string, [DossierCommand, string][]>;
type StateName = keyof typeof STATES;

/**
 * The specification of DOMAIN.md's state table, written out independently of the decider: for each
 * state and command, "ok" or the refusal code an officer gets.
 */
function expected(state: StateName, command: DossierCommandType): string {
  // Only a returned dossier can be rated; a returned one accepts nothing else.
  if (command === "RateDossier")
    return state === "returned" ? "ok" : state === "none" ? "dossier.not_found" : "rating.not_returned";
  const beforeReceipt: Partial<Record<StateName, string>> = {
    none: "dossier.not_found",
    submitted: "dossier.not_received",
    refused: "dossier.intake_refused",
  };
  // Recorded for Decision 766 on any received dossier, whatever became of it.
  if (command === "RecordNationalPortalSync") return beforeReceipt[state] ?? "ok";
  if (command === "IssueElectronicResult") {
    if (beforeReceipt[state]) return beforeReceipt[state] as string;
    if (state === "resolved" || state === "returned") return "ok";
    if (state === "withdrawn") return "dossier.withdrawn";
    if (state === "stopped") return "dossier.stopped";
    return "dossier.not_resolved";
  }
  const terminal: Partial<Record<StateName, string>> = {
    refused: "dossier.intake_refused",
    withdrawn: "dossier.withdrawn",
    stopped: "dossier.stopped",
    returned: "dossier.already_returned",
  };
  if (terminal[state]) return terminal[state] as string;
  if (state === "none")
    return command === "SubmitDossier" || command === "ReceiveDossier" ? "ok" : "dossier.not_found";
  if (state === "submitted") {
    if (["RefuseIntake", "ReceiveDossier", "WithdrawDossier"].includes(command)) return "ok";
    return command === "SubmitDossier" ? "dossier.already_exists" : "dossier.not_received";
  }
  if (state === "resolved") return command === "ReturnResult" ? "ok" : "dossier.already_resolved";
  if (command === "SubmitDossier" || command === "ReceiveDossier") return "dossier.already_received";
  if (command === "RefuseIntake") return "dossier.not_submitted";
  if (command === "ReturnResult") return "dossier.not_resolved";
  if (command === "WithdrawDossier") return "ok";
  if (state === "received" || state === "processing") {
    if (command === "ReceiveSupplement" || command === "CloseMissedSupplement")
      return "dossier.not_awaiting_supplement";
    if (command === "RecordFeePaid") return "dossier.not_awaiting_payment";
    // The clock runs, but the dossier is not due until 19 March.
    if (command === "MarkOverdue") return "dossier.not_yet_due";
    return "ok";
  }
  if (command === "MarkOverdue") return "dossier.not_pending";
  if (state === "awaiting_supplement") {
    if (command === "ReceiveSupplement" || command === "CloseMissedSupplement") return "ok";
    return command === "RecordFeePaid" ? "dossier.not_awaiting_payment" : "dossier.awaiting_supplement";
  }
  if (command === "RecordFeePaid") return "ok";
  return command === "ReceiveSupplement" || command === "CloseMissedSupplement"
    ? "dossier.not_awaiting_supplement"
    : "dossier.awaiting_payment";
}

describe("every command from every state", () => {
  const cases = (Object.keys(STATES) as StateName[]).flatMap((state) =>
    DOSSIER_COMMAND_TYPES.map((command) => [state, command, expected(state, command)] as const),
  );

  it("covers all 11 states and all 19 commands", () => {
    expect(cases).toHaveLength(11 * 19);
  });

  it.each(cases)("from %s, %s → %s", (stateName, commandType, outcome) => {
    const { state, events } = history(STATES[stateName]);
    const decision = decide(COMMANDS[commandType], state, ctx("2025-03-13T10:00"));
    if (outcome === "ok") {
      expect(decision.ok, JSON.stringify(decision)).toBe(true);
      // An accepted decision always evolves to a state that replays the same from scratch.
      if (decision.ok) {
        const all = [...events, ...decision.events];
        expect(all.reduce(evolve, initialState())).toEqual(decision.events.reduce(evolve, state));
      }
    } else {
      expect(decision.ok).toBe(false);
      if (!decision.ok) {
        expect(decision.refusal.code).toBe(outcome);
        expect(decision.refusal.message.length).toBeGreaterThan(10);
      }
    }
  });
});
