import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "@motcua/api/test-runtime";
import {
  createRecordingChannel,
  type NotificationChannel,
  type OutgoingNotification,
} from "@motcua/notifications";
import { createRedis } from "@motcua/platform";
import { type Scheduler, startScheduler } from "@motcua/scheduler";
import { createTestRedis, type TestRedis } from "@motcua/testing";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The applicant of `receiveBody()`: none of it may appear in what admins see of the outbox. */
const PERSONAL = ["Nguyễn Văn An", "Nguyễn", "019085001234", "0912345678"];

let rt: TestRuntime;
let testRedis: TestRedis;
let redis: Redis;
let scheduler: Scheduler;
/** The SMS gateway: down (every attempt throws, echoing the number it was given) until a test brings it up. */
let smsDown = true;
const delivered: OutgoingNotification[] = [];

beforeAll(async () => {
  rt = await createTestRuntime("admin-notify");
  testRedis = await createTestRedis("admin-notify");
  redis = createRedis(testRedis.url, { connectionName: "test-admin-notify" });
  const sms: NotificationChannel = {
    name: "sms",
    async send(message) {
      if (smsDown) throw new Error(`gateway 503 while sending to ${message.to}`);
      delivered.push(message);
    },
  };
  // The scheduler on the API's database, as `pnpm start` runs it; its sweep only when the test asks.
  scheduler = await startScheduler({
    store: rt.store,
    db: rt.db,
    redis,
    prefix: testRedis.prefix,
    clock: rt.clock,
    service: rt.service,
    sweepIntervalMs: 3_600_000,
    pollIntervalMs: 20,
    standbyRetryMs: 100,
    rebuildCheckMs: 50,
    rebuildRetryMs: 100,
    notifications: { channels: [sms, createRecordingChannel("email")], attempts: 2, backoffMs: 10 },
  });
  await scheduler.whenReady();
});

afterAll(async () => {
  await scheduler?.stop();
  await testRedis?.cleanup();
  redis?.disconnect();
  await rt?.dispose();
});

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface NoticeView {
  id: number;
  dossierId: string;
  kind: string;
  status: string;
  [key: string]: unknown;
}

const list = async (query: string) => {
  const response = await rt.app.inject({
    method: "GET",
    url: `/admin/notifications${query}`,
    headers: await rt.auth("admin"),
  });
  expect(response.statusCode, response.body).toBe(200);
  return { text: response.body, items: response.json().items as NoticeView[] };
};

const requeue = async (payload: object) =>
  rt.app.inject({
    method: "POST",
    url: "/admin/notifications/requeue",
    headers: await rt.auth("admin"),
    payload,
  });

/** A dossier received through the API whose receipt SMS fails on every attempt: a dead letter. */
async function deadLetteredReceipt(): Promise<{ dossierId: string; notice: NoticeView; text: string }> {
  smsDown = true;
  const received = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    headers: await rt.auth("officer", UNITS.communeA.unitId),
    payload: receiveBody(),
  });
  expect(received.statusCode, received.body).toBe(201);
  const { dossierId, code } = received.json();
  await scheduler.catchUp();
  const { items, text } = await eventually(
    () => list(`?status=failed&dossierId=${dossierId}`),
    (answer) => answer.items.length === 1,
  );
  expect(items).toHaveLength(1);
  const notice = items[0] as NoticeView;
  expect(notice.subject).toContain(code);
  return { dossierId, notice, text };
}

describe("GET /admin/notifications and POST /admin/notifications/requeue", () => {
  it("lists a notice whose every attempt failed as a dead letter, with nothing personal in it", async () => {
    const { dossierId, notice, text } = await deadLetteredReceipt();
    expect(notice).toEqual({
      id: expect.any(Number),
      dossierId,
      kind: "receipt",
      occasion: expect.any(String),
      channel: "sms",
      recipientKind: "applicant",
      unitId: UNITS.communeA.unitId,
      subject: expect.stringContaining("Phiếu tiếp nhận"),
      status: "failed",
      attempts: 2,
      requeues: 0,
      lastError: expect.stringContaining("gateway 503"),
      createdAt: expect.any(String),
      sentAt: null,
    });
    // The gateway echoed the phone number; the error admins read has it blanked.
    expect(notice.lastError).toContain("[number]");
    for (const value of PERSONAL) expect(text.includes(value), `the answer contains ${value}`).toBe(false);

    // The whole list too, every status and kind (the unit's notices, if any, as well).
    const all = await list("?limit=1000");
    expect(all.items.map((n) => n.id)).toContain(notice.id);
    for (const value of PERSONAL) expect(all.text.includes(value), `the list contains ${value}`).toBe(false);
    expect((await list("?status=failed&kind=overdue")).items).toEqual([]);
  });

  it("re-queues named dead letters to pending; the scheduler's sweep then sends them", async () => {
    const { dossierId, notice } = await deadLetteredReceipt();
    smsDown = false;
    delivered.length = 0;

    const answer = await requeue({ ids: [notice.id, 987_654_321] });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({ requeued: 1, ids: [notice.id], skipped: [987_654_321] });

    // Only the row changed: pending with a new re-queue count, until the sweep hands it on.
    const pending = (await list(`?status=pending&dossierId=${dossierId}`)).items;
    expect(pending.map((n) => [n.id, n.requeues])).toEqual([[notice.id, 1]]);
    expect((await list(`?status=failed&dossierId=${dossierId}`)).items).toEqual([]);

    expect((await scheduler.sweep()).notices).toBeGreaterThanOrEqual(1);
    const sent = await eventually(
      () => list(`?status=sent&dossierId=${dossierId}`),
      (a) => a.items.length === 1,
    );
    expect(sent.items[0]).toMatchObject({ id: notice.id, status: "sent", attempts: 3, lastError: null });
    expect(delivered.map((m) => m.outboxId)).toEqual([notice.id]);
  });

  it("re-queues every dead letter when no ids are given", async () => {
    const first = await deadLetteredReceipt();
    const second = await deadLetteredReceipt();
    const answer = await requeue({});
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json();
    expect(body.ids).toEqual(expect.arrayContaining([first.notice.id, second.notice.id]));
    expect(body.requeued).toBe(body.ids.length);
    expect(body.skipped).toEqual([]);
    expect((await list("?status=failed")).items).toEqual([]);
    // Asking again finds nothing failed.
    expect((await requeue({})).json()).toEqual({ requeued: 0, ids: [], skipped: [] });
  });

  it.each([
    ["officer", UNITS.communeA.unitId],
    ["auditor", undefined],
    ["analyst", undefined],
  ] as const)("refuses a %s with 403, both routes", async (role, unitId) => {
    const headers = await rt.auth(role, unitId);
    const get = await rt.app.inject({ method: "GET", url: "/admin/notifications?status=failed", headers });
    expect(get.statusCode).toBe(403);
    expect(get.json().code).toBe("auth.role_not_allowed");
    const post = await rt.app.inject({
      method: "POST",
      url: "/admin/notifications/requeue",
      headers,
      payload: {},
    });
    expect(post.statusCode).toBe(403);
    expect(post.json().code).toBe("auth.role_not_allowed");
  });

  it("refuses a caller without a token with 401", async () => {
    expect((await rt.app.inject({ method: "GET", url: "/admin/notifications" })).statusCode).toBe(401);
    const post = await rt.app.inject({ method: "POST", url: "/admin/notifications/requeue", payload: {} });
    expect(post.statusCode).toBe(401);
  });

  it.each([
    ["?status=lost", "query.status"],
    ["?kind=postcard", "query.kind"],
    ["?limit=0", "query.limit"],
    ["?limit=1001", "query.limit"],
    ["?limit=ten", "query.limit"],
    ["?limit=2.5", "query.limit"],
    ["?dossierId=42", "query.dossierId"],
  ])("answers GET /admin/notifications%s with 400 naming %s", async (query, path) => {
    const response = await rt.app.inject({
      method: "GET",
      url: `/admin/notifications${query}`,
      headers: await rt.auth("admin"),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toContain("application/problem+json");
    const problem = response.json();
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual([path]);
    expect(problem.detail).toContain(path);
  });

  it.each([
    [{ ids: [1.5] }, "body.ids.0"],
    [{ ids: ["3"] }, "body.ids.0"],
    [{ ids: [2, 0] }, "body.ids.1"],
    [{ ids: [-4] }, "body.ids.0"],
    [{ ids: "all" }, "body.ids"],
    [{ all: true }, "body.all"],
  ])("answers POST /admin/notifications/requeue %j with 400 naming %s", async (payload, path) => {
    const response = await requeue(payload);
    expect(response.statusCode).toBe(400);
    const problem = response.json();
    expect(problem.code).toBe("request.invalid");
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual([path]);
  });

  it("is in the OpenAPI document, which stays valid", async () => {
    const doc = (await rt.app.inject({ method: "GET", url: "/docs/json" })).json();
    const validation = await new Validator().validate(doc);
    expect(validation.errors).toBeUndefined();
    expect(doc.paths["/admin/notifications"]?.get).toBeDefined();
    expect(doc.paths["/admin/notifications/requeue"]?.post).toBeDefined();
    const params = doc.paths["/admin/notifications"].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(["status", "kind", "limit"]));
  });

  // Last: it drops the scheduler's tables.
  it("answers an empty list, not a 500, where the scheduler's tables do not exist", async () => {
    await scheduler.stop();
    await sql`drop schema scheduler cascade`.execute(rt.db);
    expect((await list("?status=failed")).items).toEqual([]);
    const answer = await requeue({ ids: [1] });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ requeued: 0, ids: [], skipped: [1] });
  });
});
