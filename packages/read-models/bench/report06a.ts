/**
 * How fast is Biểu II.06a for a province over a year with 1,000,000 dossiers?
 *
 * Fills a throw-away database with a synthetic province (121 receiving units, 30 fields, a year of
 * dossiers: most resolved early or on time, some late, some withdrawn or stopped, some still pending,
 * some overdue) straight into the read-model tables, then times `report06a` for the whole province and
 * a few other shapes of query, and prints p50/p99. The database is dropped at the end.
 *
 *   pnpm bench:report            # 1,000,000 dossiers
 *   DOSSIERS=200000 ITERATIONS=50 pnpm bench:report
 *   KEEP_DATABASE=1 pnpm bench:report          # leave the database for EXPLAIN; prints its name
 *   REUSE_DATABASE=<name> pnpm bench:report    # time the queries again on a kept database
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { ReadModelDatabase } from "../src/database";
import { indicators766, type Scope766 } from "../src/indicators-766/indicators766";
import { report06a } from "../src/report-06a/report06a";
import { migrateReadModels } from "../src/versions";

const DOSSIERS = Number(process.env.DOSSIERS ?? 1_000_000);
const ITERATIONS = Number(process.env.ITERATIONS ?? 200);
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = "rm_bench";
const BATCH = 20_000;

/** Seeded, so every run measures the same province. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY = 86_400_000;
const OFFSET = 7 * 3_600_000;
const localDate = (ms: number) => new Date(ms + OFFSET).toISOString().slice(0, 10);
const uuid = (next: () => number) => {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

function progress(label: string, done: number, total: number, started: number) {
  const seconds = (performance.now() - started) / 1000;
  const rate = done / Math.max(seconds, 0.001);
  process.stdout.write(
    `\r${label}: ${done.toLocaleString("en")} / ${total.toLocaleString("en")} (${Math.round((100 * done) / total)} %, ${Math.round(rate).toLocaleString("en")}/s)   `,
  );
}

async function timed(label: string, run: () => Promise<unknown>) {
  const started = performance.now();
  await run();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main() {
  const reuse = process.env.REUSE_DATABASE;
  const keep = reuse !== undefined || process.env.KEEP_DATABASE === "1";
  const name = reuse ?? `motcua_bench_report_${process.pid}_${randomBytes(3).toString("hex")}`;
  if (!/^motcua_bench_report_[a-z0-9_]+$/.test(name)) throw new Error(`not a bench database: ${name}`);
  if (reuse === undefined) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  console.log(
    `${reuse ? "reusing" : "throw-away"} database ${name}; ${DOSSIERS.toLocaleString("en")} dossiers`,
  );
  try {
    await migrateReadModels(db, SCHEMA);

    // The province: 20 departments (3 fields each) and 100 communes (10 fields each), 30 fields.
    const fields = Array.from({ length: 30 }, (_, i) => `Lĩnh vực ${String(i + 1).padStart(2, "0")}`);
    const next = random(20250101);
    const units = [
      ...Array.from({ length: 20 }, (_, i) => ({ id: `unit-dept-${i}`, weight: 8, fields: 3 })),
      ...Array.from({ length: 100 }, (_, i) => ({ id: `unit-commune-${i}`, weight: 2, fields: 10 })),
      { id: "unit-province-centre", weight: 20, fields: 30 },
    ].map((u) => ({
      ...u,
      fields: Array.from({ length: u.fields }, () => fields[Math.floor(next() * fields.length)] as string),
    }));
    const totalWeight = units.reduce((s, u) => s + u.weight, 0);
    const pickUnit = () => {
      let r = next() * totalWeight;
      for (const u of units) {
        r -= u.weight;
        if (r < 0) return u;
      }
      return units[units.length - 1] as (typeof units)[number];
    };

    if (reuse === undefined) {
      const yearStart = Date.parse("2025-01-01T00:00:00+07:00");
      const yearEnd = Date.parse("2026-01-01T00:00:00+07:00");
      const started = performance.now();
      for (let done = 0; done < DOSSIERS; ) {
        const n = Math.min(BATCH, DOSSIERS - done);
        const cols = {
          id: [] as string[],
          code: [] as string[],
          field: [] as string[],
          status: [] as string[],
          unit: [] as string[],
          channel: [] as string[],
          receivedAt: [] as string[],
          receivedDay: [] as string[],
          dueAt: [] as (string | null)[],
          finishedAt: [] as (string | null)[],
          finishedDay: [] as (string | null)[],
          finishClass: [] as (string | null)[],
          docs: [] as number[],
          digitized: [] as number[],
          elapsed: [] as (number | null)[],
        };
        for (let i = 0; i < n; i++) {
          const unit = pickUnit();
          const field = unit.fields[Math.floor(next() * unit.fields.length)] as string;
          // Receipts over the year, office hours, weekdays mostly.
          const day = Math.floor(next() * 365);
          const receivedAt = yearStart + day * DAY + (1 + Math.floor(next() * 9)) * 3_600_000;
          const limitDays = [1, 3, 5, 7, 10, 15, 20][Math.floor(next() * 7)] as number;
          const dueAt = next() < 0.03 ? null : receivedAt + Math.ceil(limitDays * 1.4) * DAY;
          const fate = next();
          let status = "returned";
          let finishedAt: number | null;
          let finishClass: string | null = null;
          const dueOrLimit = dueAt ?? receivedAt + limitDays * DAY;
          if (fate < 0.6) finishedAt = receivedAt + Math.floor(next() * (dueOrLimit - receivedAt - DAY));
          else if (fate < 0.9) finishedAt = dueOrLimit - Math.floor(next() * 3_600_000);
          else if (fate < 0.94) finishedAt = dueOrLimit + (1 + Math.floor(next() * 20)) * DAY;
          else if (fate < 0.96) {
            status = "withdrawn";
            finishedAt = receivedAt + Math.floor(next() * 10) * DAY;
            finishClass = "on_time";
          } else if (fate < 0.97) {
            status = "stopped";
            finishedAt = receivedAt + Math.floor(next() * 15) * DAY;
          } else finishedAt = null;
          if (finishedAt !== null && finishedAt >= yearEnd) finishedAt = null;
          if (finishedAt === null) status = next() < 0.2 ? "awaiting_supplement" : "processing";
          if (finishedAt !== null && finishClass === null) {
            const f = localDate(finishedAt);
            const d = dueAt === null ? null : localDate(dueAt);
            finishClass = d === null || f === d ? "on_time" : f < d ? "early" : "late";
          }
          const docs = Math.floor(next() * 4);
          cols.id.push(uuid(next));
          cols.code.push(`${unit.id}-${localDate(receivedAt)}-${done + i}`);
          cols.field.push(field);
          cols.status.push(status);
          cols.unit.push(unit.id);
          cols.channel.push(next() < 0.4 ? "online" : next() < 0.9 ? "direct" : "postal");
          cols.receivedAt.push(new Date(receivedAt).toISOString());
          cols.receivedDay.push(localDate(receivedAt));
          cols.dueAt.push(dueAt === null ? null : new Date(dueAt).toISOString());
          cols.finishedAt.push(finishedAt === null ? null : new Date(finishedAt).toISOString());
          cols.finishedDay.push(finishedAt === null ? null : localDate(finishedAt));
          cols.finishClass.push(finishClass);
          cols.docs.push(docs);
          cols.digitized.push(next() < 0.8 ? docs : Math.max(0, docs - 1));
          cols.elapsed.push(
            status === "returned" && finishedAt !== null
              ? Math.round((finishedAt - receivedAt) / 180_000)
              : null,
          );
        }
        await pool.query(
          `insert into ${SCHEMA}.dossiers (dossier_id, code, procedure_id, procedure_version, procedure_code, field,
           time_limit_value, time_limit_unit, supplement_policy, status, receiving_unit_id, current_unit_id,
           units_held, channel, received_at, received_day, clock_starts_at, due_at, apologies, supplement_requests,
           paused_working_minutes, resolved_at, timeliness, finished_at, finished_day, finish_class, late_for_766,
           elapsed_working_minutes, overdue, ever_overdue, documents_total, documents_digitized, step_seq,
           deadline_seq, pause_seq, revision, position)
         select id, code, 'proc-bench', 1, '1.000001', field, 5, 'working_days', 'restart', status, unit, unit,
           array[unit], channel, received_at, received_day, received_at, due_at, 0, 0, 0,
           case when elapsed is null then null else finished_at end,
           case when elapsed is null then null else finish_class end,
           finished_at, finished_day, finish_class,
           case when finish_class is null then null else finish_class = 'late' end,
           elapsed, false, coalesce(finished_day > due_at::date, false), docs, digitized, 1, 1, 0, 3, 0
         from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
           $8::date[], $9::timestamptz[], $10::timestamptz[], $11::date[], $12::text[], $13::int[], $14::int[], $15::int[])
           as t(id, code, field, status, unit, channel, received_at, received_day, due_at, finished_at, finished_day,
                finish_class, docs, digitized, elapsed)`,
          [
            cols.id,
            cols.code,
            cols.field,
            cols.status,
            cols.unit,
            cols.channel,
            cols.receivedAt,
            cols.receivedDay,
            cols.dueAt,
            cols.finishedAt,
            cols.finishedDay,
            cols.finishClass,
            cols.docs,
            cols.digitized,
            cols.elapsed,
          ],
        );
        done += n;
        progress("dossiers", done, DOSSIERS, started);
      }
      process.stdout.write("\n");

      await timed("overdue_spans for dossiers pending past their due date", () =>
        pool.query(`
        insert into ${SCHEMA}.overdue_spans (dossier_id, from_day, to_day, receiving_unit_id, field, position)
        select dossier_id, (due_at at time zone 'Asia/Ho_Chi_Minh')::date + 1,
          case when finished_day is null then null else finished_day - 1 end, receiving_unit_id, field, 0
        from ${SCHEMA}.dossiers
        where due_at is not null
          and (finished_day is null or finished_day - 1 >= (due_at at time zone 'Asia/Ho_Chi_Minh')::date + 1)`),
      );
      await timed(
        "report_counts (day, dekad, month and year buckets) aggregated from dossiers and spans",
        () =>
          pool.query(`
        insert into ${SCHEMA}.report_counts (receiving_unit_id, grain, period_start, field, received_online,
          received_direct, received_postal, received_digitized, finished_early, finished_on_time, finished_late,
          finished_late_766, resolutions, resolution_working_minutes, overdue_starts, overdue_ends, position)
        select unit, g.grain, g.start, field, sum(online), sum(direct), sum(postal), sum(digitized), sum(early),
          sum(on_time), sum(late), sum(late), sum(resolutions), sum(minutes), sum(starts), sum(ends), 0
        from (
          select receiving_unit_id as unit, field, received_day as day,
            (channel = 'online')::int as online, (channel = 'direct')::int as direct, (channel = 'postal')::int as postal,
            (documents_total > 0 and documents_digitized = documents_total)::int as digitized,
            0 as early, 0 as on_time, 0 as late, 0 as resolutions, 0::bigint as minutes, 0 as starts, 0 as ends
          from ${SCHEMA}.dossiers
          union all
          select receiving_unit_id, field, finished_day, 0, 0, 0, 0,
            (finish_class = 'early')::int, (finish_class = 'on_time')::int, (finish_class = 'late')::int,
            (elapsed_working_minutes is not null)::int, coalesce(elapsed_working_minutes, 0), 0, 0
          from ${SCHEMA}.dossiers where finished_day is not null
          union all
          select receiving_unit_id, field, from_day, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 from ${SCHEMA}.overdue_spans
          union all
          select receiving_unit_id, field, to_day + 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
          from ${SCHEMA}.overdue_spans where to_day is not null
        ) e
        cross join lateral (values ('d', e.day),
          ('t', date_trunc('month', e.day)::date
            + case when extract(day from e.day) <= 10 then 0 when extract(day from e.day) <= 20 then 10 else 20 end),
          ('m', date_trunc('month', e.day)::date), ('y', date_trunc('year', e.day)::date)) as g(grain, start)
        group by unit, g.grain, g.start, field`),
      );
      await timed("vacuum analyze", () =>
        pool.query(`vacuum analyze ${SCHEMA}.report_counts, ${SCHEMA}.overdue_spans, ${SCHEMA}.dossiers`),
      );
    }
    const sizes = await pool.query<{ t: string; n: string }>(
      `select 'report_counts' as t, count(*) as n from ${SCHEMA}.report_counts
       union all select 'overdue_spans', count(*) from ${SCHEMA}.overdue_spans`,
    );
    console.log(sizes.rows.map((r) => `${r.t}: ${Number(r.n).toLocaleString("en")} rows`).join(", "));

    const province = units.map((u) => u.id);
    const commune = ["unit-commune-7"];
    const shapes: [string, { unitIds: string[]; from: string; to: string }][] = [
      ["province, year 2025", { unitIds: province, from: "2025-01-01", to: "2025-12-31" }],
      ["province, Q3 2025", { unitIds: province, from: "2025-07-01", to: "2025-09-30" }],
      ["province, 1 Jan – 14 Aug 2025", { unitIds: province, from: "2025-01-01", to: "2025-08-14" }],
      ["province, 15 Mar – 10 Sep 2025", { unitIds: province, from: "2025-03-15", to: "2025-09-10" }],
      ["one commune, year 2025", { unitIds: commune, from: "2025-01-01", to: "2025-12-31" }],
    ];
    const year = await report06a(
      db,
      SCHEMA,
      shapes[0]?.[1] as { unitIds: string[]; from: string; to: string },
    );
    console.log(
      `province 2025: received ${year.total.received.toLocaleString("en")}, resolved ${year.total.resolved.toLocaleString("en")} (early ${year.total.resolvedEarly.toLocaleString("en")}, on time ${year.total.resolvedOnTime.toLocaleString("en")}, late ${year.total.resolvedLate.toLocaleString("en")}), pending ${year.total.pending.toLocaleString("en")} (overdue ${year.total.pendingOverdue.toLocaleString("en")}), ${year.rows.length} fields`,
    );
    console.log(`\nreport06a latency, ${ITERATIONS} runs each after 10 warm-up runs:`);
    for (const [label, query] of shapes) {
      for (let i = 0; i < 10; i++) await report06a(db, SCHEMA, query);
      const times: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        const t0 = performance.now();
        await report06a(db, SCHEMA, query);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      console.log(
        `  ${label.padEnd(34)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(times, 99).toFixed(1).padStart(6)} ms`,
      );
    }

    await bench766(
      pool,
      db,
      units.map((u) => u.id),
      fields,
    );
  } finally {
    await db.destroy();
    if (keep) {
      console.log(`\nkept ${name} (drop it with: DROP DATABASE "${name}")`);
    } else {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await cleanup.end();
      console.log(`\ndropped ${name}`);
    }
  }
}

/**
 * The 766 counts filled from the synthetic dossiers (the procedure is the field; a dossier's other 766
 * facts — reuse, synchronisation, electronic result, fees and how they were paid — drawn from a hash of
 * its id), then the 766 of every unit of the province for a year and a quarter, timed.
 */
async function bench766(
  pool: pg.Pool,
  db: Kysely<ReadModelDatabase>,
  unitIds: readonly string[],
  fields: readonly string[],
) {
  const filled = await pool.query<{ n: string }>(`select count(*) as n from ${SCHEMA}.indicator766_counts`);
  if (Number(filled.rows[0]?.n ?? 0) === 0) {
    await timed("indicator766_counts (unit, procedure, month of receipt) aggregated from dossiers", () =>
      pool.query(`
        insert into ${SCHEMA}.indicator766_counts (receiving_unit_id, procedure_id, month, received, received_online,
          received_digitized, received_reused, synced, results, e_results, fee_requests, fees_paid, fees_paid_online,
          fees_paid_national, position)
        select receiving_unit_id, field, date_trunc('month', received_day)::date, count(*),
          count(*) filter (where channel = 'online'),
          count(*) filter (where documents_total > 0 and documents_digitized = documents_total),
          count(*) filter (where h % 10 < 6), count(*) filter (where h % 100 < 95),
          count(*) filter (where status = 'returned'), count(*) filter (where status = 'returned' and h % 10 < 7),
          count(*) filter (where h % 5 = 0), count(*) filter (where h % 5 = 0 and h % 7 < 6),
          count(*) filter (where h % 5 = 0 and h % 7 < 4), count(*) filter (where h % 5 = 0 and h % 7 < 3), 0
        from (select *, abs(hashtext(dossier_id::text)) as h from ${SCHEMA}.dossiers) d
        group by 1, 2, 3`),
    );
    await timed("vacuum analyze", () => pool.query(`vacuum analyze ${SCHEMA}.indicator766_counts`));
  }
  const rows = await pool.query<{ n: string }>(`select count(*) as n from ${SCHEMA}.indicator766_counts`);
  console.log(`indicator766_counts: ${Number(rows.rows[0]?.n ?? 0).toLocaleString("en")} rows`);
  const procedures = { applicable: [...fields], offeredOnline: fields.slice(0, 20) };
  const everyUnit: Scope766[] = unitIds.map((id) => ({ key: id, unitIds: [id], procedures }));
  const province: Scope766[] = [{ key: "province", unitIds, procedures }];
  const now = new Date("2026-01-15T09:00:00+07:00");
  const shapes: [string, () => Promise<unknown>][] = [
    [
      `every unit (${unitIds.length}), year 2025`,
      () => indicators766(db, SCHEMA, everyUnit, { from: "2025-01-01", to: "2025-12-31", now }),
    ],
    [
      `ranking: ${unitIds.length} units, Q3 and Q2`,
      () =>
        Promise.all([
          indicators766(db, SCHEMA, everyUnit, { from: "2025-07-01", to: "2025-09-30", now }),
          indicators766(db, SCHEMA, everyUnit, { from: "2025-04-01", to: "2025-06-30", now }),
        ]),
    ],
    [
      `ranking: ${unitIds.length} units, 2025 and 2024`,
      () =>
        Promise.all([
          indicators766(db, SCHEMA, everyUnit, { from: "2025-01-01", to: "2025-12-31", now }),
          indicators766(db, SCHEMA, everyUnit, { from: "2024-01-01", to: "2024-12-31", now }),
        ]),
    ],
    [
      "province with subunits, year 2025",
      () => indicators766(db, SCHEMA, province, { from: "2025-01-01", to: "2025-12-31", now }),
    ],
    [
      "one commune, month",
      () =>
        indicators766(db, SCHEMA, [everyUnit[30] as Scope766], { from: "2025-06-01", to: "2025-06-30", now }),
    ],
  ];
  const sample = (
    await indicators766(db, SCHEMA, province, { from: "2025-01-01", to: "2025-12-31", now })
  ).get("province");
  console.log(
    `province 2025, 766: total ${sample?.totalScore} (${Object.entries(sample?.groupScores ?? {})
      .map(([g, v]) => `${g} ${v}`)
      .join(", ")})`,
  );
  console.log(`\n766 latency, ${ITERATIONS} runs each after 10 warm-up runs:`);
  for (const [label, run] of shapes) {
    for (let i = 0; i < 10; i++) await run();
    const times: number[] = [];
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
      if (i % 20 === 19) progress(`  ${label}`, i + 1, ITERATIONS, started);
    }
    process.stdout.write("\r\x1b[2K");
    times.sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(40)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(times, 99).toFixed(1).padStart(6)} ms`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
