import {
  type Actor,
  addWorkingTime,
  CALENDAR_2025,
  CalendarYearSchema,
  createWorkSchedule,
  type DecisionContext,
  type DossierCommand,
  type DossierEvent,
  type DossierState,
  decide,
  dossierStreamId,
  evolve,
  formatDossierCode,
  formatInstant,
  initialState,
  ProcedureDefinitionSchema,
  type ProcedureVersion,
  parseInstant,
  type ReceivedDossier,
} from "@motcua/domain";

/*
 * Realistic dossier lives for the read models' randomized tests and the projector's tests and benchmark:
 * a province's dossiers lived through the domain's `decide` (online submissions, receipts, forwards,
 * transfers, supplements under both policies, fees, apologies, resolutions, returns, withdrawals, stops,
 * overdue events). `simulateDossierLives` gives the decisions in time order (the projector appends them to
 * a real event store as the API would); `simulateDossiers` gives the global log they make, as the event
 * store hands it to the projector.
 */

const schedule = createWorkSchedule([CalendarYearSchema.parse(CALENDAR_2025)]);

/** A small seeded PRNG (mulberry32): the same seed gives the same province every run. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    uuid: () => {
      const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    },
  };
}
export type Random = ReturnType<typeof seededRandom>;

const procedure = (
  procedureId: string,
  field: string,
  timeLimit: {
    value: number;
    unit: "working_days" | "calendar_days" | "working_hours" | "same_day" | "none";
  },
  supplementPolicy: "restart" | "resume",
  supplementWindowWorkingDays?: number,
): ProcedureVersion => ({
  ...ProcedureDefinitionSchema.parse({
    code: `1.${procedureId.length}${field.length}0001`,
    name: `Thủ tục ${procedureId}`,
    field,
    level: "commune",
    timeLimit,
    onlineService: "full",
    supplementPolicy,
    ...(supplementWindowWorkingDays === undefined ? {} : { supplementWindowWorkingDays }),
  }),
  procedureId,
  version: 1,
});

/** Procedures over several fields, every kind of time limit and both supplement policies. */
export const PROCEDURES: readonly ProcedureVersion[] = [
  procedure("building-permit", "Xây dựng", { value: 5, unit: "working_days" }, "restart", 5),
  procedure("land-use", "Đất đai", { value: 10, unit: "working_days" }, "resume", 10),
  procedure("birth-registration", "Hộ tịch", { value: 0, unit: "same_day" }, "restart"),
  procedure("certified-copy", "Chứng thực", { value: 4, unit: "working_hours" }, "resume"),
  procedure("business-licence", "Kinh doanh", { value: 15, unit: "calendar_days" }, "restart", 3),
  procedure("school-transfer", "Giáo dục", { value: 0, unit: "none" }, "resume"),
  procedure("judicial-record", "Tư pháp", { value: 3, unit: "working_days" }, "resume", 2),
];

export const RECEIVING_UNITS = [
  "unit-commune-tan-thinh",
  "unit-commune-phan-dinh-phung",
  "unit-commune-gia-sang",
  "unit-ward-ha-dong",
  "unit-dept-construction",
  "unit-dept-justice",
] as const;
const OTHER_UNITS = ["unit-province-office", "unit-dept-finance", "unit-dept-natural-resources"] as const;
const ALL_UNITS: readonly string[] = [...RECEIVING_UNITS, ...OTHER_UNITS];
const unitCode = (unitId: string) => `000.00.${String(ALL_UNITS.indexOf(unitId) + 10)}.H26`;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface SimulationOptions {
  readonly seed: number;
  readonly dossiers: number;
  /** Receipts spread from this local date … */
  readonly from?: string;
  /** … to this one; the simulation's clock stops at `until` (later actions are not taken). */
  readonly to?: string;
  readonly until?: string;
}

/** One command's outcome: what the API would append in one go. */
export interface SimulatedDecision {
  readonly at: number;
  readonly dossierId: string;
  readonly events: readonly DossierEvent[];
  readonly actor: Actor;
}

export interface SimulatedLives {
  /** Every decision, in time order. */
  readonly decisions: SimulatedDecision[];
  readonly dossierIds: string[];
  /** Events over all decisions. */
  readonly eventCount: number;
}

interface TimedDecision extends SimulatedDecision {
  readonly dossier: number;
  readonly step: number;
}

/**
 * A province's dossiers lived through the domain's `decide`: online submissions (received, refused,
 * withdrawn or left waiting), receipts at the counter and by post, forwards, inter-unit transfers,
 * supplements under both policies (some missed), fees, apologies, resolutions, returns, withdrawals,
 * stops, and overdue events both from the deadline watcher and owed by later actions; some dossiers
 * pass their due date with nobody recording it. Every decision is appended at its own time.
 */
export function simulateDossierLives(options: SimulationOptions): SimulatedLives {
  const rng = seededRandom(options.seed);
  const start = parseInstant(`${options.from ?? "2025-01-02"}T00:00:00+07:00`);
  const end = parseInstant(`${options.to ?? "2025-12-20"}T00:00:00+07:00`);
  const until = parseInstant(`${options.until ?? "2025-12-31"}T23:59:00+07:00`);
  const sequences = new Map<string, number>();
  const decisions: TimedDecision[] = [];
  const dossierIds: string[] = [];

  for (let i = 0; i < options.dossiers; i++) {
    const dossierId = rng.uuid();
    dossierIds.push(dossierId);
    const proc = rng.pick(PROCEDURES);
    const unitId = rng.pick(RECEIVING_UNITS);
    const officer: Actor = { id: `officer-${unitId}`, role: "officer", unitId };
    // Receipt: a random day, at a random time from 06:00 to 19:00 (some outside office hours).
    let now =
      start + Math.floor(rng.next() * ((end - start) / DAY)) * DAY + rng.int(6 * 60, 19 * 60) * 60_000;
    let state: DossierState = initialState();
    let step = 0;
    const slow = rng.chance(0.25);
    // A few dossiers are left lying after a couple of actions: still pending when the log ends.
    const actions = rng.chance(0.05) ? rng.int(0, 3) : 40;
    const run = (command: DossierCommand, at: number, actor: Actor = officer): boolean => {
      const context: DecisionContext = {
        now: formatInstant(at),
        actor,
        schedule,
        procedure: proc,
      };
      const decision = decide(command, state, context);
      if (!decision.ok) return false;
      for (const e of decision.events) state = evolve(state, e);
      decisions.push({ at, dossierId, dossier: i, step: step++, events: decision.events, actor });
      return true;
    };
    const applicant = { name: `Công dân ${i}`, idNumber: String(100_000_000_000 + i), phone: "0912345678" };
    const documents = Array.from({ length: rng.int(0, 3) }, (_, d) => ({
      name: `Giấy tờ ${d + 1}`,
      digitized: rng.chance(0.8),
    }));

    let channel: "direct" | "online" | "postal" = rng.chance(0.35)
      ? "online"
      : rng.chance(0.2)
        ? "postal"
        : "direct";
    if (channel === "online" && rng.chance(0.6)) {
      const citizen: Actor = { id: "citizen-portal", role: "citizen", unitId: null };
      run({ type: "SubmitDossier", data: { dossierId, unitId, applicant, documents } }, now, citizen);
      now += rng.int(1, 30) * HOUR;
      const fate = rng.next();
      if (fate < 0.05) {
        run({ type: "RefuseIntake", data: { reason: "Thiếu giấy tờ" } }, now);
        continue;
      }
      if (fate < 0.08) {
        run({ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, now, citizen);
        continue;
      }
      if (fate < 0.1 || now > until) continue;
      channel = "online";
    }
    const day = formatInstant(now).slice(0, 10);
    const seqKey = `${unitId}|${day}`;
    const seq = (sequences.get(seqKey) ?? 0) + 1;
    sequences.set(seqKey, seq);
    const code = formatDossierCode(unitCode(unitId), now, seq);
    run(
      {
        type: "ReceiveDossier",
        data: {
          dossierId,
          code,
          unitId,
          channel,
          applicant,
          documents,
        },
      },
      now,
    );

    for (let guard = 0; guard < actions; guard++) {
      if (state.status === "none" || state.status === "submitted" || state.status === "refused") break;
      const s = state as ReceivedDossier;
      if (s.status === "returned" || s.status === "withdrawn" || s.status === "stopped") break;
      const gapHours = slow ? rng.int(4, 24 * 12) : rng.chance(0.7) ? rng.int(1, 30) : rng.int(24, 24 * 6);
      let next = now + gapHours * HOUR;
      // The deadline watcher, when it is up, records the overdue event at the due moment.
      if (
        (s.status === "received" || s.status === "processing") &&
        s.dueAt !== null &&
        s.overdueRecordedFor !== s.dueAt &&
        parseInstant(s.dueAt) < next &&
        rng.chance(0.6)
      ) {
        const due = Math.max(parseInstant(s.dueAt), parseInstant(s.lastEventAt));
        if (due <= until) {
          run({ type: "MarkOverdue", data: {} }, due + rng.int(0, 5) * 60_000, {
            id: "deadline-watcher",
            role: "system",
            unitId: null,
          });
        }
      }
      next = Math.max(next, parseInstant((state as ReceivedDossier).lastEventAt));
      if (next > until) break;
      now = next;
      const current = state as ReceivedDossier;
      const roll = rng.next();
      const holder = current.currentUnitId;
      const holderActor: Actor = { id: `officer-${holder}`, role: "officer", unitId: holder };
      switch (current.status) {
        case "received":
        case "processing": {
          if (roll < 0.12) {
            run(
              {
                type: "ForwardDossier",
                data: {
                  toUnitId: rng.chance(0.5) ? holder : rng.pick(ALL_UNITS),
                  step: "thẩm định",
                  ...(rng.chance(0.5) ? { stepDueAt: formatInstant(now + rng.int(4, 72) * HOUR) } : {}),
                },
              },
              now,
              holderActor,
            );
          } else if (roll < 0.24) {
            const to = rng.pick(ALL_UNITS.filter((u) => u !== holder));
            run({ type: "TransferDossier", data: { toUnitId: to, reason: "liên thông" } }, now, holderActor);
          } else if (roll < 0.36) {
            run({ type: "RequestSupplement", data: { reason: "Bổ sung bản sao" } }, now, holderActor);
          } else if (roll < 0.42) {
            run({ type: "RequestFee", data: { reason: "Lệ phí", amount: 50_000 } }, now, holderActor);
          } else if (roll < 0.48) {
            run(
              {
                type: "IssueApology",
                // A new appointment some working days after the legal due moment (the decider refuses
                // one at or before it, or outside working time).
                data: {
                  reason: "Xin lỗi vì chậm",
                  promisedAt: formatInstant(
                    addWorkingTime(
                      schedule,
                      Math.max(now, "dueAt" in state && state.dueAt ? parseInstant(state.dueAt) : now),
                      rng.int(1, 10) * schedule.dayMs,
                    ),
                  ),
                },
              },
              now,
              holderActor,
            );
          } else if (roll < 0.53) {
            run({ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, now, holderActor);
          } else if (roll < 0.57) {
            run({ type: "StopDossier", data: { reason: "Không đủ điều kiện" } }, now, holderActor);
          } else {
            run(
              { type: "ResolveDossier", data: { outcome: rng.chance(0.9) ? "approved" : "rejected" } },
              now,
              holderActor,
            );
          }
          break;
        }
        case "awaiting_supplement": {
          if (roll < 0.7) run({ type: "ReceiveSupplement", data: {} }, now, holderActor);
          else if (roll < 0.9) run({ type: "CloseMissedSupplement", data: {} }, now, holderActor);
          else run({ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, now, holderActor);
          break;
        }
        case "awaiting_payment": {
          if (roll < 0.85) run({ type: "RecordFeePaid", data: {} }, now, holderActor);
          else run({ type: "WithdrawDossier", data: { reason: "Không nộp phí" } }, now, holderActor);
          break;
        }
        case "resolved": {
          if (roll < 0.8) {
            run(
              { type: "ReturnResult", data: { method: rng.pick(["counter", "postal", "online"] as const) } },
              now,
            );
          } else {
            guard = actions;
          }
          break;
        }
        default:
          guard = actions;
      }
    }
  }

  decisions.sort((a, b) => a.at - b.at || a.dossier - b.dossier || a.step - b.step);
  const eventCount = decisions.reduce((n, d) => n + d.events.length, 0);
  return { decisions, dossierIds, eventCount };
}

/** Roughly how many dossiers give `events` events with this mix (about 4 events a dossier). */
export const dossiersForEvents = (events: number): number => Math.max(1, Math.ceil(events / 4));

/**
 * A recorded event as a reader of the global log sees it: the fields the read models' projection needs
 * (the event store's RecordedEvent is a superset).
 */
export interface SimulatedEvent {
  /** `dossier-<uuid>` */
  readonly streamId: string;
  /** 1-based, per stream. */
  readonly revision: number;
  /** Global, ascending. */
  readonly position: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: { readonly occurredAt: string; readonly actor: Actor };
}

export interface SimulatedLog {
  /** The global log, ascending positions, as the event store would hand it to the projector. */
  readonly events: SimulatedEvent[];
  readonly dossierIds: string[];
}

/** The dossiers of `simulateDossierLives` as the global log their decisions append, positions from 1. */
export function simulateDossiers(options: SimulationOptions): SimulatedLog {
  const { decisions, dossierIds } = simulateDossierLives(options);
  const revisions = new Map<string, number>();
  const events: SimulatedEvent[] = [];
  for (const d of decisions) {
    const streamId = dossierStreamId(d.dossierId);
    for (const e of d.events) {
      const revision = (revisions.get(streamId) ?? 0) + 1;
      revisions.set(streamId, revision);
      events.push({
        streamId,
        revision,
        position: events.length + 1,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: { occurredAt: formatInstant(d.at), actor: d.actor },
      });
    }
  }
  return { events, dossierIds };
}

/**
 * One dossier's history from a script of (command, local time) through `decide`, as recorded events
 * from `firstPosition` on; fails loudly on any refusal.
 */
export function scriptedDossier(
  dossierId: string,
  steps: readonly (readonly [DossierCommand, string])[],
  options: { firstPosition?: number; procedure?: ProcedureVersion; actor?: Actor } = {},
): SimulatedEvent[] {
  const proc = options.procedure ?? (PROCEDURES[0] as ProcedureVersion);
  const actor: Actor = options.actor ?? { id: "officer-1", role: "officer", unitId: RECEIVING_UNITS[0] };
  let state: DossierState = initialState();
  let position = options.firstPosition ?? 1;
  let revision = 0;
  const out: SimulatedEvent[] = [];
  for (const [command, localTime] of steps) {
    const now = `${localTime}:00+07:00`;
    const decision = decide(command, state, { now, actor, schedule, procedure: proc });
    if (!decision.ok) throw new Error(`${command.type} at ${localTime} refused: ${decision.refusal.code}`);
    for (const e of decision.events) {
      state = evolve(state, e);
      revision += 1;
      out.push({
        streamId: dossierStreamId(dossierId),
        revision,
        position: position++,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: e.data,
        metadata: { occurredAt: now, actor },
      });
    }
  }
  return out;
}
