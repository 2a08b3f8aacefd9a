import { listOutbox } from "@motcua/notifications";
import type { Clock } from "@motcua/platform";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { holdRebuildLock } from "./coordination";
import { readCheckpoint } from "./database";
import { deadlineJobId } from "./deadlines/jobs";
import { createHarness, type Harness } from "./test-support/harness";

const RECEIVED = "2025-03-12T10:00:00+07:00";
/** Five working days after Wednesday 12 March 2025, 10:00. */
const DUE = "2025-03-19T10:00:00+07:00";
const DUE_MS = Date.parse(DUE);

let h: Harness;
beforeEach(async () => {
  h = await createHarness("watcher", RECEIVED);
});
afterEach(async () => {
  await h.dispose();
});

const overdueEvents = (dossierId: string) => h.events(dossierId, "DossierBecameOverdue");

describe("the deadline watcher", () => {
  it("records a dossier due at 10:00 as overdue at 10:00, exactly once, across restarts at 09:59 and 10:01 with Redis flushed in between", async () => {
    const first = await h.scheduler();
    await first.whenReady();
    const { dossierId, dueAt } = await h.receive();
    expect(Date.parse(dueAt)).toBe(DUE_MS);
    await first.catchUp();
    const job = await first.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, DUE_MS));
    expect(await job?.isDelayed()).toBe(true);

    h.clock.set("2025-03-19T09:59:00+07:00");
    await first.sweep();
    expect(await overdueEvents(dossierId)).toHaveLength(0);
    await first.stop();
    await h.flushRedis();

    const second = await h.scheduler();
    await second.whenReady();
    await second.catchUp();
    // Redis lost the job; the restart scheduled it again from the deadlines table.
    expect(await second.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, DUE_MS))).toBeDefined();
    h.clock.set("2025-03-19T09:59:59.999+07:00");
    expect((await second.sweep()).overdue).toBe(0);
    expect(await overdueEvents(dossierId)).toHaveLength(0);

    h.clock.set(DUE);
    expect((await second.sweep()).overdue).toBe(1);
    await second.stop();
    await h.flushRedis();

    h.clock.set("2025-03-19T10:01:00+07:00");
    const third = await h.scheduler();
    await third.whenReady();
    await third.catchUp();
    expect((await third.sweep()).overdue).toBe(0);

    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
    expect(Date.parse(String(events[0]?.data.dueAt))).toBe(DUE_MS);
    expect(events[0]?.data.holdingUnitId).toBe("ca");
    const notices = await listOutbox(h.db, { dossierId, kind: "overdue" });
    expect(notices).toHaveLength(1);
  });

  it("catches up after downtime: a scheduler down from 09:59 to 10:01 records the overdue event at 10:00, not at wake-up", async () => {
    const first = await h.scheduler();
    await first.whenReady();
    const { dossierId } = await h.receive();
    await first.catchUp();
    h.clock.set("2025-03-19T09:59:00+07:00");
    await first.stop();
    await h.flushRedis();

    h.clock.set("2025-03-19T10:01:00+07:00");
    const second = await h.scheduler();
    await second.whenReady();
    await second.catchUp();
    await second.sweep();
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
  });

  it("is ready only after its start-up sweep: a deadline passed while it was down is recorded by then, so later sweeps are the caller's", async () => {
    const { dossierId } = await h.receive();
    h.clock.set("2025-03-19T10:30:00+07:00");
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    // No sweep of the test's own: the scheduler's start-up sweep recorded it.
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
    expect((await scheduler.sweep()).overdue).toBe(0);
  });

  it("fires a real BullMQ delayed job at dueAt on a running clock, without any sweep", async () => {
    const { dossierId } = await h.receive();
    // The clock stands 1.5 s before the deadline while the scheduler starts and schedules the job (however
    // long that takes on a loaded machine); then it runs in real time, set so that it reads the due moment
    // exactly when BullMQ is due to fire the job (its creation time + its delay, both in Redis's terms).
    let offset: number | null = null;
    const running: Clock = { now: () => new Date(offset === null ? DUE_MS - 1_500 : Date.now() + offset) };
    const scheduler = await h.scheduler({ clock: running, sweepIntervalMs: 3_600_000 });
    await scheduler.whenActive();
    await scheduler.catchUp();
    const job = await scheduler.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, DUE_MS));
    expect(job?.delay).toBe(1_500);
    offset = DUE_MS - ((job?.timestamp ?? 0) + (job?.delay ?? 0));
    expect(await job?.isDelayed()).toBe(true);
    expect(await overdueEvents(dossierId)).toHaveLength(0);

    const deadline = Date.now() + 10_000;
    while ((await overdueEvents(dossierId)).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
    const firings = await scheduler.metrics.firings.get();
    const byJob = firings.values.find(
      (v) => v.labels.kind === "overdue" && v.labels.source === "job" && v.labels.outcome === "recorded",
    );
    expect(byJob?.value).toBe(1);
    const lateness = await scheduler.metrics.overdueLateness.get();
    const sum = lateness.values.find((v) => v.metricName === "motcua_overdue_detection_lateness_seconds_sum");
    expect(sum?.value).toBeLessThan(2);
  });

  it("never marks a dossier resolved before its deadline as overdue, and cancels its job", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    await scheduler.catchUp();
    h.clock.set("2025-03-17T09:00:00+07:00");
    await h.act(dossierId, { type: "ResolveDossier", data: { outcome: "approved" } });
    await scheduler.catchUp();
    expect(await scheduler.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, DUE_MS))).toBeUndefined();

    h.clock.set("2025-03-20T10:00:00+07:00");
    await scheduler.sweep();
    expect(await overdueEvents(dossierId)).toHaveLength(0);
    expect(await listOutbox(h.db, { dossierId, kind: "result_ready" })).toHaveLength(1);
  });

  it("still records the overdue event after an apology, which does not move the legal deadline", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    h.clock.set("2025-03-18T15:00:00+07:00");
    await h.act(dossierId, {
      type: "IssueApology",
      data: { reason: "Cần thêm thời gian thẩm định hiện trường", promisedAt: "2025-03-21T10:00:00+07:00" },
    });
    await scheduler.catchUp();
    h.clock.set(DUE);
    expect((await scheduler.sweep()).overdue).toBe(1);
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
    expect(await listOutbox(h.db, { dossierId, kind: "apology" })).toHaveLength(1);
  });

  it("cancels the deadline on a supplement request, and a supplement received under `restart` sets a new one", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const { dossierId } = await h.receive("permit");
    await scheduler.catchUp();
    h.clock.set("2025-03-14T09:00:00+07:00");
    await h.act(dossierId, { type: "RequestSupplement", data: { reason: "Thiếu bản vẽ thiết kế" } });
    await scheduler.catchUp();
    expect(await scheduler.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, DUE_MS))).toBeUndefined();

    h.clock.set("2025-03-20T09:00:00+07:00");
    await scheduler.sweep();
    expect(await overdueEvents(dossierId)).toHaveLength(0);

    await h.act(dossierId, { type: "ReceiveSupplement", data: {} });
    await scheduler.catchUp();
    const received = await h.events(dossierId, "SupplementReceived");
    const newDue = Date.parse(String(received[0]?.data.dueAt));
    // restart: the full five working days again, from the supplement's receipt.
    expect(newDue).toBe(Date.parse("2025-03-27T09:00:00+07:00"));
    const job = await scheduler.deadlineQueue.getJob(deadlineJobId("overdue", dossierId, newDue));
    expect(await job?.isDelayed()).toBe(true);

    h.clock.set("2025-03-27T08:59:59+07:00");
    expect((await scheduler.sweep()).overdue).toBe(0);
    h.clock.set("2025-03-27T09:00:00+07:00");
    expect((await scheduler.sweep()).overdue).toBe(1);
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(newDue);
    expect(await listOutbox(h.db, { dossierId, kind: "supplement_request" })).toHaveLength(1);
  });

  it("lets a waiting read-model rebuild in, does nothing while it runs, and catches up once it ends", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const before = await scheduler.catchUp();
    // Resolves only once the scheduler has paused and released its shared hold on the key.
    const rebuild = await holdRebuildLock(h.db);
    let dossierId: string;
    try {
      expect(scheduler.state.pausedForRebuild).toBe(true);
      ({ dossierId } = await h.receive());
      expect(await scheduler.catchUp()).toBe(before);
      expect(await readCheckpoint(h.db)).toBe(before);
      h.clock.set("2025-03-19T10:30:00+07:00");
      expect((await scheduler.sweep()).paused).toBe(true);
      expect(scheduler.state.pausedForRebuild).toBe(true);
    } finally {
      await rebuild.release();
    }
    const until = Date.now() + 5_000;
    while (scheduler.state.pausedForRebuild && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(scheduler.state.pausedForRebuild).toBe(false);
    expect(await scheduler.catchUp()).toBeGreaterThan(before);
    await scheduler.sweep(); // the scheduler's own sweep after resuming may have done it already
    const events = await overdueEvents(dossierId);
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
  });

  it("keeps a second scheduler on standby while the first is active, and hands over when the first stops", async () => {
    const first = await h.scheduler();
    await first.whenActive();
    const second = await h.scheduler();
    // Until its first try for the lock has answered (a fixed wait was too short on a loaded machine).
    while (second.state.role === "starting") await new Promise((resolve) => setTimeout(resolve, 10));
    expect(first.state.role).toBe("active");
    expect(second.state.role).toBe("standby");
    await expect(second.sweep()).rejects.toThrow(/not the deployment's active one/);
    await first.stop();
    await second.whenActive();
    expect(second.state.role).toBe("active");
  });
});
