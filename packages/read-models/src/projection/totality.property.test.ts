import {
  type Actor,
  CALENDAR_2025,
  CalendarYearSchema,
  createWorkSchedule,
  type DossierCommand,
  DossierCommandSchema,
  type DossierState,
  decide,
  dossierStreamId,
  EARLIEST_ACTION_TIME,
  evolve,
  formatDossierCode,
  formatInstant,
  initialState,
  isStorableText,
  LATEST_ACTION_TIME_EXCLUSIVE,
  MAX_DAYS_AHEAD_OF_RECEIPT,
  MS_PER_DAY,
  ProcedureDefinitionSchema,
  type ProcedureVersion,
  parseInstant,
  RATING_CRITERIA,
} from "@motcua/domain";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectableEvent } from "../events";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { getDossier } from "../worklist/queries";
import { projectEvents } from "./project-events";

/*
 * The read models are total (issue 11, item 1): whatever event sequence the decider accepts projects into
 * real Postgres without error. An apology promised for 9999 once halted a partition for good; here the
 * decider is driven by fast-check with extreme but schema-valid values — the first and last instants of
 * the span people may name, the longest time limits, texts at their length limits in any script, huge
 * amounts, unit ids at 100 characters — and every accepted event is projected.
 */

const schedule = createWorkSchedule([CalendarYearSchema.parse(CALENDAR_2025)]);
const actor: Actor = { id: "officer-property", role: "officer", unitId: "unit-a" };
const EARLIEST = parseInstant(EARLIEST_ACTION_TIME);
const LATEST = parseInstant(LATEST_ACTION_TIME_EXCLUSIVE) - 1;
/** What a client once sent as a promise (and the schema must now refuse): the last second of 9999. */
const FARTHEST = parseInstant("9999-12-31T23:59:59Z");

const procedure = (
  procedureId: string,
  timeLimit: {
    value: number;
    unit: "working_days" | "calendar_days" | "working_hours" | "same_day" | "none";
  },
  supplementPolicy: "restart" | "resume",
  supplementWindowWorkingDays?: number,
): ProcedureVersion => ({
  ...ProcedureDefinitionSchema.parse({
    code: `1.${procedureId.length}0001`,
    name: `Thủ tục ${"Đ".repeat(490)}`,
    field: `Lĩnh vực ${procedureId}`,
    level: "commune",
    timeLimit,
    onlineService: "full",
    supplementPolicy,
    ...(supplementWindowWorkingDays === undefined ? {} : { supplementWindowWorkingDays }),
  }),
  procedureId,
  version: 1,
});

/** The longest and shortest limits the procedure schema admits, under both policies. */
const PROCEDURES = [
  procedure("longest-working", { value: 3650, unit: "working_days" }, "restart", 365),
  procedure("longest-calendar", { value: 3650, unit: "calendar_days" }, "resume"),
  procedure("half-hour", { value: 0.5, unit: "working_hours" }, "resume", 1),
  procedure("same-day", { value: 0, unit: "same_day" }, "restart"),
  procedure("no-limit", { value: 0, unit: "none" }, "resume"),
];

const text = (max: number) =>
  fc
    .oneof(
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
      fc.constantFrom(
        "Ễ".repeat(max),
        "x".repeat(max),
        `'); DROP TABLE dossiers; --`,
        '"\\\\u0000 \\" \\n',
        "😀🇻🇳".repeat(Math.floor(max / 6)),
        "  Nguyễn Văn Ấn  ",
      ),
    )
    .filter((s) => isStorableText(s) && s.trim().length > 0);

const unitId = fc.oneof(
  fc.constantFrom("unit-a", "unit-b", "u".repeat(100), "đơn-vị-ễ"),
  fc.string({ minLength: 1, maxLength: 100 }),
);

/** An instant anywhere in the span, with its edges and the turn of the year overweighted. */
const instant = fc.oneof(
  fc.constantFrom(
    EARLIEST,
    LATEST,
    parseInstant("2025-12-31T16:59:59.999Z"),
    parseInstant("2099-12-31T09:00:00+07:00"),
  ),
  fc.integer({ min: EARLIEST, max: LATEST }),
);

const advance = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 3_600_000 }),
  fc.integer({ min: 0, max: 60 * MS_PER_DAY }),
  fc.integer({ min: 0, max: 20 * 365 * MS_PER_DAY }),
);

/** A date a command names, relative to receipt: before it, near it, at the five-year limit, past it. */
const namedOffset = fc.oneof(
  fc.integer({ min: -30 * MS_PER_DAY, max: 30 * MS_PER_DAY }),
  fc.constantFrom(MAX_DAYS_AHEAD_OF_RECEIPT * MS_PER_DAY, MAX_DAYS_AHEAD_OF_RECEIPT * MS_PER_DAY + 1),
  fc.integer({ min: 0, max: 6 * 365 * MS_PER_DAY }),
  fc.constant(FARTHEST - EARLIEST),
);

const COMMAND_TYPES = [
  "ForwardDossier",
  "TransferDossier",
  "RequestSupplement",
  "ReceiveSupplement",
  "CloseMissedSupplement",
  "RequestFee",
  "RecordFeePaid",
  "IssueApology",
  "ResolveDossier",
  "ReturnResult",
  "WithdrawDossier",
  "StopDossier",
  "MarkOverdue",
  "RateDossier",
] as const;

const step = fc.record({
  type: fc.constantFrom(...COMMAND_TYPES),
  advance,
  text: text(2000),
  unitId,
  flag: fc.boolean(),
  amount: fc.oneof(fc.constantFrom(0, 1_000_000_000_000), fc.nat()),
  namedOffset,
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const life = fc.record({
  procedure: fc.constantFrom(...PROCEDURES),
  receivedAt: instant,
  channel: fc.constantFrom("direct", "online", "postal" as const),
  sequence: fc.integer({ min: 1, max: 99_999 }),
  documents: fc.array(fc.record({ name: text(300), digitized: fc.boolean() }), { maxLength: 3 }),
  steps: fc.array(step, { maxLength: 12 }),
});

function commandOf(s: Step, state: DossierState): DossierCommand {
  const receivedAt = "receivedAt" in state ? parseInstant(state.receivedAt) : EARLIEST;
  const named = new Date(Math.min(FARTHEST, receivedAt + s.namedOffset)).toISOString();
  switch (s.type) {
    case "ForwardDossier":
      return {
        type: s.type,
        data: { toUnitId: s.unitId, ...(s.flag ? { step: s.text.slice(0, 200), stepDueAt: named } : {}) },
      };
    case "TransferDossier":
      return { type: s.type, data: { toUnitId: s.unitId, ...(s.flag ? { reason: s.text } : {}) } };
    case "RequestSupplement":
    case "WithdrawDossier":
    case "StopDossier":
      return { type: s.type, data: { reason: s.text } };
    case "CloseMissedSupplement":
      return { type: s.type, data: s.flag ? { reason: s.text } : {} };
    case "RequestFee":
      return { type: s.type, data: { reason: s.text, ...(s.flag ? { amount: s.amount } : {}) } };
    case "IssueApology":
      return { type: s.type, data: { reason: s.text, promisedAt: named } };
    case "ResolveDossier":
      return {
        type: s.type,
        data: { outcome: s.flag ? "approved" : "rejected", ...(s.flag ? { note: s.text } : {}) },
      };
    case "ReturnResult":
      return { type: s.type, data: { method: s.flag ? "postal" : "online" } };
    case "RateDossier": {
      const score = (s.amount % 5) + 1;
      const scores = Object.fromEntries(
        RATING_CRITERIA.filter((c) => s.flag || !c.optional).map((c) => [c.id, score]),
      );
      return {
        type: s.type,
        data: { scores: scores as never, ...(s.flag ? { comment: s.text.slice(0, 1000) } : {}) },
      };
    }
    default:
      return { type: s.type, data: {} };
  }
}

let t: ReadModelTestDatabase;
const schema = "rm_totality";
let nextPosition = 1;
let nextDossier = 1;

beforeAll(async () => {
  t = await openTestDatabase("totality");
  await freshVersion(t.db, schema, 1);
});
afterAll(async () => {
  await t?.close();
});

/** Lives the decider accepts, as recorded events; commands the schema refuses are never decided. */
function liveThrough(lives: readonly (typeof life extends fc.Arbitrary<infer T> ? T : never)[]) {
  const events: ProjectableEvent[] = [];
  const ids: string[] = [];
  for (const l of lives) {
    const n = nextDossier++;
    const dossierId = `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    ids.push(dossierId);
    const receive = DossierCommandSchema.parse({
      type: "ReceiveDossier",
      data: {
        dossierId,
        code: formatDossierCode(`000.00.${n}.H26`, l.receivedAt, l.sequence),
        unitId: "unit-a",
        channel: l.channel,
        applicant: { name: "Nguyễn Văn Ấn" },
        documents: l.documents,
      },
    });
    let state = initialState();
    let revision = 0;
    let now = l.receivedAt;
    const record = (command: DossierCommand) => {
      const decision = decide(command, state, {
        now: formatInstant(now),
        actor,
        schedule,
        procedure: l.procedure,
      });
      if (!decision.ok) return;
      for (const e of decision.events) {
        state = evolve(state, e);
        events.push({
          streamId: dossierStreamId(dossierId),
          revision: ++revision,
          position: nextPosition++,
          type: e.type,
          schemaVersion: e.schemaVersion,
          data: e.data,
          metadata: { occurredAt: e.data.at, actor },
        });
      }
    };
    record(receive);
    for (const s of l.steps) {
      now += s.advance;
      const parsed = DossierCommandSchema.safeParse(commandOf(s, state));
      if (parsed.success) record(parsed.data);
    }
  }
  return { events, ids };
}

describe("the read models are total", () => {
  it("every event sequence the decider accepts projects into Postgres without error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(life, { minLength: 1, maxLength: 3 }), async (lives) => {
        const { events, ids } = liveThrough(lives);
        await t.db.transaction().execute((trx) => projectEvents(trx, schema, 0, events));
        for (const id of ids) expect(await getDossier(t.db, schema, id)).not.toBeNull();
      }),
      { numRuns: Number(process.env.TOTALITY_RUNS ?? 60), seed: Number(process.env.TOTALITY_SEED ?? 11) },
    );
  });
});
