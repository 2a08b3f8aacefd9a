/**
 * How fast are Biểu II.06a and the Decision 766 indicators for a province over a year with 1,000,000 —
 * or 10,000,000 — dossiers, and how far are they from the cheapest query that yields the same numbers?
 *
 * Fills a throw-away database with a synthetic province (121 receiving units, 30 fields, a year of
 * dossiers: most resolved early or on time, some late, some withdrawn or stopped, some still pending,
 * some overdue) straight into the read-model tables by set-based SQL (`generate_series` and seeded
 * hashes, in chunks, the dossiers' secondary indexes built once at the end), aggregates `report_counts`
 * and `indicator766_counts` from them as the projections would, then times `report06a` and
 * `indicators766` for a few shapes of query and prints p50/p99, reports per second, CPU milliseconds
 * per report of this process and of the Postgres backends, and the ratio to a floor: a plain
 * `sum … group by` over the same buckets without the unit list or the prefix-sum weights, checked to
 * give the same numbers. The database is dropped at the end. The figures go to the bench results file
 * (`pnpm bench:compare … report`).
 *
 *   pnpm bench:report                          # 1,000,000 dossiers
 *   pnpm bench:report --dossiers 10000000      # ten times that (about 10 GB of disk while it runs)
 *   pnpm bench:report --dossiers 200000 --iterations 50
 *   KEEP_DATABASE=1 pnpm bench:report          # leave the database for EXPLAIN; prints its name
 *   REUSE_DATABASE=<name> pnpm bench:report    # time the queries again on a kept database
 *
 * The loading connection lowers its own Postgres backend's priority (renice, when allowed) and uses
 * one core: the machine is shared.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { latencySummary, recordBenchResult, residentMiB, startCpuMeter } from "@motcua/testing/bench";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { ReadModelDatabase } from "../src/database";
import { indicators766, type Scope766 } from "../src/indicators-766/indicators766";
import { progress766ByUnit } from "../src/indicators-766/progress";
import { indicator766Counts } from "../src/indicators-766/queries";
import { parsePeriod } from "../src/period";
import {
  addCounts,
  countsOf,
  type FieldFigures,
  IN_PERIOD,
  REPORT_06A_COUNT_KEYS,
  type Report06aCounts,
  report06a,
} from "../src/report-06a/report06a";
import { migrateReadModels } from "../src/versions";

const { values: options } = parseArgs({
  options: { dossiers: { type: "string" }, iterations: { type: "string" } },
});
const DOSSIERS = Number(options.dossiers ?? process.env.DOSSIERS ?? 1_000_000);
const ITERATIONS = Number(options.iterations ?? process.env.ITERATIONS ?? 200);
if (!(Number.isInteger(DOSSIERS) && DOSSIERS > 0 && Number.isInteger(ITERATIONS) && ITERATIONS > 0)) {
  process.stderr.write("usage: pnpm bench:report [--dossiers N] [--iterations N]\n");
  process.exit(2);
}
const adminUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const SCHEMA = "rm_bench";
/** Dossiers per INSERT … SELECT: large enough to be set-based, small enough to show progress. */
const CHUNK = 250_000;
const SEED = 20250101;

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

function progress(label: string, done: number, total: number, started: number) {
  const seconds = (performance.now() - started) / 1000;
  const rate = done / Math.max(seconds, 0.001);
  process.stdout.write(
    `\r${label}: ${done.toLocaleString("en")} / ${total.toLocaleString("en")} (${Math.round((100 * done) / total)} %, ${Math.round(rate).toLocaleString("en")}/s, ${seconds.toFixed(0)} s, load ${loadAverage()})   `,
  );
}

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function timed(label: string, run: () => Promise<unknown>) {
  const started = performance.now();
  await run();
  console.log(`${label}: ${((performance.now() - started) / 1000).toFixed(1)} s (load ${loadAverage()})`);
}

interface Unit {
  readonly id: string;
  readonly weight: number;
  readonly fields: readonly string[];
}

/** The province: 20 departments (3 fields each), 100 communes (10 fields each) and the centre (30). */
function province(): { units: Unit[]; fields: string[] } {
  const fields = Array.from({ length: 30 }, (_, i) => `Lĩnh vực ${String(i + 1).padStart(2, "0")}`);
  const next = random(SEED);
  const units = [
    ...Array.from({ length: 20 }, (_, i) => ({ id: `unit-dept-${i}`, weight: 8, fields: 3 })),
    ...Array.from({ length: 100 }, (_, i) => ({ id: `unit-commune-${i}`, weight: 2, fields: 10 })),
    { id: "unit-province-centre", weight: 20, fields: 30 },
  ].map((u) => ({
    ...u,
    fields: Array.from({ length: u.fields }, () => fields[Math.floor(next() * fields.length)] as string),
  }));
  return { units, fields };
}

/** A connection for loading: its backend niced, one core, memory for the big sorts and index builds. */
async function openLoader(url: string): Promise<pg.Client> {
  const loader = new pg.Client({ connectionString: url, application_name: "motcua-bench-report-loader" });
  await loader.connect();
  await loader.query(`set work_mem = '256MB'`);
  await loader.query(`set maintenance_work_mem = '1GB'`);
  await loader.query("set max_parallel_workers_per_gather = 0");
  await loader.query("set max_parallel_maintenance_workers = 0");
  await loader.query("set synchronous_commit = off");
  const { rows } = await loader.query<{ pid: number }>("select pg_backend_pid() as pid");
  try {
    if (process.env.BENCH_RENICE !== "0")
      execFileSync("renice", ["-n", "10", "-p", String(rows[0]?.pid)], { stdio: "ignore" });
  } catch {
    console.log("(could not renice the loading backend; it runs at normal priority)");
  }
  return loader;
}

/**
 * The dossiers, by set-based SQL: each dossier's facts drawn from seeded hashes of its number, the same
 * distribution the projections see in a real province (receipts over the year on office hours, time
 * limits of 1–20 working days, 60 % early, 30 % on time, 4 % late, 2 % withdrawn, 1 % stopped, the rest
 * pending, a few without a due date). The secondary indexes are dropped for the load and built once.
 */
async function generateDossiers(loader: pg.Client, units: readonly Unit[]) {
  const table = `${SCHEMA}.dossiers`;
  const constraints = await loader.query<{ name: string; def: string }>(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
     where conrelid = '${table}'::regclass and contype in ('p', 'u')`,
  );
  const indexes = await loader.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
     where schemaname = '${SCHEMA}' and tablename = 'dossiers'
       and indexname not in (select conname from pg_constraint where conrelid = '${table}'::regclass)`,
  );
  for (const { name } of indexes.rows) await loader.query(`drop index ${SCHEMA}."${name}"`);
  for (const { name } of constraints.rows)
    await loader.query(`alter table ${table} drop constraint "${name}"`);

  const slots = units.flatMap((u, i) => Array.from({ length: u.weight }, () => i + 1));
  const offsets: number[] = [];
  const flatFields: string[] = [];
  for (const u of units) {
    offsets.push(flatFields.length + 1);
    flatFields.push(...u.fields);
  }
  // r(k): the k-th uniform draw in [0, 1) of dossier i.
  const r = (k: number) => `((hashint8extended(i, ${SEED * 16 + k}) & 4294967295)::float8 / 4294967296)`;
  const tz = "'Asia/Ho_Chi_Minh'";
  // Each layer names what the next reads; `offset 0` keeps the planner from pulling the layers up into
  // one, which would copy every expression into each of its uses (hundreds of hashes per row).
  const insert = `
    insert into ${table} (dossier_id, code, procedure_id, procedure_version, procedure_code, field,
      time_limit_value, time_limit_unit, supplement_policy, status, receiving_unit_id, current_unit_id,
      units_held, channel, received_at, received_day, clock_starts_at, due_at, apologies, supplement_requests,
      paused_working_minutes, resolved_at, timeliness, finished_at, finished_day, finish_class, late_for_766,
      elapsed_working_minutes, overdue, ever_overdue, documents_total, documents_digitized, step_seq,
      deadline_seq, pause_seq, revision, position)
    select md5('motcua-bench-' || i)::uuid, unit || '-' || received_day || '-' || i, 'proc-bench', 1, '1.000001',
      field, 5, 'working_days', 'restart', status, unit, unit, array[unit], channel, received_at, received_day,
      received_at, due_at, 0, 0, 0,
      case when elapsed is null then null else finished_at end,
      case when elapsed is null then null else finish_class end,
      finished_at, finished_day, finish_class,
      case when finish_class is null then null else finish_class = 'late' end,
      elapsed, false, coalesce(finished_day > due_at::date, false), docs, digitized, 1, 1, 0, 3, 0
    from (
      select *,
        case when status = 'returned' then round(extract(epoch from finished_at - received_at) / 180)::int end as elapsed,
        case when finished_at is null then null when status = 'withdrawn' then 'on_time'
          when due_at is null or finished_day = (due_at at time zone ${tz})::date then 'on_time'
          when finished_day < (due_at at time zone ${tz})::date then 'early' else 'late' end as finish_class
      from (
        select *, (received_at at time zone ${tz})::date as received_day,
          (finished_at at time zone ${tz})::date as finished_day,
          case when finished_at is not null then status0 when ${r(8)} < 0.2 then 'awaiting_supplement'
            else 'processing' end as status
        from (
          select i, unit, field, channel, received_at, due_at, docs, digitized, status0,
            case when finished0 < $6::timestamptz then finished0 end as finished_at
          from (
            select *,
              case when fate < 0.6 then received_at + ${r(7)} * (due_or_limit - received_at - interval '1 day')
                when fate < 0.9 then due_or_limit - ${r(7)} * interval '1 hour'
                when fate < 0.94 then due_or_limit + (1 + floor(${r(7)} * 20)) * interval '1 day'
                when fate < 0.96 then received_at + floor(${r(7)} * 10) * interval '1 day'
                when fate < 0.97 then received_at + floor(${r(7)} * 15) * interval '1 day'
              end as finished0,
              case when fate < 0.94 then 'returned' when fate < 0.96 then 'withdrawn' else 'stopped' end as status0
            from (
              select *, coalesce(due_at, received_at + limit_days * interval '1 day') as due_or_limit
              from (
                select i, u, ($2::text[])[u] as unit, ($5::text[])[($3::int[])[u] + floor(${r(1)} * ($4::int[])[u])::int] as field,
                  received_at, limit_days, ${r(6)} as fate, docs,
                  case when ${r(10)} < 0.8 then docs else greatest(0, docs - 1) end as digitized,
                  case when ${r(5)} < 0.03 then null else received_at + ceil(limit_days * 1.4) * interval '1 day' end as due_at,
                  case when ${r(11)} < 0.4 then 'online' when ${r(11)} < 0.94 then 'direct' else 'postal' end as channel
                from (
                  select i, ($1::int[])[1 + floor(${r(0)} * ${slots.length})::int] as u,
                    $7::timestamptz + floor(${r(2)} * 365) * interval '1 day' + (1 + floor(${r(3)} * 9)) * interval '1 hour' as received_at,
                    (array[1, 3, 5, 7, 10, 15, 20])[1 + floor(${r(4)} * 7)::int] as limit_days,
                    floor(${r(9)} * 4)::int as docs
                  from generate_series($8::bigint, $9::bigint) as s(i)
                  offset 0
                ) a
                offset 0
              ) b
              offset 0
            ) c
            offset 0
          ) d
          offset 0
        ) e
        offset 0
      ) f
    ) g`;
  const started = performance.now();
  for (let done = 0; done < DOSSIERS; ) {
    const n = Math.min(CHUNK, DOSSIERS - done);
    await loader.query(insert, [
      slots,
      units.map((u) => u.id),
      units.map((_, i) => offsets[i]),
      units.map((u) => u.fields.length),
      flatFields,
      "2026-01-01T00:00:00+07:00",
      "2025-01-01T00:00:00+07:00",
      done + 1,
      done + n,
    ]);
    done += n;
    progress("dossiers", done, DOSSIERS, started);
  }
  process.stdout.write("\n");
  const built = performance.now();
  for (const [i, { name, def }] of constraints.rows.entries()) {
    await loader.query(`alter table ${table} add constraint "${name}" ${def}`);
    progress("dossiers' indexes", i + 1, constraints.rows.length + indexes.rows.length, built);
  }
  for (const [i, { def }] of indexes.rows.entries()) {
    await loader.query(def);
    progress(
      "dossiers' indexes",
      constraints.rows.length + i + 1,
      constraints.rows.length + indexes.rows.length,
      built,
    );
  }
  process.stdout.write("\n");
}

/** What the projections would have written beside the dossiers: overdue spans and the two count tables. */
async function aggregate(loader: pg.Client) {
  await timed("overdue_spans for dossiers pending past their due date", () =>
    loader.query(`
      insert into ${SCHEMA}.overdue_spans (dossier_id, from_day, to_day, receiving_unit_id, field, position)
      select dossier_id, (due_at at time zone 'Asia/Ho_Chi_Minh')::date + 1,
        case when finished_day is null then null else finished_day - 1 end, receiving_unit_id, field, 0
      from ${SCHEMA}.dossiers
      where due_at is not null
        and (finished_day is null or finished_day - 1 >= (due_at at time zone 'Asia/Ho_Chi_Minh')::date + 1)`),
  );
  await timed("report_counts (day, dekad, month and year buckets) aggregated from dossiers and spans", () =>
    loader.query(`
      insert into ${SCHEMA}.report_counts (receiving_unit_id, grain, period_start, field, received_online,
        received_direct, received_postal, received_digitized, finished_early, finished_on_time, finished_late,
        finished_late_766, resolutions, resolution_working_minutes, overdue_starts, overdue_ends, position)
      select unit, g.grain, g.start, field, sum(online), sum(direct), sum(postal), sum(digitized), sum(early),
        sum(on_time), sum(late), sum(late), sum(resolutions), sum(minutes), sum(starts), sum(ends), 0
      from (
        -- per unit, field and day first (about a hundred times fewer rows than events), then each day
        -- into its four buckets
        select unit, field, day, sum(online) as online, sum(direct) as direct, sum(postal) as postal,
          sum(digitized) as digitized, sum(early) as early, sum(on_time) as on_time, sum(late) as late,
          sum(resolutions) as resolutions, sum(minutes) as minutes, sum(starts) as starts, sum(ends) as ends
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
        group by unit, field, day
      ) d
      cross join lateral (values ('d', d.day),
        ('t', date_trunc('month', d.day)::date
          + case when extract(day from d.day) <= 10 then 0 when extract(day from d.day) <= 20 then 10 else 20 end),
        ('m', date_trunc('month', d.day)::date), ('y', date_trunc('year', d.day)::date)) as g(grain, start)
      group by unit, g.grain, g.start, field
      -- in the order the projections create them (a bucket's rows when its period begins), so a bucket's
      -- rows share pages as they do in production; in hash order a quarter read 6,208 pages for 9,380 rows
      order by g.start, g.grain, unit, field`),
  );
  await fill766(loader);
  await timed("vacuum analyze", () =>
    loader.query(
      `vacuum analyze ${SCHEMA}.report_counts, ${SCHEMA}.overdue_spans, ${SCHEMA}.dossiers, ${SCHEMA}.indicator766_counts`,
    ),
  );
}

/**
 * The 766 counts filled from the synthetic dossiers (the procedure is the field; a dossier's other 766
 * facts — reuse, synchronisation, electronic result, fees and how they were paid — drawn from a hash of
 * its id).
 */
async function fill766(loader: pg.Client) {
  await timed("indicator766_counts (unit, procedure, month of receipt) aggregated from dossiers", () =>
    loader.query(`
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
}

// ── the floors: the same numbers from the same buckets by the plainest aggregate ─────────────────────────

/**
 * The 06a's figures per field for a period of whole months inside one year, by a plain aggregate over
 * the buckets a person would pick by hand: the year bucket itself for a whole year, else its months;
 * what was carried over is the years before plus the months before `from`; what is pending overdue at
 * the end is the same up to `to`. No unit list (`unitId` null: every unit, as the province is), no
 * prefix-sum weights, no bucket choice.
 */
async function floor06a(
  pool: pg.Pool,
  unitId: string | null,
  year: number,
  fromMonth: number,
  toMonth: number,
): Promise<FieldFigures[]> {
  const wholeYear = fromMonth === 1 && toMonth === 12;
  const yearStart = `${year}-01-01`;
  const month = (m: number) => `${year}-${String(m).padStart(2, "0")}-01`;
  const inPeriod = wholeYear
    ? `grain = 'y' and period_start = '${yearStart}'`
    : `grain = 'm' and period_start between '${month(fromMonth)}' and '${month(toMonth)}'`;
  const before = `(grain = 'y' and period_start < '${yearStart}' or grain = 'm' and period_start >= '${yearStart}' and period_start < '${month(fromMonth)}')`;
  const upToEnd = wholeYear
    ? `grain = 'y' and period_start <= '${yearStart}'`
    : `(grain = 'y' and period_start < '${yearStart}' or grain = 'm' and period_start between '${yearStart}' and '${month(toMonth)}')`;
  const columns = IN_PERIOD;
  const { rows } = await pool.query<Record<string, string>>(
    `select field collate "C" as field,
       ${columns.map((c) => `sum(${c}) filter (where ${inPeriod}) as ${c}`).join(", ")},
       sum(received_online + received_direct + received_postal - finished_early - finished_on_time - finished_late)
         filter (where ${before}) as carried_over,
       sum(overdue_starts - overdue_ends) filter (where ${upToEnd}) as pending_overdue
     from ${SCHEMA}.report_counts
     where (${inPeriod} or ${before} or ${upToEnd})${unitId === null ? "" : " and receiving_unit_id = $1"}
     group by 1`,
    unitId === null ? [] : [unitId],
  );
  const n = (v: string | null | undefined) => Number(v ?? 0);
  return rows.map(
    (r) =>
      ({
        field: r.field,
        receivedOnline: n(r.received_online),
        receivedDirect: n(r.received_direct),
        receivedPostal: n(r.received_postal),
        receivedDigitized: n(r.received_digitized),
        finishedEarly: n(r.finished_early),
        finishedOnTime: n(r.finished_on_time),
        finishedLate: n(r.finished_late),
        finishedLate766: n(r.finished_late_766),
        resolutions: n(r.resolutions),
        resolutionWorkingMinutes: n(r.resolution_working_minutes),
        carriedOver: n(r.carried_over),
        pendingOverdue: n(r.pending_overdue),
        pendingLate766: 0,
      }) as FieldFigures,
  );
}

const totalOf = (figures: readonly FieldFigures[]): Report06aCounts =>
  figures
    .map(countsOf)
    .reduce(
      addCounts,
      Object.fromEntries(REPORT_06A_COUNT_KEYS.map((k) => [k, 0])) as unknown as Report06aCounts,
    );

/**
 * The 766's counts and progress figures of every unit for a whole year by plain aggregates: the months'
 * rows of `indicator766_counts` summed per unit, and the year buckets of `report_counts` summed per unit
 * — the numbers the 766 is scored from, without the per-procedure lists, the prefix-sum weights or the
 * scoring.
 */
async function floor766(pool: pg.Pool, year: number) {
  const [counts, progressRows] = await Promise.all([
    pool.query<{ unit: string; received: string; results: string }>(
      `select receiving_unit_id as unit, sum(received) as received, sum(received_online) as received_online,
         sum(received_digitized) as received_digitized, sum(received_reused) as received_reused, sum(synced) as synced,
         sum(results) as results, sum(e_results) as e_results, sum(fee_requests) as fee_requests,
         sum(fees_paid) as fees_paid, sum(fees_paid_online) as fees_paid_online,
         sum(fees_paid_national) as fees_paid_national
       from ${SCHEMA}.indicator766_counts
       where month between '${year}-01-01' and '${year}-12-01'
       group by 1`,
    ),
    pool.query<{ unit: string; finished: string; pending: string }>(
      `select receiving_unit_id as unit,
         sum(finished_early + finished_on_time + finished_late) filter (where period_start = '${year}-01-01') as finished,
         sum(finished_late_766) filter (where period_start = '${year}-01-01') as finished_late_766,
         sum(received_online + received_direct + received_postal - finished_early - finished_on_time - finished_late) as pending,
         sum(late766_starts - late766_ends) as pending_late_766,
         sum(resolutions) filter (where period_start = '${year}-01-01') as resolutions,
         sum(resolution_working_minutes) filter (where period_start = '${year}-01-01') as resolution_working_minutes
       from ${SCHEMA}.report_counts
       where grain = 'y' and period_start <= '${year}-01-01'
       group by 1`,
    ),
  ]);
  return { counts: counts.rows, progress: progressRows.rows };
}

// ── timing ─────────────────────────────────────────────────────────────────────────────────────────────

interface Timing {
  readonly p50: number;
  readonly p99: number;
  readonly perSecond: number;
  readonly postgresMs: number;
  readonly processMs: number;
}

/** Runs `run` 10 times to warm up, then ITERATIONS times one after another, timed and metered. */
async function measure(databaseUrl: string, label: string, run: () => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < 10; i++) await run();
  const times: number[] = [];
  const meter = await startCpuMeter({ databaseUrl });
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    if (i % 20 === 19) progress(`  ${label}`, i + 1, ITERATIONS, started);
  }
  const cost = await meter.stop();
  process.stdout.write("\r\x1b[2K");
  const summary = latencySummary(times);
  const timing = {
    p50: summary.p50,
    p99: summary.p99,
    perSecond: ITERATIONS / cost.seconds,
    postgresMs: cost.postgresMs / ITERATIONS,
    processMs: cost.processMs / ITERATIONS,
  };
  console.log(
    `  ${label.padEnd(40)} p50 ${timing.p50.toFixed(1).padStart(6)} ms   p99 ${timing.p99.toFixed(1).padStart(6)} ms   ${timing.perSecond.toFixed(0).padStart(5)}/s   CPU per run: Postgres ${timing.postgresMs.toFixed(2)} ms, process ${timing.processMs.toFixed(2)} ms`,
  );
  return timing;
}

const figuresOf = (key: string, t: Timing): Record<string, number> => ({
  [`${key}_p50_ms`]: t.p50,
  [`${key}_p99_ms`]: t.p99,
  [`${key}_per_s`]: t.perSecond,
  [`${key}_postgres_cpu_ms_per_report`]: t.postgresMs,
  [`${key}_process_cpu_ms_per_report`]: t.processMs,
});

function sameCounts(a: Report06aCounts, b: Report06aCounts): boolean {
  return (Object.keys(a) as (keyof Report06aCounts)[]).every((k) => a[k] === b[k]);
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
  const databaseUrl = url.toString();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  console.log(
    `${reuse ? "reusing" : "throw-away"} database ${name}; ${reuse ? "as kept" : `${DOSSIERS.toLocaleString("en")} dossiers`}; load average ${loadAverage()}`,
  );
  const figures: Record<string, number> = {};
  try {
    await migrateReadModels(db, SCHEMA);
    const { units, fields } = province();
    if (reuse === undefined) {
      const loader = await openLoader(databaseUrl);
      try {
        await generateDossiers(loader, units);
        await aggregate(loader);
      } finally {
        await loader.end();
      }
    }
    const sizes = await pool.query<{ t: string; n: string }>(
      `select 'dossiers' as t, count(*) as n from ${SCHEMA}.dossiers
       union all select 'report_counts', count(*) from ${SCHEMA}.report_counts
       union all select 'overdue_spans', count(*) from ${SCHEMA}.overdue_spans
       union all select 'indicator766_counts', count(*) from ${SCHEMA}.indicator766_counts`,
    );
    console.log(sizes.rows.map((r) => `${r.t}: ${Number(r.n).toLocaleString("en")} rows`).join(", "));
    figures.dossiers = Number(sizes.rows[0]?.n ?? 0);
    figures.report_counts_rows = Number(sizes.rows[1]?.n ?? 0);

    const provinceIds = units.map((u) => u.id);
    const commune = "unit-commune-7";
    const shapes: [string, string, { unitIds: string[]; from: string; to: string }][] = [
      ["r06a_year", "province, year 2025", { unitIds: provinceIds, from: "2025-01-01", to: "2025-12-31" }],
      ["r06a_quarter", "province, Q3 2025", { unitIds: provinceIds, from: "2025-07-01", to: "2025-09-30" }],
      [
        "r06a_jan_aug14",
        "province, 1 Jan – 14 Aug 2025",
        { unitIds: provinceIds, from: "2025-01-01", to: "2025-08-14" },
      ],
      [
        "r06a_mar15_sep10",
        "province, 15 Mar – 10 Sep 2025",
        { unitIds: provinceIds, from: "2025-03-15", to: "2025-09-10" },
      ],
      [
        "r06a_commune_year",
        "one commune, year 2025",
        { unitIds: [commune], from: "2025-01-01", to: "2025-12-31" },
      ],
    ];
    const floors: Record<string, [string, () => Promise<FieldFigures[]>]> = {
      r06a_year: ["floor: plain sum, year buckets", () => floor06a(pool, null, 2025, 1, 12)],
      r06a_quarter: ["floor: plain sum, month buckets", () => floor06a(pool, null, 2025, 7, 9)],
      r06a_commune_year: ["floor: plain sum, one unit's years", () => floor06a(pool, commune, 2025, 1, 12)],
    };
    const year = await report06a(
      db,
      SCHEMA,
      shapes[0]?.[2] as { unitIds: string[]; from: string; to: string },
    );
    console.log(
      `province 2025: received ${year.total.received.toLocaleString("en")}, resolved ${year.total.resolved.toLocaleString("en")} (early ${year.total.resolvedEarly.toLocaleString("en")}, on time ${year.total.resolvedOnTime.toLocaleString("en")}, late ${year.total.resolvedLate.toLocaleString("en")}), pending ${year.total.pending.toLocaleString("en")} (overdue ${year.total.pendingOverdue.toLocaleString("en")}), ${year.rows.length} fields`,
    );
    for (const [key, , query] of shapes) {
      const floor = floors[key];
      if (floor === undefined) continue;
      const [report, plain] = await Promise.all([report06a(db, SCHEMA, query), floor[1]()]);
      if (!sameCounts(report.total, totalOf(plain)))
        console.log(
          `  WARNING: the floor of ${key} gives other numbers than the 06a: ${JSON.stringify(totalOf(plain))}`,
        );
    }
    console.log(
      `\nreport06a, ${ITERATIONS} runs each after 10 warm-up runs (load average ${loadAverage()}):`,
    );
    for (const [key, label, query] of shapes) {
      const timing = await measure(databaseUrl, label, () => report06a(db, SCHEMA, query));
      Object.assign(figures, figuresOf(key, timing));
      const floor = floors[key];
      if (floor === undefined) continue;
      const floorTiming = await measure(databaseUrl, `  ${floor[0]}`, floor[1]);
      Object.assign(figures, figuresOf(`${key}_floor`, floorTiming));
      figures[`${key}_floor_ratio`] = timing.p50 / floorTiming.p50;
      figures[`${key}_floor_cpu_ratio`] =
        (timing.postgresMs + timing.processMs) / (floorTiming.postgresMs + floorTiming.processMs);
      console.log(
        `  ${"  ⇒ 06a ÷ floor".padEnd(40)} ${(timing.p50 / floorTiming.p50).toFixed(2)}× at p50, ${figures[`${key}_floor_cpu_ratio`]?.toFixed(2)}× in CPU`,
      );
    }

    await bench766(databaseUrl, pool, db, provinceIds, fields, figures);
    figures.process_resident_mib = residentMiB();
    console.log(
      `\nthis process's resident memory: ${figures.process_resident_mib.toFixed(0)} MiB; load average ${loadAverage()}`,
    );
    recordBenchResult("report", figures, { dossiers: String(figures.dossiers) });
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
 * The 766 of every unit of the province for a year and a quarter, a ranking, the province with its
 * subunits and one commune's month, timed; and the year of every unit against its floor.
 */
async function bench766(
  databaseUrl: string,
  pool: pg.Pool,
  db: Kysely<ReadModelDatabase>,
  unitIds: readonly string[],
  fields: readonly string[],
  figures: Record<string, number>,
) {
  const filled = await pool.query<{ n: string }>(`select count(*) as n from ${SCHEMA}.indicator766_counts`);
  if (Number(filled.rows[0]?.n ?? 0) === 0) {
    const loader = await openLoader(databaseUrl);
    try {
      await fill766(loader);
      await loader.query(`vacuum analyze ${SCHEMA}.indicator766_counts`);
    } finally {
      await loader.end();
    }
  }
  const procedures = { applicable: [...fields], offeredOnline: fields.slice(0, 20) };
  const everyUnit: Scope766[] = unitIds.map((id) => ({ key: id, unitIds: [id], procedures }));
  const province: Scope766[] = [{ key: "province", unitIds, procedures }];
  const now = new Date("2026-01-15T09:00:00+07:00");
  const shapes: [string, string, () => Promise<unknown>][] = [
    [
      "i766_every_unit_year",
      `every unit (${unitIds.length}), year 2025`,
      () => indicators766(db, SCHEMA, everyUnit, { from: "2025-01-01", to: "2025-12-31", now }),
    ],
    [
      "i766_ranking_quarters",
      `ranking: ${unitIds.length} units, Q3 and Q2`,
      () =>
        Promise.all([
          indicators766(db, SCHEMA, everyUnit, { from: "2025-07-01", to: "2025-09-30", now }),
          indicators766(db, SCHEMA, everyUnit, { from: "2025-04-01", to: "2025-06-30", now }),
        ]),
    ],
    [
      "i766_ranking_years",
      `ranking: ${unitIds.length} units, 2025 and 2024`,
      () =>
        Promise.all([
          indicators766(db, SCHEMA, everyUnit, { from: "2025-01-01", to: "2025-12-31", now }),
          indicators766(db, SCHEMA, everyUnit, { from: "2024-01-01", to: "2024-12-31", now }),
        ]),
    ],
    [
      "i766_province_year",
      "province with subunits, year 2025",
      () => indicators766(db, SCHEMA, province, { from: "2025-01-01", to: "2025-12-31", now }),
    ],
    [
      "i766_commune_month",
      "one commune, month",
      () =>
        indicators766(db, SCHEMA, [everyUnit[30] as Scope766], { from: "2025-06-01", to: "2025-06-30", now }),
    ],
  ];
  const sample = (
    await indicators766(db, SCHEMA, province, { from: "2025-01-01", to: "2025-12-31", now })
  ).get("province");
  console.log(
    `\nprovince 2025, 766: total ${sample?.totalScore} (${Object.entries(sample?.groupScores ?? {})
      .map(([g, v]) => `${g} ${v}`)
      .join(", ")})`,
  );
  // The floor's numbers are the 766's inputs: check them against the 766's own reads, unit by unit.
  const [plain, counts, progressFigures] = await Promise.all([
    floor766(pool, 2025),
    indicator766Counts(db, SCHEMA, unitIds, "2025-01-01", "2025-12-01"),
    progress766ByUnit(db, SCHEMA, unitIds, parsePeriod("2025-01-01", "2025-12-31")),
  ]);
  const receivedOf = new Map(plain.counts.map((r) => [r.unit, Number(r.received)]));
  const finishedOf = new Map(plain.progress.map((r) => [r.unit, [Number(r.finished), Number(r.pending)]]));
  const differing =
    counts.filter((c) => receivedOf.get(c.unitId) !== c.sums.received).length +
    progressFigures.filter((p) => {
      const [finished, pending] = finishedOf.get(p.unitId) ?? [];
      return finished !== p.finished || pending !== p.pending;
    }).length;
  if (differing > 0)
    console.log(`  WARNING: the 766 floor differs from the 766's reads for ${differing} units`);

  console.log(`\n766, ${ITERATIONS} runs each after 10 warm-up runs (load average ${loadAverage()}):`);
  for (const [key, label, run] of shapes) {
    const timing = await measure(databaseUrl, label, run);
    Object.assign(figures, figuresOf(key, timing));
    if (key !== "i766_every_unit_year") continue;
    const floorTiming = await measure(databaseUrl, "  floor: plain sums per unit, year", () =>
      floor766(pool, 2025),
    );
    Object.assign(figures, figuresOf(`${key}_floor`, floorTiming));
    figures[`${key}_floor_ratio`] = timing.p50 / floorTiming.p50;
    figures[`${key}_floor_cpu_ratio`] =
      (timing.postgresMs + timing.processMs) / (floorTiming.postgresMs + floorTiming.processMs);
    console.log(
      `  ${"  ⇒ 766 ÷ floor".padEnd(40)} ${(timing.p50 / floorTiming.p50).toFixed(2)}× at p50, ${figures[`${key}_floor_cpu_ratio`]?.toFixed(2)}× in CPU`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
