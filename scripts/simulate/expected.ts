import {
  classifyResolution,
  type DossierCommand,
  type DossierEvent,
  type DossierState,
  decide,
  evolve,
  formatInstant,
  type Instant,
  initialState,
  localDateOf,
  type ProcedureVersion,
  type WorkSchedule,
} from "@motcua/domain";
import { REPORT_06A_COUNT_KEYS, type Report06aCounts } from "@motcua/read-models";
import type { DossierPlan } from "./plan";

/** The 06a counts, as API.md names them (the oracle counts them its own way; only the names are shared). */
export type Counts06a = Mutable<Report06aCounts>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export const emptyCounts = (): Counts06a =>
  Object.fromEntries(REPORT_06A_COUNT_KEYS.map((key) => [key, 0])) as Counts06a;

const COMMAND_OF: Record<string, DossierCommand["type"]> = {
  transfer: "TransferDossier",
  forward: "ForwardDossier",
  "supplement-request": "RequestSupplement",
  "supplement-received": "ReceiveSupplement",
  "supplement-missed": "CloseMissedSupplement",
  "fee-request": "RequestFee",
  "fee-paid": "RecordFeePaid",
  apology: "IssueApology",
  resolve: "ResolveDossier",
  return: "ReturnResult",
  withdraw: "WithdrawDossier",
  stop: "StopDossier",
};

/** The events the API will record for a plan, decided by the same domain (and the overdue owed at `now`). */
export function decidePlan(
  plan: DossierPlan,
  procedure: ProcedureVersion,
  schedule: WorkSchedule,
  now: Instant,
): DossierEvent[] {
  const actor = { id: "simulator", role: "admin" as const, unitId: null };
  const context = (at: string) => ({ now: at, actor, schedule, procedure });
  const events: DossierEvent[] = [];
  let state: DossierState = initialState();
  const apply = (command: DossierCommand, at: string) => {
    const decision = decide(command, state, context(at));
    if (!decision.ok)
      throw new Error(`plan ${plan.dossierId}: ${command.type} refused (${decision.refusal.code})`);
    for (const e of decision.events) {
      events.push(e);
      state = evolve(state, e);
    }
  };
  apply(
    {
      type: "ReceiveDossier",
      data: {
        dossierId: plan.dossierId,
        code: "000.00.00.H00-250101-0001",
        unitId: plan.unitId,
        channel: plan.channel,
        applicant: plan.applicant,
        documents: plan.documents,
      },
    },
    plan.receivedAt,
  );
  for (const { action, at, ...data } of plan.actions) {
    apply({ type: COMMAND_OF[action], data } as DossierCommand, at);
  }
  const overdue = decide({ type: "MarkOverdue", data: {} }, state, context(formatInstant(now)));
  if (overdue.ok) events.push(...overdue.events);
  return events;
}

/**
 * Biểu II.06a for the plans' dossiers over [from, to], computed straight from their events by the rules
 * of DOMAIN.md as the read models document them — an independent check of what the API reports.
 */
export function expected06a(dossiers: readonly DossierEvent[][], from: string, to: string): Counts06a {
  const counts = emptyCounts();
  const day = (iso: string) => localDateOf(Date.parse(iso));
  for (const events of dossiers) {
    const received = events.find((e) => e.type === "DossierReceived");
    if (received?.type !== "DossierReceived") continue;
    const receivedDay = day(received.data.at);
    if (receivedDay > to) continue;
    const finish = finishOf(events);
    if (finish && finish.day < from) continue;
    if (receivedDay < from) counts.carriedOver++;
    else if (received.data.channel === "online") counts.receivedOnline++;
    else counts.receivedDirect++;
    if (finish && finish.day <= to) {
      counts.resolved++;
      if (finish.timeliness === "early") counts.resolvedEarly++;
      else if (finish.timeliness === "on_time") counts.resolvedOnTime++;
      else counts.resolvedLate++;
      continue;
    }
    counts.pending++;
    if (pendingOverdueAtEndOf(events, to)) counts.pendingOverdue++;
    else counts.pendingInTime++;
  }
  counts.received = counts.receivedOnline + counts.receivedDirect + counts.carriedOver;
  return counts;
}

function finishOf(
  events: readonly DossierEvent[],
): { day: string; timeliness: "early" | "on_time" | "late" } | null {
  let dueAt: string | null = null;
  let pausedAt: string | null = null;
  for (const e of events) {
    switch (e.type) {
      case "DossierReceived":
      case "SupplementReceived":
      case "FeePaid":
        dueAt = e.data.dueAt;
        pausedAt = null;
        break;
      case "SupplementRequested":
      case "FeeRequested":
        pausedAt = e.data.at;
        break;
      case "DossierResolved":
        return { day: localDateOf(Date.parse(e.data.at)), timeliness: e.data.timeliness };
      case "DossierWithdrawn":
        return { day: localDateOf(Date.parse(e.data.at)), timeliness: "on_time" };
      case "DossierStopped": {
        const judgedAt = Date.parse(pausedAt ?? e.data.at);
        return {
          day: localDateOf(Date.parse(e.data.at)),
          timeliness: classifyResolution(judgedAt, dueAt === null ? null : Date.parse(dueAt)),
        };
      }
      default:
        break;
    }
  }
  return null;
}

/** Pending at the end of `to`: overdue when the due date then (or, if paused, at the pause) was before. */
function pendingOverdueAtEndOf(events: readonly DossierEvent[], to: string): boolean {
  let dueAt: string | null = null;
  let pausedAt: string | null = null;
  for (const e of events) {
    if (localDateOf(Date.parse(e.data.at)) > to) break;
    if (e.type === "DossierReceived" || e.type === "SupplementReceived" || e.type === "FeePaid") {
      dueAt = e.data.dueAt;
      pausedAt = null;
    } else if (e.type === "SupplementRequested" || e.type === "FeeRequested") {
      pausedAt = e.data.at;
    }
  }
  if (dueAt === null) return false;
  const judgedOn = pausedAt === null ? to : localDateOf(Date.parse(pausedAt));
  return localDateOf(Date.parse(dueAt)) < judgedOn;
}

export function addInto(target: Counts06a, source: Counts06a): void {
  for (const key of Object.keys(target) as (keyof Counts06a)[]) target[key] += source[key];
}
