import type { ApiClient } from "./driver";
import { Random } from "./random";

interface OpenDossier {
  dossierId: string;
  status: string;
  revision: number;
}

/**
 * Keeps a province alive after its history is loaded: new dossiers arrive at a gentle pace through
 * `POST /dossiers`, and open ones move on (resolve, return, a supplement now and then) through the live
 * commands officers use. Stops when asked.
 */
export function startLiveArrivals(
  client: ApiClient,
  options: {
    readonly perMinute: number;
    readonly units: readonly { unitId: string; level: string }[];
    readonly procedures: readonly { procedureId: string; level: string; onlineService: string }[];
    readonly seed?: number;
    readonly onError?: (error: unknown) => void;
  },
): { stop(): Promise<void> } {
  const random = new Random(options.seed ?? Date.now());
  const open: OpenDossier[] = [];
  const communes = options.units.filter((u) => u.level === "commune");
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const unit = random.pick(communes.length > 0 ? communes : options.units);
    const procedures = options.procedures.filter((p) => p.level === unit.level);
    const procedure = random.pick(procedures.length > 0 ? procedures : options.procedures);
    const online = procedure.onlineService !== "none" && random.chance(0.5);
    const received = await client.request<{ dossierId: string; status: string; revision: number }>(
      "POST",
      "/dossiers",
      {
        procedureId: procedure.procedureId,
        unitId: unit.unitId,
        channel: online ? "online" : "direct",
        applicant: {
          name: "Công dân (mô phỏng)",
          idNumber: `0${String(random.int(10_000_000_000, 99_999_999_999))}`,
        },
        documents: [{ name: "Tờ khai", digitized: true }],
      },
    );
    if (received.status === 201) open.push(received.body);
    // Move one open dossier along, as an officer would.
    const index = random.int(0, Math.max(0, open.length - 1));
    const dossier = open[index];
    if (!dossier || open.length < 3) return;
    const step =
      dossier.status === "resolved"
        ? { path: "return", body: { method: "counter" } }
        : dossier.status === "awaiting_supplement"
          ? { path: "supplement-received", body: {} }
          : random.chance(0.1)
            ? { path: "supplement-request", body: { reason: "Bổ sung giấy tờ còn thiếu" } }
            : { path: "resolve", body: { outcome: "approved" } };
    const r = await client.request<{ status: string; revision: number }>(
      "POST",
      `/dossiers/${dossier.dossierId}/${step.path}`,
      step.body,
    );
    if (r.status === 200) {
      dossier.status = r.body.status;
      dossier.revision = r.body.revision;
    }
    if (r.status !== 200 || dossier.status === "returned") open.splice(index, 1);
  };

  const interval = 60_000 / Math.max(0.01, options.perMinute);
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(tick).catch((error: unknown) => options.onError?.(error));
  }, interval);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
