import { Writable } from "node:stream";
import {
  createRecordingChannel,
  listOutbox,
  type NotificationChannel,
  type OutgoingNotification,
} from "@motcua/notifications";
import { createLogger } from "@motcua/platform";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPLICANT, createHarness, type Harness } from "./test-support/harness";

const RECEIVED = "2025-03-12T10:00:00+07:00";
const DUE = "2025-03-19T10:00:00+07:00";

let h: Harness;
beforeEach(async () => {
  h = await createHarness("notify", RECEIVED);
});
afterEach(async () => {
  await h.dispose();
});

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const counter = async (
  metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  labels: Record<string, string>,
) =>
  (await metric.get()).values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);

async function dumpRedis(h: Harness): Promise<string> {
  const dump: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await h.redis.scan(cursor, "MATCH", `${h.testRedis.prefix}*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = await h.redis.type(key);
      dump.push(key);
      if (type === "hash") dump.push(JSON.stringify(await h.redis.hgetall(key)));
      else if (type === "string") dump.push(String(await h.redis.get(key)));
      else if (type === "list") dump.push(JSON.stringify(await h.redis.lrange(key, "0", "-1")));
      else if (type === "zset") dump.push(JSON.stringify(await h.redis.zrange(key, "0", "-1")));
    }
  } while (cursor !== "0");
  return dump.join("\n");
}

describe("notifications", () => {
  it("records a due-soon warning, a due-today reminder and an overdue notice exactly once per deadline, across restarts and a Redis flush", async () => {
    const first = await h.scheduler();
    await first.whenReady();
    const { dossierId } = await h.receive();
    await first.catchUp();

    // 24 working hours before Wednesday 10:00 is the Friday before, 10:00.
    h.clock.set("2025-03-14T09:59:00+07:00");
    expect((await first.sweep()).warnings).toBe(0);
    h.clock.set("2025-03-14T10:00:00+07:00");
    expect((await first.sweep()).warnings).toBe(1);
    expect((await first.sweep()).warnings).toBe(0);
    await first.stop();
    await h.flushRedis();

    const second = await h.scheduler();
    await second.whenReady();
    await second.catchUp();
    await second.sweep();
    h.clock.set("2025-03-19T07:30:00+07:00");
    expect((await second.sweep()).warnings).toBe(1);
    h.clock.set(DUE);
    expect((await second.sweep()).overdue).toBe(1);
    await second.catchUp();
    await second.stop();
    await h.flushRedis();

    // A third scheduler that reads the whole log again (its checkpoint rewound) records nothing twice.
    await sql`update scheduler.checkpoints set position = 0`.execute(h.db);
    h.clock.set("2025-03-19T10:05:00+07:00");
    const third = await h.scheduler();
    await third.whenReady();
    await third.catchUp();
    await third.sweep();

    const kinds = (await listOutbox(h.db, { dossierId })).map((n) => `${n.kind}/${n.channel}`).sort();
    expect(kinds).toEqual(["due_soon/email", "due_today/email", "overdue/email", "receipt/sms"]);
    const soon = (await listOutbox(h.db, { dossierId, kind: "due_soon" }))[0];
    expect(soon?.recipientKind).toBe("unit");
    expect(soon?.unitId).toBe("ca");
    expect(soon?.body).toContain("UBND phường Phan Đình Phùng");
    expect(soon?.body).toContain("19/03/2025 10:00");
    const overdue = (await listOutbox(h.db, { dossierId, kind: "overdue" }))[0];
    expect(overdue?.subject).toMatch(/^Cảnh báo: hồ sơ 055\.43\.00\.H19-250312-0001 đã quá hạn$/);
    const receipt = (await listOutbox(h.db, { dossierId, kind: "receipt" }))[0];
    expect(receipt?.recipientKind).toBe("applicant");
    expect(receipt?.body).toContain("Kính gửi Ông/Bà");
    expect(receipt?.body).toContain("Ngày hẹn trả kết quả: 19/03/2025 10:00");
  });

  it("records no notices for an imported history, only for what happens from now on", async () => {
    h.clock.set("2025-04-15T10:00:00+07:00");
    const scheduler = await h.scheduler();
    await scheduler.whenReady();
    const imported = await h.service.importHistory(
      {
        procedureId: "permit",
        unitId: "ca",
        channel: "direct",
        applicant: { name: "Trần Thị Bình" },
        receivedAt: "2025-03-03T09:00:00+07:00",
      },
      [
        {
          command: { type: "ResolveDossier", data: { outcome: "approved" } },
          at: "2025-03-06T15:00:00+07:00",
        },
      ],
      {
        principal: { sub: "migration", name: "Chuyển đổi dữ liệu", role: "admin", unitId: undefined },
        commandId: "9a3f0c1e-4b7d-4c55-9e61-3f1d2a7b8c90",
        correlationId: "import",
      },
    );
    const { dossierId } = await h.receive();
    await scheduler.catchUp();
    expect(await listOutbox(h.db, { dossierId: imported.dossierId })).toHaveLength(0);
    expect((await listOutbox(h.db, { dossierId })).map((n) => n.kind)).toEqual(["receipt"]);
  });

  it("sends each notice through its channel with the contact resolved at send time", async () => {
    const sms = createRecordingChannel("sms");
    const email = createRecordingChannel("email");
    const scheduler = await h.scheduler({ notifications: { channels: [sms, email] } });
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    await scheduler.catchUp();
    const [row] = await eventually(
      () => listOutbox(h.db, { dossierId, kind: "receipt" }),
      (rows) => rows[0]?.status === "sent",
    );
    expect(sms.sent).toHaveLength(1);
    expect(sms.sent[0]?.to).toBe(APPLICANT.phone);
    expect(sms.sent[0]?.dossierId).toBe(dossierId);
    expect(row?.status).toBe("sent");
    expect(row?.attempts).toBe(1);
    expect(await counter(scheduler.metrics.notifications, { kind: "receipt", outcome: "sent" })).toBe(1);
  });

  it("retries a failing channel with growing delays, counts it in the metrics, dead-letters it after the last attempt and never loses it", async () => {
    const attemptsAt: number[] = [];
    let down = true;
    const email = createRecordingChannel("email");
    const delivered: OutgoingNotification[] = [];
    const flakySms: NotificationChannel = {
      name: "sms",
      async send(message) {
        attemptsAt.push(Date.now());
        if (down) throw new Error(`gateway 503 while sending to ${message.to}`);
        delivered.push(message);
      },
    };
    const scheduler = await h.scheduler({
      notifications: { channels: [flakySms, email], attempts: 3, backoffMs: 100 },
    });
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    await scheduler.catchUp();

    const [failed] = await eventually(
      () => listOutbox(h.db, { dossierId, kind: "receipt" }),
      (rows) => rows[0]?.status === "failed",
    );
    expect(failed?.status).toBe("failed");
    expect(failed?.attempts).toBe(3);
    expect(failed?.lastError).toContain("gateway 503");
    expect(failed?.lastError).not.toContain(APPLICANT.phone);
    expect(attemptsAt).toHaveLength(3);
    const [a, b, c] = attemptsAt as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(90);
    expect(c - b).toBeGreaterThanOrEqual(190);

    const labels = { kind: "receipt", channel: "sms" };
    expect(await counter(scheduler.metrics.notifications, { ...labels, outcome: "retried" })).toBe(2);
    expect(await counter(scheduler.metrics.notifications, { ...labels, outcome: "dead_lettered" })).toBe(1);
    const exposition = await scheduler.registry.metrics();
    expect(exposition).toContain(
      'motcua_notifications_total{kind="receipt",channel="sms",outcome="dead_lettered"} 1',
    );
    expect(exposition).toContain("motcua_notifications_dead_letters 1");
    expect((await scheduler.deadLetters()).map((n) => n.id)).toEqual([failed?.id]);
    // BullMQ moves the job to its failed set (the dead-letter list in Redis) just after the row is marked.
    const counts = await eventually(
      () => scheduler.notificationQueue.getJobCounts("failed"),
      (c) => c.failed === 1,
    );
    expect(counts).toEqual({ failed: 1 });

    // Still there after a sweep (the dispatcher does not pick up dead letters by itself) …
    await scheduler.sweep();
    expect((await listOutbox(h.db, { dossierId, kind: "receipt" }))[0]?.status).toBe("failed");
    // … and sent once an operator re-queues it with the gateway back.
    down = false;
    expect(await scheduler.requeueFailed()).toBe(1);
    const [sent] = await eventually(
      () => listOutbox(h.db, { dossierId, kind: "receipt" }),
      (rows) => rows[0]?.status === "sent",
    );
    expect(sent?.status).toBe("sent");
    expect(delivered).toHaveLength(1);
    expect(await scheduler.deadLetters()).toHaveLength(0);
  });

  it("keeps personal data out of the outbox, the job payloads and the logs", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    const logger = createLogger({ level: "trace", destination });
    const failingZalo: NotificationChannel = {
      name: "zalo",
      async send(message) {
        throw new Error(`Zalo refused ${message.to}`);
      },
    };
    const scheduler = await h.scheduler({
      logger,
      notifications: {
        channels: [
          createRecordingChannel("sms", { logger }),
          createRecordingChannel("email", { logger }),
          failingZalo,
        ],
        routes: { applicant: ["sms", "zalo"], unit: ["email"] },
        attempts: 2,
        backoffMs: 10,
      },
    });
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    await scheduler.catchUp();
    const jobsWhilePending = await dumpRedis(h);
    expect(jobsWhilePending).toContain(dossierId);
    h.clock.set("2025-03-13T09:00:00+07:00");
    await h.act(dossierId, { type: "RequestSupplement", data: { reason: "Thiếu bản vẽ" } });
    await scheduler.catchUp();
    h.clock.set("2025-03-13T14:00:00+07:00");
    await h.act(dossierId, { type: "ReceiveSupplement", data: {} });
    await scheduler.catchUp();
    // The new deadline is Thursday 20 March, 14:00: due soon from Monday 17, 14:00.
    for (const at of ["2025-03-17T14:00:00+07:00", "2025-03-20T07:30:00+07:00"]) {
      h.clock.set(at);
      await scheduler.sweep();
    }
    h.clock.set("2025-03-20T09:00:00+07:00");
    await h.act(dossierId, {
      type: "IssueApology",
      data: { reason: "Cần thêm thời gian", promisedAt: "2025-03-25T10:00:00+07:00" },
    });
    await scheduler.catchUp();
    h.clock.set("2025-03-20T14:00:00+07:00");
    await scheduler.sweep();
    await scheduler.catchUp();
    h.clock.set("2025-03-21T09:00:00+07:00");
    await h.act(dossierId, { type: "ResolveDossier", data: { outcome: "approved" } });
    await scheduler.catchUp();
    await eventually(
      () => listOutbox(h.db, { dossierId, status: "pending" }),
      (rows) => rows.length === 0,
    );

    const outbox = await listOutbox(h.db, { dossierId });
    expect(new Set(outbox.map((n) => n.kind))).toEqual(
      new Set([
        "receipt",
        "supplement_request",
        "apology",
        "due_soon",
        "due_today",
        "overdue",
        "result_ready",
      ]),
    );
    const places = {
      outbox: JSON.stringify(outbox),
      jobsWhilePending,
      jobsAtTheEnd: await dumpRedis(h),
      logs: lines.join(""),
    };
    expect(places.logs).toContain("dead-lettered");
    for (const [place, text] of Object.entries(places)) {
      for (const value of [APPLICANT.name, APPLICANT.idNumber, APPLICANT.phone, "Nguyễn"]) {
        expect(text.includes(value), `${place} contains ${value}`).toBe(false);
      }
    }
  });
});
