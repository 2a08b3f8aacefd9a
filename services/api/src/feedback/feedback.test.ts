import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
const at = (local: string) => `${local}:00+07:00`;
const A = UNITS.communeA.unitId;
const B = UNITS.communeB.unitId;

beforeAll(async () => {
  rt = await createTestRuntime("feedback_api", {
    env: { PROJECTION_PARTITIONS: "8", FEEDBACK_RATE_LIMIT_MAX: "1000", RATE_LIMIT_PUBLIC_MAX: "1000" },
  });
});
afterAll(async () => {
  await rt?.dispose();
});

const send = (payload: unknown, headers: Record<string, string> = {}) =>
  rt.app.inject({ method: "POST", url: "/public/feedback", payload: payload as object, headers });
const lookup = (code: string) => rt.app.inject({ method: "GET", url: `/public/feedback/${code}` });
const countEvents = async () => {
  let n = 0;
  for await (const _ of rt.store.readAll()) n++;
  return n;
};
const CONTENT = "Cán bộ một cửa hẹn trả kết quả ngày 10 nhưng đến nay chưa trả.";

describe("POST /public/feedback", () => {
  it("records a feedback about a unit and answers a tracking code; it is due ten working days later", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const r = await send({ about: { unitId: A }, content: CONTENT, contact: "0901234567" });
    expect(r.statusCode, r.body).toBe(201);
    const body = r.json();
    expect(body).toMatchObject({ status: "received", unitId: A, unitName: UNITS.communeA.name });
    expect(body.trackingCode).toMatch(/^PA-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(body.dueAt).toBe("2025-03-26T09:00:00.000+07:00");
  });

  it("a feedback about a dossier goes to the unit holding it", async () => {
    const officerA = await rt.auth("officer", A);
    const received = await rt.app.inject({
      method: "POST",
      url: "/dossiers",
      payload: receiveBody(),
      headers: officerA,
    });
    expect(received.statusCode, received.body).toBe(201);
    await projectAll(rt);
    const r = await send({ about: { dossierCode: received.json().code.toLowerCase() }, content: CONTENT });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().unitId).toBe(A);
  });

  it.each([
    ["no content", { about: { unitId: A } }, "body.content", "bắt buộc"],
    ["empty content", { about: { unitId: A }, content: "   " }, "body.content", "không được để trống"],
    [
      "content over the limit",
      { about: { unitId: A }, content: "x".repeat(5_001) },
      "body.content",
      "tối đa 5.000 ký tự",
    ],
    ["nothing it is about", { about: {}, content: CONTENT }, "body.about", "hãy chọn đơn vị"],
    [
      "an unknown unit",
      { about: { unitId: "nowhere" }, content: CONTENT },
      "body.about.unitId",
      "không có đơn vị này",
    ],
    [
      "an unknown dossier",
      { about: { dossierCode: "XYZ-1" }, content: CONTENT },
      "body.about.dossierCode",
      "không có hồ sơ",
    ],
    [
      "a procedure handled by several units",
      { about: { procedureId: "permit" }, content: CONTENT },
      "body.about.unitId",
      "hãy chọn đơn vị",
    ],
    ["an unknown field", { about: { unitId: A }, content: CONTENT, name: "Nguyễn Văn A" }, "body.name", ""],
  ])(
    "refuses %s with 400 naming the field and the rule, recording nothing",
    async (_, payload, path, words) => {
      const before = await countEvents();
      const r = await send(payload);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.headers["content-type"]).toContain("application/problem+json");
      const problem = r.json();
      const error = problem.errors.find((e: { path: string }) => e.path === path);
      expect(error, JSON.stringify(problem.errors)).toBeDefined();
      expect(error.message).toContain(words);
      expect(r.body).not.toContain("Cán bộ một cửa");
      expect(await countEvents()).toBe(before);
    },
  );
});

describe("the public lookup and the officers' handling", () => {
  it("an officer answers and publishes; the citizen sees the answer, never anyone's words or contact", async () => {
    // A moment of its own, so its due moment tells it apart in the worklist.
    rt.clock.set(at("2025-03-12T09:07"));
    const sent = (await send({ about: { unitId: A }, content: CONTENT, contact: "0901234567" })).json();
    const code = sent.trackingCode as string;

    const first = await lookup(code.toLowerCase());
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      trackingCode: code,
      status: "received",
      answer: null,
      overdue: false,
    });
    expect(first.body).not.toContain("0901234567");
    expect(first.body).not.toContain("Cán bộ một cửa");

    await projectAll(rt);
    const officerA = await rt.auth("officer", A);
    const list = await rt.app.inject({ method: "GET", url: "/feedback?status=open", headers: officerA });
    expect(list.statusCode, list.body).toBe(200);
    const item = list.json().items.find((i: { dueAt: string }) => i.dueAt === sent.dueAt);
    expect(item).toMatchObject({ status: "received", unitId: A, overdue: false });
    expect(list.body).not.toContain("0901234567");
    const id = item.feedbackId as string;

    const detail = await rt.app.inject({ method: "GET", url: `/feedback/${id}`, headers: officerA });
    expect(detail.json()).toMatchObject({ content: CONTENT, contact: "0901234567", revision: 1 });
    const officerB = await rt.auth("officer", B);
    expect(
      (await rt.app.inject({ method: "GET", url: `/feedback/${id}`, headers: officerB })).statusCode,
    ).toBe(403);

    rt.clock.set(at("2025-03-14T10:00"));
    const answer = { answer: "Đơn vị đã trả kết quả và xin lỗi ông/bà.", publish: true };
    const stale = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: answer,
      headers: { ...officerA, "if-match": '"7"' },
    });
    expect(stale.statusCode, stale.body).toBe(409);
    const notMine = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: answer,
      headers: officerB,
    });
    expect(notMine.statusCode).toBe(403);
    const answered = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: answer,
      headers: { ...officerA, "if-match": '"1"', "idempotency-key": "answer-1" },
    });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json()).toMatchObject({ status: "answered", revision: 2 });
    const retried = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: answer,
      headers: { ...officerA, "idempotency-key": "answer-1" },
    });
    expect(retried.json()).toMatchObject({ status: "answered", revision: 2 });

    const again = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: answer,
      headers: officerA,
    });
    expect(again.statusCode).toBe(422);
    expect(again.json()).toMatchObject({
      code: "feedback.already_answered",
      title: "Phản ánh, kiến nghị đã được trả lời",
    });

    const seen = (await lookup(code)).json();
    expect(seen).toMatchObject({ status: "answered", published: true, answer: answer.answer });

    const closed = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/close`,
      payload: {},
      headers: officerA,
    });
    expect(closed.json()).toMatchObject({ status: "closed", revision: 3 });
    const late = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/close`,
      payload: {},
      headers: officerA,
    });
    expect(late.statusCode).toBe(422);
    expect(late.json()).toMatchObject({
      code: "feedback.already_closed",
      title: "Phản ánh, kiến nghị đã đóng",
    });
  });

  it("an answer not published stays unseen by the public", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const code = (await send({ about: { unitId: B }, content: CONTENT })).json().trackingCode as string;
    await projectAll(rt);
    const officerB = await rt.auth("officer", B);
    const id = (
      await rt.app.inject({ method: "GET", url: "/feedback?status=received", headers: officerB })
    ).json().items[0].feedbackId as string;
    const r = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: { answer: "Trả lời nội bộ.", publish: false },
      headers: officerB,
    });
    expect(r.statusCode, r.body).toBe(200);
    const seen = await lookup(code);
    expect(seen.json()).toMatchObject({ status: "answered", published: false, answer: null });
    expect(seen.body).not.toContain("Trả lời nội bộ");
  });

  it("assigning hands the feedback to another unit, whose officers then handle it", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    await send({ about: { unitId: A }, content: CONTENT });
    await projectAll(rt);
    const officerA = await rt.auth("officer", A);
    const id = (
      await rt.app.inject({ method: "GET", url: "/feedback?status=received", headers: officerA })
    ).json().items[0].feedbackId as string;
    const badUnit = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/assign`,
      payload: { toUnitId: "nowhere" },
      headers: officerA,
    });
    expect(badUnit.statusCode).toBe(400);
    expect(badUnit.json().errors[0].path).toBe("body.toUnitId");
    const r = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/assign`,
      payload: { toUnitId: B },
      headers: officerA,
    });
    expect(r.json()).toMatchObject({ status: "assigned", unitId: B });
    const officerB = await rt.auth("officer", B);
    expect(
      (await rt.app.inject({ method: "GET", url: `/feedback/${id}`, headers: officerB })).statusCode,
    ).toBe(200);
  });

  it("an admin erases the sender's data: words, contact and answer read as gone, the status stays", async () => {
    rt.clock.set(at("2025-03-12T09:11"));
    const sent = (await send({ about: { unitId: A }, content: CONTENT, contact: "0909999888" })).json();
    await projectAll(rt);
    const officerA = await rt.auth("officer", A);
    const item = (await rt.app.inject({ method: "GET", url: "/feedback?status=open", headers: officerA }))
      .json()
      .items.find((i: { dueAt: string }) => i.dueAt === sent.dueAt);
    const id = item.feedbackId as string;
    await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/answer`,
      payload: { answer: "Trả lời có nhắc tên người gửi.", publish: true },
      headers: officerA,
    });
    const erase = { reason: "Yêu cầu xoá dữ liệu số 15/2025" };
    expect(
      (
        await rt.app.inject({
          method: "POST",
          url: `/feedback/${id}/erase`,
          payload: erase,
          headers: officerA,
        })
      ).statusCode,
    ).toBe(403);
    const admin = await rt.auth("admin");
    const erased = await rt.app.inject({
      method: "POST",
      url: `/feedback/${id}/erase`,
      payload: erase,
      headers: admin,
    });
    expect(erased.statusCode, erased.body).toBe(200);
    const detail = (await rt.app.inject({ method: "GET", url: `/feedback/${id}`, headers: officerA })).json();
    expect(detail).toMatchObject({
      status: "answered",
      erased: true,
      content: null,
      contact: null,
      answer: null,
    });
    expect(detail.history.at(-1)).toMatchObject({ type: "FeedbackSenderErased" });
    expect((await lookup(sent.trackingCode)).json()).toMatchObject({ status: "answered", answer: null });
    // Again: harmless, the key stays destroyed.
    expect(
      (await rt.app.inject({ method: "POST", url: `/feedback/${id}/erase`, payload: erase, headers: admin }))
        .statusCode,
    ).toBe(200);
    await projectAll(rt);
  });

  it("an unknown or malformed tracking code is 404 in Vietnamese", async () => {
    for (const code of ["PA-0000-0000", "not-a-code"]) {
      const r = await lookup(code);
      expect(r.statusCode).toBe(404);
      expect(r.json()).toMatchObject({
        code: "feedback.not_found",
        title: "Không tìm thấy phản ánh, kiến nghị",
      });
    }
  });

  it("officers see only their own unit's worklist; analysts none", async () => {
    const officerA = await rt.auth("officer", A);
    expect(
      (await rt.app.inject({ method: "GET", url: `/feedback?unitId=${B}`, headers: officerA })).statusCode,
    ).toBe(403);
    const analyst = await rt.auth("analyst");
    expect((await rt.app.inject({ method: "GET", url: "/feedback", headers: analyst })).statusCode).toBe(403);
  });
});

describe("GET /public/feedback/choices", () => {
  it("lists the units and procedures a feedback may be about, and the rules of the form", async () => {
    const r = await rt.app.inject({ method: "GET", url: "/public/feedback/choices" });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.units.map((u: { unitId: string }) => u.unitId)).toContain(A);
    expect(body.procedures.map((p: { procedureId: string }) => p.procedureId)).toContain("permit");
    expect(body).toMatchObject({ handlingWorkingDays: 10, contentMaxLength: 5000, contactMaxLength: 300 });
  });
});

describe("GET /reports/feedback", () => {
  it("counts a unit's feedback with its subunits for the board: no sender, no words", async () => {
    await projectAll(rt);
    const analyst = await rt.auth("analyst");
    rt.clock.set(at("2025-03-31T12:00"));
    const r = await rt.app.inject({
      method: "GET",
      url: `/reports/feedback?unitId=${UNITS.province.unitId}&includeSubunits=true&from=2025-03-01&to=2025-03-31`,
      headers: analyst,
    });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.received).toBeGreaterThan(0);
    expect(body.received).toBe(body.units.reduce((n: number, u: { received: number }) => n + u.received, 0));
    expect(body).toMatchObject({ unitId: UNITS.province.unitId, from: "2025-03-01", to: "2025-03-31" });
    for (const key of [
      "answered",
      "answeredOnTime",
      "answeredLate",
      "becameOverdue",
      "open",
      "overdue",
      "dueSoon",
    ])
      expect(typeof body[key]).toBe("number");
    expect(r.body).not.toContain("Cán bộ một cửa");
    expect(r.body).not.toContain("0901234567");
  });

  it("refuses a date in the future or a period that ends before it starts, naming the parameter", async () => {
    const analyst = await rt.auth("analyst");
    rt.clock.set(at("2025-03-31T12:00"));
    for (const [query, path] of [
      ["from=2025-03-01&to=2025-04-02", "query.to"],
      ["from=2025-03-20&to=2025-03-01", "query.from"],
      ["from=2025-02-30&to=2025-03-01", "query.from"],
    ]) {
      const r = await rt.app.inject({
        method: "GET",
        url: `/reports/feedback?unitId=${A}&${query}`,
        headers: analyst,
      });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().errors[0].path).toBe(path);
    }
  });
});

describe("the public form's rate limit", () => {
  it("refuses feedback beyond the limit per address with 429 and Retry-After, recording nothing", async () => {
    const limited = await createTestRuntime("feedback_rate", { env: { FEEDBACK_RATE_LIMIT_MAX: "2" } });
    try {
      const post = () =>
        limited.app.inject({
          method: "POST",
          url: "/public/feedback",
          payload: { about: { unitId: A }, content: CONTENT },
        });
      expect((await post()).statusCode).toBe(201);
      expect((await post()).statusCode).toBe(201);
      const refused = await post();
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      let events = 0;
      for await (const _ of limited.store.readAll()) events++;
      expect(events).toBe(2);
      // The lookup keeps its own (looser) public budget.
      expect(
        (await limited.app.inject({ method: "GET", url: "/public/feedback/PA-0000-0000" })).statusCode,
      ).toBe(404);
    } finally {
      await limited.dispose();
    }
  });
});
