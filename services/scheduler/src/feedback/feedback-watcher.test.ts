import { randomUUID } from "node:crypto";
import { handleFeedbackCommand, PUBLIC_SENDER, submitFeedback } from "@motcua/commands";
import { feedbackStreamId } from "@motcua/domain";
import type { RecordedEvent } from "@motcua/event-store";
import type { Clock } from "@motcua/platform";
import { waitFor } from "@motcua/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../test-support/harness";
import { feedbackOverdueJobId } from "./feedback-watcher";

const SENT = "2025-03-12T10:00:00+07:00";
/** Ten working days after Wednesday 12 March 2025, 10:00. */
const DUE = "2025-03-26T10:00:00+07:00";
const DUE_MS = Date.parse(DUE);

let h: Harness;
beforeEach(async () => {
  h = await createHarness("feedback_watch", SENT);
});
afterEach(async () => {
  await h.dispose();
});

async function sendFeedback(): Promise<string> {
  const outcome = await submitFeedback(
    h.service.deps,
    {
      about: { unitId: "ca", procedureId: null, dossierCode: null },
      content: "Chậm trả kết quả.",
      contact: "0901234567",
    },
    { actor: PUBLIC_SENDER, commandId: randomUUID(), correlationId: randomUUID() },
    { handlingWorkingDays: 10, holderOfDossier: async () => null },
  );
  if (!outcome.ok) throw new Error(outcome.refusal.code);
  expect(outcome.answer.dueAt).toBe("2025-03-26T10:00:00.000+07:00");
  return outcome.answer.feedbackId;
}

async function feedbackEvents(feedbackId: string, type: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of h.store.readStream(feedbackStreamId(feedbackId))) if (e.type === type) out.push(e);
  return out;
}

describe("the deadline watcher for feedback", () => {
  it("marks a feedback due at 10:00 overdue at 10:00, exactly once, across restarts with Redis flushed in between", async () => {
    const first = await h.scheduler();
    await first.whenReady();
    const feedbackId = await sendFeedback();
    await first.catchUp();
    const job = await first.deadlineQueue.getJob(feedbackOverdueJobId(feedbackId, DUE_MS));
    expect(await job?.isDelayed()).toBe(true);

    h.clock.set("2025-03-26T09:59:59.999+07:00");
    await first.sweep();
    expect(await feedbackEvents(feedbackId, "FeedbackBecameOverdue")).toHaveLength(0);
    await first.stop();
    await h.flushRedis();

    h.clock.set(DUE);
    const second = await h.scheduler();
    await second.whenReady();
    await second.catchUp();
    expect((await second.sweep()).overdue).toBe(0);
    await second.stop();

    h.clock.set("2025-03-27T08:00:00+07:00");
    const third = await h.scheduler();
    await third.whenReady();
    await third.catchUp();
    expect((await third.sweep()).overdue).toBe(0);
    await third.stop();

    const events = await feedbackEvents(feedbackId, "FeedbackBecameOverdue");
    expect(events).toHaveLength(1);
    expect(Date.parse(String(events[0]?.data.at))).toBe(DUE_MS);
    expect(events[0]?.data.unitId).toBe("ca");
    expect(events[0]?.metadata.actor.role).toBe("system");
  });

  it("fires its BullMQ delayed job at the due moment on a running clock, without any sweep", async () => {
    const feedbackId = await sendFeedback();
    // The clock stands 1.5 s before the due moment while the job is scheduled, then runs in real time so
    // that it reads the due moment when BullMQ is due to fire the job.
    let offset: number | null = null;
    const running: Clock = { now: () => new Date(offset === null ? DUE_MS - 1_500 : Date.now() + offset) };
    const scheduler = await h.scheduler({ clock: running, sweepIntervalMs: 3_600_000 });
    await scheduler.whenActive();
    await scheduler.catchUp();
    const job = await scheduler.deadlineQueue.getJob(feedbackOverdueJobId(feedbackId, DUE_MS));
    expect(job?.delay).toBe(1_500);
    offset = DUE_MS - ((job?.timestamp ?? 0) + (job?.delay ?? 0));
    await waitFor(
      "the overdue event",
      async () => (await feedbackEvents(feedbackId, "FeedbackBecameOverdue")).length > 0,
      10_000,
    );
    const firings = await scheduler.metrics.firings.get();
    const byJob = firings.values.find(
      (v) =>
        v.labels.kind === "feedback-overdue" && v.labels.source === "job" && v.labels.outcome === "recorded",
    );
    expect(byJob?.value).toBe(1);
    expect(await feedbackEvents(feedbackId, "FeedbackBecameOverdue")).toHaveLength(1);
  });

  it("a feedback answered in time is never marked overdue, and its job is gone", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const feedbackId = await sendFeedback();
    await scheduler.catchUp();
    h.clock.set("2025-03-20T10:00:00+07:00");
    const answered = await handleFeedbackCommand(
      h.service.deps,
      feedbackId,
      { type: "AnswerFeedback", data: { answer: "Đã xử lý.", publish: true } },
      {
        actor: { id: "officer-ca", role: "officer", unitId: "ca" },
        commandId: randomUUID(),
        correlationId: randomUUID(),
      },
    );
    expect(answered.ok).toBe(true);
    await scheduler.catchUp();
    expect(await scheduler.deadlineQueue.getJob(feedbackOverdueJobId(feedbackId, DUE_MS))).toBeUndefined();
    h.clock.set("2025-03-27T10:00:00+07:00");
    expect((await scheduler.sweep()).overdue).toBe(0);
    expect(await feedbackEvents(feedbackId, "FeedbackBecameOverdue")).toHaveLength(0);
  });

  it("its job never carries the sender's words or contact", async () => {
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const feedbackId = await sendFeedback();
    await scheduler.catchUp();
    const job = await scheduler.deadlineQueue.getJob(feedbackOverdueJobId(feedbackId, DUE_MS));
    expect(job?.data).toEqual({ dossierId: feedbackId, dueAtMs: DUE_MS });
    expect(JSON.stringify(job?.data)).not.toContain("0901234567");
  });
});
