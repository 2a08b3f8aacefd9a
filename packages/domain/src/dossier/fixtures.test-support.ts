import { CalendarYearSchema, createWorkSchedule } from "../calendar/calendar";
import { CALENDAR_2025 } from "../calendar/official-calendars";
import { ProcedureDefinitionSchema, type ProcedureVersion } from "../procedures/procedure";
import type { DossierCommand } from "./commands";
import type { DecisionContext } from "./decide";
import { decide } from "./decide";
import type { DossierEvent } from "./events";
import { type DossierState, evolve, initialState } from "./state";

export const schedule = createWorkSchedule([CalendarYearSchema.parse(CALENDAR_2025)]);

export const procedure = (overrides: Partial<ProcedureVersion> = {}): ProcedureVersion => ({
  ...ProcedureDefinitionSchema.parse({
    code: "1.001234",
    name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    field: "Xây dựng",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
  }),
  procedureId: "proc-building-permit",
  version: 1,
  ...overrides,
});

export const DOSSIER_ID = "0b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e10";
export const COMMUNE = "unit-commune-tan-thinh";
export const DEPARTMENT = "unit-dept-construction";

export const officer = { id: "officer-1", role: "officer" as const, unitId: COMMUNE };
export const system = { id: "deadline-watcher", role: "system" as const, unitId: null };

/** A context at a local time in 2025, e.g. ctx("2025-03-12T09:00"). */
export const ctx = (localTime: string, overrides: Partial<DecisionContext> = {}): DecisionContext => ({
  now: `${localTime}:00+07:00`,
  actor: officer,
  schedule,
  procedure: procedure(),
  ...overrides,
});

export const receive = (
  overrides: Partial<Extract<DossierCommand, { type: "ReceiveDossier" }>["data"]> = {},
): DossierCommand => ({
  type: "ReceiveDossier",
  data: {
    dossierId: DOSSIER_ID,
    code: "000.00.31.H26-250312-0001",
    unitId: COMMUNE,
    channel: "direct",
    applicant: { name: "Nguyễn Văn A", idNumber: "001085012345", phone: "0912345678" },
    documents: [{ name: "Đơn đề nghị", digitized: true }],
    ...overrides,
  },
});

/** Runs a script of (command, local time) through decide/evolve, failing loudly on any refusal. */
export function history(steps: readonly [DossierCommand, string, Partial<DecisionContext>?][]): {
  events: DossierEvent[];
  state: DossierState;
} {
  let state = initialState();
  const events: DossierEvent[] = [];
  for (const [command, at, overrides] of steps) {
    const decision = decide(command, state, ctx(at, overrides));
    if (!decision.ok) throw new Error(`${command.type} at ${at} refused: ${decision.refusal.code}`);
    for (const e of decision.events) {
      events.push(e);
      state = evolve(state, e);
    }
  }
  return { events, state };
}
