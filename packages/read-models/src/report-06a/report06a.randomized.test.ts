import {
  classifyResolution,
  dayToLocalDate,
  localDateOf,
  localDateToDay,
  parseInstant,
  startOfLocalDay,
} from "@motcua/domain";
import { RECEIVING_UNITS, type SimulatedLog, seededRandom, simulateDossiers } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectableEvent } from "../events";
import {
  feed,
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { indicators } from "./indicators";
import { REPORT_06A_COUNT_KEYS, type Report06aCounts, report06a } from "./report06a";

/*
 * The reference: Biểu II.06a computed plainly from the event list, dossier by dossier, with the rules of
 * DOMAIN.md and the README's choices — never from the read-model tables.
 */

interface Facts {
  readonly unit: string;
  readonly field: string;
  readonly channel: string;
  readonly receivedAt: number;
  readonly finishedAt: number | null;
  readonly finishClass: "early" | "on_time" | "late" | null;
  readonly resolvedMinutes: number | null;
  readonly lateFor766: boolean;
  /** When the applicant was asked for a supplement the second time: late for Decision 766 from then. */
  readonly secondSupplementAt: number | null;
  readonly digitized: boolean;
  /** [effective instant, due instant | null] in log order. */
  readonly deadlines: [number, number | null][];
  /** [paused from, resumed at | null]. */
  readonly pauses: [number, number | null][];
}

interface Data {
  at: string;
  [key: string]: unknown;
}

function factsFromEvents(events: readonly ProjectableEvent[]): Facts[] {
  const byStream = new Map<string, ProjectableEvent[]>();
  for (const e of events) {
    const list = byStream.get(e.streamId) ?? [];
    list.push(e);
    byStream.set(e.streamId, list);
  }
  const facts: Facts[] = [];
  for (const stream of byStream.values()) {
    const received = stream.find((e) => e.type === "DossierReceived");
    if (!received) continue; // submitted only, refused at intake, or withdrawn before receipt
    const r = received.data as Data & {
      unitId: string;
      field: string;
      channel: string;
      documents: { digitized: boolean }[];
      dueAt: string | null;
    };
    const after = stream.filter((e) => e.revision > received.revision);
    const deadlines: [number, number | null][] = [
      [parseInstant(r.at), r.dueAt ? parseInstant(r.dueAt) : null],
    ];
    const pauses: [number, number | null][] = [];
    let supplementRequests = 0;
    let finishedAt: number | null = null;
    let finishClass: Facts["finishClass"] = null;
    let resolvedMinutes: number | null = null;
    let lateFor766 = false;
    let secondSupplementAt: number | null = null;
    for (const e of after) {
      const d = e.data as Data;
      const at = parseInstant(d.at);
      if (e.type === "SupplementRequested" || e.type === "FeeRequested") pauses.push([at, null]);
      if (e.type === "SupplementRequested") supplementRequests++;
      if (e.type === "SupplementRequested" && supplementRequests === 2) secondSupplementAt = at;
      if (e.type === "SupplementReceived" || e.type === "FeePaid") {
        const open = pauses[pauses.length - 1] as [number, number | null];
        open[1] = at;
        const due = d.dueAt as string | null;
        deadlines.push([at, due ? parseInstant(due) : null]);
      }
      if (e.type === "DossierResolved") {
        const resolved = d as Data & {
          timeliness: "early" | "on_time" | "late";
          elapsedWorkingMinutes: number;
          lateFor766: boolean;
        };
        finishedAt = at;
        finishClass = resolved.timeliness;
        resolvedMinutes = resolved.elapsedWorkingMinutes;
        lateFor766 = resolved.lateFor766;
        break;
      }
      if (e.type === "DossierWithdrawn") {
        // On time in the 06a; Decision 766 judges it by the moment of withdrawal against the due moment.
        const due = (deadlines[deadlines.length - 1] as [number, number | null])[1];
        finishedAt = at;
        finishClass = "on_time";
        lateFor766 = classifyResolution(at, due) === "late" || supplementRequests > 1;
        break;
      }
      if (e.type === "DossierStopped") {
        // Judged like a resolution, where its clock stopped: the pause start if paused, else the stop.
        const open = pauses.find((p) => p[1] === null);
        const due = (deadlines[deadlines.length - 1] as [number, number | null])[1];
        finishedAt = at;
        finishClass = classifyResolution(open ? open[0] : at, due);
        lateFor766 = finishClass === "late" || supplementRequests > 1;
        break;
      }
    }
    facts.push({
      unit: r.unitId,
      field: r.field,
      channel: r.channel,
      receivedAt: parseInstant(r.at),
      finishedAt,
      finishClass,
      resolvedMinutes,
      lateFor766,
      secondSupplementAt,
      digitized: r.documents.length > 0 && r.documents.every((doc) => doc.digitized),
      deadlines,
      pauses,
    });
  }
  return facts;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface ReferenceFigures extends Mutable<Report06aCounts> {
  digitized: number;
  late766: number;
  /** Pending at the end of `to` and overdue, or asked for supplements more than once by then. */
  pendingLate766: number;
  resolutions: number;
  resolutionMinutes: number;
}

function referenceReport(facts: readonly Facts[], units: readonly string[], from: string, to: string) {
  const endOfTo = startOfLocalDay(localDateToDay(to) + 1);
  const byField = new Map<string, ReferenceFigures>();
  for (const f of facts) {
    if (!units.includes(f.unit)) continue;
    const row =
      byField.get(f.field) ??
      ({
        ...(Object.fromEntries(REPORT_06A_COUNT_KEYS.map((key) => [key, 0])) as Mutable<Report06aCounts>),
        digitized: 0,
        late766: 0,
        pendingLate766: 0,
        resolutions: 0,
        resolutionMinutes: 0,
      } satisfies ReferenceFigures);
    byField.set(f.field, row);
    const receivedDay = localDateOf(f.receivedAt);
    const finishedDay = f.finishedAt === null ? null : localDateOf(f.finishedAt);
    if (receivedDay < from && (finishedDay === null || finishedDay >= from)) row.carriedOver++;
    if (receivedDay >= from && receivedDay <= to) {
      if (f.channel === "online") row.receivedOnline++;
      else row.receivedDirect++;
      if (f.digitized) row.digitized++;
    }
    if (finishedDay !== null && finishedDay >= from && finishedDay <= to) {
      row.resolved++;
      if (f.finishClass === "early") row.resolvedEarly++;
      if (f.finishClass === "on_time") row.resolvedOnTime++;
      if (f.finishClass === "late") row.resolvedLate++;
      if (f.lateFor766) row.late766++;
      if (f.resolvedMinutes !== null) {
        row.resolutions++;
        row.resolutionMinutes += f.resolvedMinutes;
      }
    }
    if (receivedDay <= to && (finishedDay === null || finishedDay > to)) {
      row.pending++;
      // The due moment in force at the end of `to`, and whether the clock stood still then.
      const due = f.deadlines.filter(([at]) => at < endOfTo).at(-1)?.[1] ?? null;
      const pause = f.pauses.find(
        ([pausedAt, resumedAt]) => pausedAt < endOfTo && (resumedAt === null || resumedAt >= endOfTo),
      );
      const judgedOn = pause ? localDateOf(pause[0]) : to;
      const overdue = due !== null && localDateOf(due) < judgedOn;
      if (overdue) row.pendingOverdue++;
      else row.pendingInTime++;
      if (overdue || (f.secondSupplementAt !== null && f.secondSupplementAt < endOfTo)) row.pendingLate766++;
    }
    row.received = row.carriedOver + row.receivedOnline + row.receivedDirect;
  }
  return byField;
}

const COUNT_KEYS = [
  "received",
  "receivedOnline",
  "receivedDirect",
  "carriedOver",
  "resolved",
  "resolvedEarly",
  "resolvedOnTime",
  "resolvedLate",
  "pending",
  "pendingInTime",
  "pendingOverdue",
] as const satisfies readonly (keyof Report06aCounts)[];

const countsOnly = (c: Report06aCounts): Report06aCounts =>
  Object.fromEntries(COUNT_KEYS.map((k) => [k, c[k]])) as unknown as Report06aCounts;

function expectIdentities(c: Report06aCounts, label: string) {
  expect(c.received, `${label}: (3) = (4)+(5)+(6)`).toBe(c.receivedOnline + c.receivedDirect + c.carriedOver);
  expect(c.resolved, `${label}: (7) = (8)+(9)+(10)`).toBe(
    c.resolvedEarly + c.resolvedOnTime + c.resolvedLate,
  );
  expect(c.pending, `${label}: (11) = (12)+(13)`).toBe(c.pendingInTime + c.pendingOverdue);
  expect(c.received, `${label}: (3) = (7)+(11)`).toBe(c.resolved + c.pending);
  for (const k of COUNT_KEYS) expect(c[k], `${label}: ${k} ≥ 0`).toBeGreaterThanOrEqual(0);
}

const SCHEMA = "rm_v1";
let t: ReadModelTestDatabase;
let log: SimulatedLog;
let facts: Facts[];

beforeAll(async () => {
  t = await openTestDatabase("report06a");
  log = simulateDossiers({ seed: 20250611, dossiers: 3000 });
  facts = factsFromEvents(log.events);
  await freshVersion(t.db, SCHEMA, 4);
  await feed(t.db, SCHEMA, log.events, { partitions: 4, batchSize: 400, random: seededRandom(7) });
});

afterAll(async () => {
  await t?.close();
});

describe("Biểu II.06a over thousands of simulated dossiers", () => {
  it("simulates a varied province: every kind of event, every way a dossier ends, several units and fields", () => {
    const types = new Set(log.events.map((e) => e.type));
    for (const type of [
      "DossierSubmitted",
      "DossierIntakeRefused",
      "DossierReceived",
      "DossierForwarded",
      "DossierTransferred",
      "SupplementRequested",
      "SupplementReceived",
      "FeeRequested",
      "FeePaid",
      "ApologyIssued",
      "DossierResolved",
      "ResultReturned",
      "DossierWithdrawn",
      "DossierStopped",
      "DossierBecameOverdue",
    ]) {
      expect(types, type).toContain(type);
    }
    expect(facts.length).toBeGreaterThan(2500);
    const policies = new Set(
      log.events
        .filter((e) => e.type === "SupplementReceived")
        .map((e) => (e.data as { policy: string }).policy),
    );
    expect([...policies].sort()).toEqual(["restart", "resume"]);
    expect(facts.filter((f) => f.finishedAt === null).length).toBeGreaterThan(20);
    expect(facts.filter((f) => f.finishClass === "late").length).toBeGreaterThan(20);
  });

  it("equals the reference computed from the events, and keeps every identity, for random units and periods", async () => {
    const rng = seededRandom(42);
    const periods: [string, string][] = [
      ["2025-01-01", "2025-12-31"],
      ["2025-03-01", "2025-03-31"],
      ["2025-01-01", "2025-06-30"],
      ["2024-12-01", "2026-01-31"],
    ];
    for (let i = 0; i < 80; i++) {
      const a = localDateToDay("2024-12-20") + rng.int(0, 390);
      const b = a + rng.pick([0, 1, 6, 30, rng.int(0, 200)]);
      periods.push([dayToLocalDate(a), dayToLocalDate(b)]);
    }
    for (const [from, to] of periods) {
      const units = RECEIVING_UNITS.filter(() => rng.chance(0.5));
      if (units.length === 0) units.push(rng.pick(RECEIVING_UNITS));
      const label = `${units.length} units, ${from}…${to}`;
      const report = await report06a(t.db, SCHEMA, { unitIds: units, from, to });
      const reference = referenceReport(facts, units, from, to);

      expectIdentities(report.total, label);
      for (const row of report.rows) expectIdentities(row, `${label}, ${row.field}`);
      for (const k of COUNT_KEYS) {
        expect(report.total[k], `${label}: total is the sum of the rows (${k})`).toBe(
          report.rows.reduce((s, r) => s + r[k], 0),
        );
      }

      const expectedRows = [...reference.entries()]
        .filter(([, c]) => c.received > 0)
        .map(([field, c]) => ({ field, ...countsOnly(c) }))
        .sort((x, y) => (x.field < y.field ? -1 : 1));
      const actualRows = report.rows
        .map((r) => ({ ...countsOnly(r), field: r.field }))
        .sort((x, y) => (x.field < y.field ? -1 : 1));
      expect(actualRows, label).toEqual(expectedRows);
    }
  });

  it("reads a past period as it stood on its last day, whatever happened after", async () => {
    // Pending at the end of June in the full log ≡ pending in a log cut at the end of June.
    const cut = startOfLocalDay(localDateToDay("2025-06-30") + 1);
    const early = factsFromEvents(log.events.filter((e) => parseInstant((e.data as Data).at) < cut));
    const units = [...RECEIVING_UNITS];
    const report = await report06a(t.db, SCHEMA, { unitIds: units, from: "2025-04-01", to: "2025-06-30" });
    const asOfThen = referenceReport(early, units, "2025-04-01", "2025-06-30");
    const sum = (k: keyof Report06aCounts) => [...asOfThen.values()].reduce((s, c) => s + c[k], 0);
    expect(report.total.pendingInTime).toBe(sum("pendingInTime"));
    expect(report.total.pendingOverdue).toBe(sum("pendingOverdue"));
    expect(report.total.received).toBe(sum("received"));
    expect(report.total.pendingOverdue).toBeGreaterThan(0);
  });

  it("computes the indicators from the same counts as the reference", async () => {
    const rng = seededRandom(99);
    for (let i = 0; i < 25; i++) {
      const a = localDateToDay("2025-01-01") + rng.int(0, 330);
      const from = dayToLocalDate(a);
      const to = dayToLocalDate(a + rng.int(0, 120));
      const units = RECEIVING_UNITS.filter(() => rng.chance(0.5));
      if (units.length === 0) units.push(RECEIVING_UNITS[0]);
      const got = await indicators(t.db, SCHEMA, { unitIds: units, from, to });
      const ref = [...referenceReport(facts, units, from, to).values()];
      const sum = (k: keyof ReferenceFigures) => ref.reduce((s, c) => s + c[k], 0);
      const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
      const expectClose = (actual: number | null, expected: number | null, what: string) => {
        if (expected === null) expect(actual, what).toBeNull();
        else expect(actual, what).toBeCloseTo(expected, 10);
      };
      const receivedInPeriod = sum("receivedOnline") + sum("receivedDirect");
      expectClose(
        got.onTimeRate,
        ratio(sum("resolvedEarly") + sum("resolvedOnTime"), sum("resolved")),
        "on-time rate",
      );
      expectClose(got.onlineShare, ratio(sum("receivedOnline"), receivedInPeriod), "online share");
      expectClose(got.digitizedShare, ratio(sum("digitized"), receivedInPeriod), "digitized share");
      const average = ratio(sum("resolutionMinutes"), sum("resolutions"));
      expectClose(got.averageResolutionWorkingDays, average === null ? null : average / 480, "average days");
      const progress = ratio(
        sum("resolved") - sum("late766") + sum("pending") - sum("pendingLate766"),
        sum("resolved") + sum("pending"),
      );
      expectClose(got.progressScore766, progress === null ? null : 20 * progress, "766 progress");
    }
  });

  it("answers zeros and nulls, not NaN, when nothing is counted", async () => {
    const report = await report06a(t.db, SCHEMA, {
      unitIds: ["unit-nobody"],
      from: "2025-01-01",
      to: "2025-12-31",
    });
    expect(report.rows).toEqual([]);
    expect(Object.values(report.total).every((v) => v === 0)).toBe(true);
    const none = await indicators(t.db, SCHEMA, { unitIds: [], from: "2025-01-01", to: "2025-12-31" });
    expect(none).toEqual({
      onTimeRate: null,
      onlineShare: null,
      digitizedShare: null,
      averageResolutionWorkingDays: null,
      progressScore766: null,
    });
  });

  it("refuses malformed dates, backwards periods and periods of five years or more", async () => {
    const q = (from: string, to: string) =>
      report06a(t.db, SCHEMA, { unitIds: [RECEIVING_UNITS[0]], from, to });
    await expect(q("2025-02-30", "2025-03-01")).rejects.toMatchObject({
      code: "read_models.invalid_query",
      parameter: "from",
    });
    await expect(q("2025-03-01", "2025-02-01")).rejects.toMatchObject({ parameter: "to" });
    await expect(q("2020-01-01", "2025-01-01")).rejects.toMatchObject({ parameter: "to" });
    await expect(q("2020-01-01", "2024-12-31")).resolves.toMatchObject({ from: "2020-01-01" });
  });
});
