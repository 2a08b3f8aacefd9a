import type { ProcedureVersion } from "@motcua/domain";
import type { ApiClient } from "./driver";
import { provinceShape, type SimulationUnit } from "./plan";
import { Random } from "./random";

type LiveProcedure = Pick<ProcedureVersion, "procedureId" | "level" | "onlineService"> &
  Partial<Pick<ProcedureVersion, "interLevel" | "interLevels" | "receivableAt">>;

interface OpenDossier {
  dossierId: string;
  status: string;
  channel: "direct" | "online" | "postal";
  /** The legal due moment, as the last answer gave it. */
  dueAt: string | null;
  /** Units still to transfer to (inter-level procedures). */
  chain: SimulationUnit[];
}

export interface LiveStats {
  /** Dossiers received through `POST /dossiers`. */
  readonly arrivals: number;
  /** Successful commands of any kind, arrivals included. */
  readonly commands: number;
  /** Refused or failed requests. */
  readonly errors: number;
  /** Arrivals owed while `concurrency` arrivals were still in flight: the system was behind the pace. */
  readonly skipped: number;
  /** Dossiers received live and not yet returned or closed. */
  readonly open: number;
}

const MAX_OPEN = 2_000;

/**
 * Keeps a province alive after its history is loaded: new dossiers arrive at `perMinute` through
 * `POST /dossiers` (the same receiving levels and popularity of procedures as the history), and open ones
 * move on as officers would move them through the live command routes — inter-level transfers, a
 * supplement now and then, an apology, resolve, return. At most `concurrency` arrivals are in flight; an
 * arrival owed beyond that is skipped and counted. Stops when asked, after what is in flight.
 */
export function startLiveArrivals(
  client: ApiClient,
  options: {
    readonly perMinute: number;
    readonly units: readonly SimulationUnit[];
    readonly procedures: readonly LiveProcedure[];
    readonly seed?: number;
    readonly concurrency?: number;
    /** Dossiers already open (the history's backlog), which officers move on too. */
    readonly open?: readonly {
      dossierId: string;
      status: string;
      channel: OpenDossier["channel"];
      dueAt?: string | null;
    }[];
    readonly onError?: (error: unknown) => void;
  },
): { stop(): Promise<void>; stats(): LiveStats } {
  const random = new Random(options.seed ?? Date.now());
  const shape = provinceShape(
    options.units,
    options.procedures.map((p) => ({
      ...p,
      interLevel: p.interLevel ?? false,
      interLevels: p.interLevels ?? [],
    })),
  );
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const open: OpenDossier[] = (options.open ?? [])
    .slice(-MAX_OPEN)
    .map((d) => ({ dueAt: null, ...d, chain: [] }));
  const inFlight = new Set<Promise<void>>();
  let arrivals = 0;
  let commands = 0;
  let errors = 0;
  let skipped = 0;
  let owed = 0;
  let stopped = false;

  const send = async <T>(path: string, body: unknown): Promise<{ status: number; body: T } | null> => {
    try {
      const r = await client.request<T>("POST", path, body);
      if (r.status === 200 || r.status === 201) commands++;
      else errors++;
      return r;
    } catch (error) {
      errors++;
      options.onError?.(error);
      return null;
    }
  };

  const arrive = async () => {
    const { unit, procedure } = shape.pickArrival(random);
    const online =
      procedure.onlineService !== "none" && random.chance(procedure.onlineService === "full" ? 0.65 : 0.35);
    const channel = online ? "online" : random.chance(0.08) ? "postal" : "direct";
    const received = await send<{ dossierId: string; status: string; dueAt: string | null }>("/dossiers", {
      procedureId: procedure.procedureId,
      unitId: unit.unitId,
      channel,
      applicant: {
        name: "Công dân (mô phỏng)",
        idNumber: `0${String(random.int(10_000_000_000, 99_999_999_999))}`,
      },
      documents: [{ name: "Tờ khai", digitized: online || random.chance(0.85) }],
    });
    if (received?.status === 201) {
      arrivals++;
      open.push({
        dossierId: received.body.dossierId,
        status: received.body.status,
        dueAt: received.body.dueAt,
        channel,
        chain: shape.transferChain(random, unit, procedure),
      });
      if (open.length > MAX_OPEN) open.shift();
    }
    // Officers move about as many steps as arrive: a life is receive, transfers, resolve, return.
    const moves = open.length < 3 ? 0 : 2 + (random.chance(0.5) ? 1 : 0);
    for (let m = 0; m < moves && !stopped; m++) await move();
  };

  /** What an officer does next with an open dossier. */
  const nextStep = (dossier: OpenDossier): { path: string; body: Record<string, unknown> } => {
    if (dossier.status === "resolved") {
      const method = dossier.channel === "direct" ? "counter" : dossier.channel;
      return { path: "return", body: { method } };
    }
    if (dossier.status === "awaiting_supplement") return { path: "supplement-received", body: {} };
    if (dossier.status === "awaiting_payment") return { path: "fee-paid", body: {} };
    const next = dossier.chain[0];
    if (next) return { path: "transfer", body: { toUnitId: next.unitId, reason: "Chuyển hồ sơ liên thông" } };
    const roll = random.next();
    if (roll < 0.01) return { path: "withdraw", body: { reason: "Công dân xin rút hồ sơ" } };
    if (roll < 0.09)
      return { path: "supplement-request", body: { reason: "Đề nghị bổ sung giấy tờ còn thiếu (Mẫu 02)" } };
    if (roll < 0.11) {
      // A new appointment after the legal due moment, on a weekday morning (the decider refuses others).
      const promisedAt = weekdayMorningAfter(Math.max(Date.now(), Date.parse(dossier.dueAt ?? "") || 0));
      return { path: "apology", body: { reason: "Hồ sơ cần xin ý kiến cơ quan liên quan", promisedAt } };
    }
    return { path: "resolve", body: { outcome: random.chance(0.97) ? "approved" : "rejected" } };
  };

  /** Moves one open dossier a step; it is taken out of the list meanwhile so no two moves race. */
  const move = async () => {
    if (open.length === 0) return;
    const [dossier] = open.splice(random.int(0, open.length - 1), 1) as [OpenDossier];
    const step = nextStep(dossier);
    const r = await send<{ status: string; dueAt: string | null }>(
      `/dossiers/${dossier.dossierId}/${step.path}`,
      step.body,
    );
    if (r?.status !== 200) return; // refused: an officer would look at it; the simulation lets it go
    dossier.status = r.body.status;
    dossier.dueAt = r.body.dueAt;
    if (step.path === "transfer") dossier.chain.shift();
    if (!["returned", "withdrawn", "stopped"].includes(dossier.status)) open.push(dossier);
  };

  const perMs = Math.max(0, options.perMinute) / 60_000;
  const started = Date.now();
  // Ticks often enough for the pace (at most a second apart); each starts the arrivals owed by then.
  const period = perMs > 0 ? Math.min(1_000, Math.max(20, Math.floor(1 / perMs))) : 1_000;
  const timer = setInterval(() => {
    if (stopped) return;
    const due = Math.floor((Date.now() - started) * perMs);
    while (owed < due) {
      owed++;
      if (inFlight.size >= concurrency) {
        skipped++;
        continue;
      }
      const task: Promise<void> = arrive()
        .catch((error: unknown) => {
          errors++;
          options.onError?.(error);
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }, period);

  return {
    stats: () => ({ arrivals, commands, errors, skipped, open: open.length }),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}

/** 09:00 (UTC+7) on the second weekday after `ms`: inside office hours unless that day is a holiday. */
function weekdayMorningAfter(ms: number): string {
  const local = new Date(ms + 7 * 3_600_000);
  let weekdays = 0;
  while (weekdays < 2) {
    local.setUTCDate(local.getUTCDate() + 1);
    if (local.getUTCDay() !== 0 && local.getUTCDay() !== 6) weekdays++;
  }
  return `${local.toISOString().slice(0, 10)}T09:00:00+07:00`;
}
