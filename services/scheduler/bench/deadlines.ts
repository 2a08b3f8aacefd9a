/**
 * Can the deadline watcher keep up with 100,000 pending deadlines?
 *
 * On a throw-away database and Redis prefix: appends 100,000 `DossierReceived` events (a unit whose office
 * is open all day on weekdays, a procedure of three working days), then starts the scheduler on a
 * compressed clock that runs from a little before the first deadline. The scheduler follows the log,
 * writes its deadlines table and schedules one BullMQ delayed job per deadline; the deadlines fall due
 * over BENCH_FIRE_SECONDS real seconds and each firing appends `DossierBecameOverdue` through the real
 * `markOverdue` command. Prints scheduling and firing rates and the lateness of each overdue event's
 * append (its `recordedAt`) behind the real moment its deadline came up on the compressed clock.
 * Figures are printed, never asserted.
 *
 *   pnpm bench:scheduler
 *   BENCH_DEADLINES=20000 BENCH_FIRE_SECONDS=20 pnpm bench:scheduler
 *   BENCH_CONCURRENCY=32 BENCH_WARNINGS=1 BENCH_NOTIFY=1 pnpm bench:scheduler
 */
import { randomBytes, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { decide, initialState, type ProcedureVersion } from "@motcua/domain";
import { createEventStore, type JsonObject } from "@motcua/event-store";
import { type Clock, createLogger, createPostgresPool, createRedis } from "@motcua/platform";
import {
  getProcedure,
  loadWorkSchedule,
  migrateReferenceData,
  putCalendar,
  putProcedure,
  putUnit,
} from "@motcua/reference-data";
import { CALENDAR_2025, createTestDatabase, createTestRedis } from "@motcua/testing";
import { percentile, recordBenchResult, residentMiB, startCpuMeter } from "@motcua/testing/bench";
import { Kysely, PostgresDialect } from "kysely";
import { startScheduler } from "../src/scheduler";

const DEADLINES = Number(process.env.BENCH_DEADLINES ?? 100_000);
const FIRE_SECONDS = Number(process.env.BENCH_FIRE_SECONDS ?? 45);
const LEAD_SECONDS = Number(process.env.BENCH_LEAD_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 16);
const MAX_BACKLOG_SECONDS = Number(process.env.BENCH_MAX_BACKLOG_SECONDS ?? 90);
const WARNINGS = process.env.BENCH_WARNINGS === "1";
const NOTIFY = process.env.BENCH_NOTIFY === "1";

const say = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  say(
    `▶ bench:scheduler — ${fmt(DEADLINES)} deadlines falling due over ${FIRE_SECONDS} s, ${LEAD_SECONDS} s after the scheduler starts`,
  );
  say(
    `  worker concurrency ${CONCURRENCY}; warnings ${WARNINGS ? "on" : "off"}; notifications ${NOTIFY ? "on" : "off"}`,
  );
  const database = await createTestDatabase("benchsched");
  const testRedis = await createTestRedis("benchsched");
  const pool = createPostgresPool(database.url, { max: 12 });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const masterKey = randomBytes(32).toString("base64");
  const store = createEventStore(
    { kind: "postgres", databaseUrl: database.url, masterKey },
    { poolSize: 20 },
  );
  // The receipts are set-up, not what is measured: they are appended without waiting for each commit's
  // flush to disk. The scheduler's own appends (the overdue events) go through `store`, durably.
  const seedUrl = new URL(database.url);
  seedUrl.searchParams.set("options", "-c synchronous_commit=off");
  const seedStore = createEventStore(
    { kind: "postgres", databaseUrl: seedUrl.toString(), masterKey },
    { poolSize: 20 },
  );
  const redis = createRedis(testRedis.url, { connectionName: "bench-scheduler" });
  try {
    await store.migrate();
    await migrateReferenceData(db);
    const at = "2025-01-01T00:00:00+07:00";
    await putUnit(
      db,
      { unitId: "p", code: "000.00.00.H19", name: "UBND tỉnh", level: "province", parentId: null },
      "bench",
      at,
    );
    await putUnit(
      db,
      {
        unitId: "u",
        code: "000.00.31.H19",
        name: "Trung tâm Phục vụ hành chính công tỉnh",
        level: "department",
        parentId: "p",
        // Open all day, so deadlines fall due evenly across the compressed day.
        officeHours: { periods: [{ start: "00:00", end: "23:59" }] },
      },
      "bench",
      at,
    );
    await putProcedure(
      db,
      "bench",
      {
        code: "2.000001",
        name: "Thủ tục đo tải",
        field: "Đo tải",
        level: "department",
        timeLimit: { value: 3, unit: "working_days" },
        onlineService: "full",
        supplementPolicy: "restart",
      },
      "bench",
      at,
    );
    await putCalendar(db, CALENDAR_2025, "bench", at);
    const procedure = (await getProcedure(db, "bench")) as ProcedureVersion;
    const schedule = await loadWorkSchedule(db, "u");

    // Receipts on Friday 14 March 2025 between 07:00 and 17:00: due the next Wednesday, 07:00–17:00.
    const firstReceipt = Date.parse("2025-03-14T07:00:00+07:00");
    const receiptSpan = 10 * 3_600_000;
    const actor = { id: "bench", role: "officer" as const, unitId: "u" };
    let appended = 0;
    let minDue = Number.POSITIVE_INFINITY;
    let maxDue = Number.NEGATIVE_INFINITY;
    const appendStarted = performance.now();
    let lastProgress = appendStarted;
    const writer = async (w: number) => {
      for (let i = w; i < DEADLINES; i += WRITERS) {
        const dossierId = randomUUID();
        const receivedAt = new Date(firstReceipt + Math.floor((i / DEADLINES) * receiptSpan)).toISOString();
        const decision = decide(
          {
            type: "ReceiveDossier",
            data: {
              dossierId,
              code: `000.00.31.H19-250314-${String(i + 1).padStart(6, "0")}`,
              unitId: "u",
              channel: "online",
              applicant: { name: "Người nộp thử" },
              documents: [],
            },
          },
          initialState(),
          { now: receivedAt, actor, schedule, procedure },
        );
        if (!decision.ok) throw new Error(decision.refusal.message);
        const event = decision.events[0];
        if (event?.type !== "DossierReceived" || event.data.dueAt === null) throw new Error("no deadline");
        const due = Date.parse(event.data.dueAt);
        minDue = Math.min(minDue, due);
        maxDue = Math.max(maxDue, due);
        const commandId = randomUUID();
        await seedStore.append(
          `dossier-${dossierId}`,
          [
            {
              type: event.type,
              schemaVersion: event.schemaVersion,
              data: event.data as unknown as JsonObject,
              metadata: {
                commandId,
                correlationId: commandId,
                causationId: null,
                actor,
                occurredAt: receivedAt,
              },
            },
          ],
          { expectedRevision: "no_stream", commandId },
        );
        appended++;
        if (performance.now() - lastProgress >= 2_000) {
          lastProgress = performance.now();
          const rate = appended / ((lastProgress - appendStarted) / 1_000);
          say(`  receipts appended ${fmt(appended)}/${fmt(DEADLINES)} (${fmt(rate)}/s)`);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await seedStore.close();
    const appendSeconds = (performance.now() - appendStarted) / 1_000;
    say(
      `  receipts appended: ${fmt(DEADLINES)} in ${fmt(appendSeconds, 1)} s (${fmt(DEADLINES / appendSeconds)}/s) — set-up, not the scheduler`,
    );

    // The compressed clock: the deadlines' clock span passes in FIRE_SECONDS real seconds, and the first
    // deadline comes LEAD_SECONDS after the scheduler starts.
    const clockRate = (maxDue - minDue) / (FIRE_SECONDS * 1_000);
    const clockStart = minDue - LEAD_SECONDS * 1_000 * clockRate;
    const realStart = Date.now();
    const clock: Clock = { now: () => new Date(clockStart + (Date.now() - realStart) * clockRate) };
    const dueReal = (due: number) => realStart + (due - clockStart) / clockRate;
    say(
      `  clock: ${new Date(minDue).toISOString()} → ${new Date(maxDue).toISOString()} at ${fmt(clockRate)}× (1 clock-hour = ${fmt(3_600_000 / clockRate / 1_000, 2)} s)`,
    );
    const head = await store.headPosition();
    // CPU of this process (the scheduler: its reactor, BullMQ workers and the appends of overdue events)
    // and of the database's Postgres backends, from start to the last firing: per deadline.
    const meter = await startCpuMeter({ databaseUrl: database.url });
    const scheduler = await startScheduler({
      store,
      db,
      redis,
      prefix: testRedis.prefix,
      clock,
      clockRate,
      subjectSecret: randomBytes(32),
      deadlineConcurrency: CONCURRENCY,
      warnings: WARNINGS,
      notifications: { enabled: NOTIFY },
      pageSize: 2_000,
      logger: createLogger({
        level: (process.env.LOG_LEVEL as "warn" | undefined) ?? "warn",
        name: "scheduler",
      }),
    });
    await scheduler.whenActive();
    const scheduleStarted = performance.now();
    while (scheduler.state.position < head) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (performance.now() - lastProgress >= 2_000) {
        lastProgress = performance.now();
        say(`  scheduling: log position ${fmt(scheduler.state.position)}/${fmt(head)}`);
      }
    }
    const scheduleSeconds = (performance.now() - scheduleStarted) / 1_000;
    const delayed = await scheduler.deadlineQueue.getDelayedCount();
    say(
      `  scheduled: ${fmt(DEADLINES)} deadlines (${fmt(delayed)} delayed jobs) in ${fmt(scheduleSeconds, 1)} s — ${fmt(DEADLINES / scheduleSeconds)} deadlines/s`,
    );
    if ((Date.now() - realStart) / 1_000 > LEAD_SECONDS) {
      say(
        "  ! scheduling took longer than the lead: the first deadlines are fired late by the sweep, as in a catch-up",
      );
    }

    const recorded = async () =>
      (await scheduler.metrics.firings.get()).values
        .filter((v) => v.labels.kind === "overdue" && v.labels.outcome === "recorded")
        .reduce((sum, v) => sum + v.value, 0);
    let fired = 0;
    const limit = Date.now() + (LEAD_SECONDS + FIRE_SECONDS) * 1_000 + MAX_BACKLOG_SECONDS * 1_000;
    while (fired < DEADLINES && Date.now() < limit) {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      fired = await recorded();
      const clockNow = clock.now().getTime();
      const due =
        clockNow < minDue
          ? 0
          : Math.min(DEADLINES, Math.round(((clockNow - minDue) / (maxDue - minDue)) * DEADLINES));
      say(
        `  firing: ${fmt(fired)} overdue events recorded / ${fmt(due)} due so far (clock ${new Date(clockNow).toISOString().slice(11, 19)}Z)`,
      );
    }
    if (fired < DEADLINES)
      say(`  ! stopped waiting after ${MAX_BACKLOG_SECONDS} s of backlog: the figures cover what fired`);

    // Lateness: when each overdue event was appended, behind the real moment its deadline came up.
    const lateness: number[] = [];
    let firstAppend = Number.POSITIVE_INFINITY;
    let lastAppend = 0;
    for await (const event of store.readAll({
      fromPosition: head,
      filter: { eventTypes: ["DossierBecameOverdue"] },
    })) {
      const appendedAt = Date.parse(event.metadata.recordedAt);
      firstAppend = Math.min(firstAppend, appendedAt);
      lastAppend = Math.max(lastAppend, appendedAt);
      lateness.push(appendedAt - dueReal(Date.parse(String(event.data.dueAt))));
    }
    lateness.sort((a, b) => a - b);
    const firingSeconds = (lastAppend - firstAppend) / 1_000;
    const firings = await scheduler.metrics.firings.get();
    const by = (source: string) =>
      firings.values
        .filter((v) => v.labels.source === source && v.labels.outcome === "recorded")
        .reduce((s, v) => s + v.value, 0);
    const cpu = await meter.stop();
    // The scheduler's process after the firings: its reactor, workers and their queues' state.
    const schedulerMiB = residentMiB();
    await scheduler.stop();

    say("");
    say("── bench:scheduler ──────────────────────────────────────────────");
    say(
      `  deadlines                ${fmt(DEADLINES)} (overdue events recorded: ${fmt(lateness.length)}; by job ${fmt(by("job"))}, by sweep ${fmt(by("sweep"))})`,
    );
    say(
      `  scheduling               ${fmt(DEADLINES / scheduleSeconds)} deadlines/s (${fmt(scheduleSeconds, 1)} s for the log, table and jobs)`,
    );
    say(`  offered firing rate      ${fmt(DEADLINES / FIRE_SECONDS)}/s (due over ${FIRE_SECONDS} s)`);
    say(
      `  achieved firing rate     ${fmt(lateness.length / Math.max(firingSeconds, 0.001))}/s (first to last append: ${fmt(firingSeconds, 1)} s)`,
    );
    say(
      `  lateness (real ms)       p50 ${fmt(percentile(lateness, 50))}  p99 ${fmt(percentile(lateness, 99))}  worst ${fmt(lateness.at(-1) ?? Number.NaN)}`,
    );
    say(
      `  lateness (clock s)       p50 ${fmt((percentile(lateness, 50) * clockRate) / 1_000, 1)}  p99 ${fmt((percentile(lateness, 99) * clockRate) / 1_000, 1)}  worst ${fmt(((lateness.at(-1) ?? Number.NaN) * clockRate) / 1_000, 1)}  (at ${fmt(clockRate)}×)`,
    );
    say(
      `  CPU per deadline         ${fmt(cpu.processMs / DEADLINES, 3)} ms scheduler process, ${fmt(cpu.postgresMs / DEADLINES, 3)} ms Postgres (scheduled, watched and fired)`,
    );
    say(`  resident memory          ${fmt(schedulerMiB)} MiB (the scheduler's process after the firings)`);
    say("  every overdue event itself says dueAt; lateness is how long after it the append happened.");
    recordBenchResult("scheduler", {
      deadlines: DEADLINES,
      scheduling_per_s: DEADLINES / scheduleSeconds,
      firing_per_s: lateness.length / Math.max(firingSeconds, 0.001),
      lateness_p50_ms: percentile(lateness, 50),
      lateness_p99_ms: percentile(lateness, 99),
      process_cpu_ms_per_deadline: cpu.processMs / DEADLINES,
      postgres_cpu_ms_per_deadline: cpu.postgresMs / DEADLINES,
      scheduler_resident_mib: schedulerMiB,
    });
  } finally {
    redis.disconnect();
    await store.close();
    await db.destroy();
    await testRedis.cleanup();
    await database.drop();
  }
}

await main();
process.exit(0);
