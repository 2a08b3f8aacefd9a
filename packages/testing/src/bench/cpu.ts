import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Where the CPU went during a benchmark window, from Linux's /proc: the whole machine (/proc/stat) and
 * chosen processes (/proc/<pid>/stat). Figures are in cores (2.0 = both cores of a 2-core machine busy).
 * On a machine without /proc every figure is NaN and the report prints "–".
 */

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuSnapshot {
  readonly at: number;
  /** Machine-wide ticks: busy (everything but idle and iowait) and total. */
  readonly busy: number;
  readonly total: number;
  /** utime + stime per pid, for the pids that could be read. */
  readonly processes: ReadonlyMap<number, number>;
  /** Pressure stall information: microseconds in which some task waited on I/O (NaN without PSI). */
  readonly ioStallMicros: number;
}

function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}

function processTicks(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis are fixed.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15 of the line
  } catch {
    return undefined;
  }
}

/** Microseconds in which some task of the machine waited on the disk, since boot (Linux PSI; NaN without it). */
export function ioStallMicros(): number {
  try {
    const some = readFileSync("/proc/pressure/io", "utf8").match(/^some .*total=(\d+)/m);
    return some ? Number(some[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function cpuSnapshot(pids: Iterable<number>): CpuSnapshot {
  const processes = new Map<number, number>();
  for (const pid of pids) {
    const ticks = processTicks(pid);
    if (ticks !== undefined) processes.set(pid, ticks);
  }
  return { at: performance.now(), ...machineTicks(), processes, ioStallMicros: ioStallMicros() };
}

export interface CpuUse {
  /** Cores busy machine-wide. */
  readonly machine: number;
  /** Share of the time (0–1) in which some task was stalled waiting for the disk. */
  readonly ioStall: number;
  /** Cores used by each group of processes. */
  readonly groups: Record<string, number>;
}

/** Cores used between two snapshots by the machine and by each group of pids. */
export function coresBetween(
  start: CpuSnapshot,
  end: CpuSnapshot,
  groups: Record<string, readonly number[]>,
): CpuUse {
  const seconds = (end.at - start.at) / 1000;
  const machine = ((end.busy - start.busy) / (end.total - start.total)) * availableParallelism();
  const result: Record<string, number> = {};
  for (const [name, pids] of Object.entries(groups)) {
    let ticks = 0;
    for (const pid of pids) {
      const after = end.processes.get(pid);
      // A process born inside the window spent all its ticks there; one that died is lost (undercount).
      if (after !== undefined) ticks += after - (start.processes.get(pid) ?? 0);
    }
    result[name] = ticks / TICKS_PER_SECOND / seconds;
  }
  const ioStall = (end.ioStallMicros - start.ioStallMicros) / 1000 / (end.at - start.at);
  return { machine, ioStall, groups: result };
}

/** Cores busy machine-wide over a short sample: how quiet the machine was before the runs. */
export async function machineBusyCores(sampleMs = 1000): Promise<number> {
  const start = cpuSnapshot([]);
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  return coresBetween(start, cpuSnapshot([]), {}).machine;
}

/** Resident memory of a process in MiB (VmRSS from /proc), or NaN when it cannot be read. */
export function residentMiB(pid: number = process.pid): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
