import { ratingCodeOf } from "@motcua/commands";
import { RATING_CRITERIA } from "@motcua/domain";
import { activeReadModelVersion, ratingSummary } from "@motcua/read-models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../test-app";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
const at = (local: string) => `${local}:00+07:00`;
const A = UNITS.communeA.unitId;
const LIMIT = 5;

beforeAll(async () => {
  rt = await createTestRuntime("ratings_api", {
    env: { RATE_LIMIT_PUBLIC_MAX: "1000", RATING_RATE_LIMIT_MAX: String(LIMIT) },
  });
});
afterAll(async () => {
  await rt?.dispose();
});

const SCORES = Object.fromEntries(RATING_CRITERIA.filter((c) => !c.optional).map((c) => [c.id, 4]));
let addresses = 0;
/** Each test rates from its own address, so the rate limit is tested on its own. */
const fromAddress = () => `10.0.0.${++addresses}`;
const rate = (code: string, payload: unknown, remoteAddress: string) =>
  rt.app.inject({
    method: "POST",
    url: `/public/dossiers/${encodeURIComponent(code)}/rating`,
    payload: payload as object,
    remoteAddress,
  });
const countEvents = async () => {
  let n = 0;
  for await (const _ of rt.store.readAll()) n++;
  return n;
};

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const r = await rt.app.inject({ method: "POST", url, payload: body as object, headers });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { dossierId: string; code: string };
}

/** A dossier received, resolved and (unless `returned` is false) returned; projected. */
async function dossier(returned = true) {
  const officer = await rt.auth("officer", A);
  const received = await post("/dossiers", receiveBody(), officer);
  await post(`/dossiers/${received.dossierId}/resolve`, { outcome: "approved" }, officer);
  if (returned) await post(`/dossiers/${received.dossierId}/return`, { method: "counter" }, officer);
  await projectAll(rt);
  const read = await rt.app.inject({ url: `/dossiers/${received.dossierId}`, headers: officer });
  return { ...received, ratingCode: read.json().ratingCode as string };
}

describe("POST /public/dossiers/{code}/rating", () => {
  it("records a rating once with the code from the slip; a second one is refused in Vietnamese", async () => {
    rt.clock.set(at("2025-03-14T10:00"));
    const d = await dossier();
    expect(d.ratingCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    const address = fromAddress();
    const before = await countEvents();
    const r = await rate(
      d.code.toLowerCase(),
      { ratingCode: d.ratingCode.toLowerCase().replace("-", " "), scores: SCORES, comment: "Rất tận tình" },
      address,
    );
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({ code: d.code, status: "returned" });
    expect(await countEvents()).toBe(before + 1);

    const again = await rate(d.code, { ratingCode: d.ratingCode, scores: SCORES }, address);
    expect(again.statusCode, again.body).toBe(422);
    expect(again.headers["content-type"]).toContain("application/problem+json");
    expect(again.json()).toMatchObject({ code: "rating.already_rated", title: "Hồ sơ đã được đánh giá" });
    expect(again.json().detail).toContain("chỉ được đánh giá một lần");
    expect(await countEvents()).toBe(before + 1);

    // The public lookup says it was rated; analysts' figures count it, without the comment.
    await projectAll(rt);
    const lookup = await rt.app.inject({ url: `/public/dossiers/${d.code}` });
    expect(lookup.json()).toMatchObject({ status: "returned", rated: true });
    expect(lookup.body).not.toContain(d.ratingCode);
    const schema = (await activeReadModelVersion(rt.db as never)) as string;
    const summary = await ratingSummary(rt.db as never, schema, {
      unitIds: [A],
      from: "2025-03-01",
      to: "2025-03-31",
    });
    expect(summary).toMatchObject({ rated: 1, satisfied: 1, satisfiedShare: 1 });

    // The comment is the applicant's free text: erased with them, the scores stay.
    const rated = async () => {
      for await (const e of rt.store.readStream(`dossier-${d.dossierId}`))
        if (e.type === "DossierRated") return e.data as Record<string, unknown>;
      return null;
    };
    expect((await rated())?.comment).toBe("Rất tận tình");
    const admin = await rt.auth("admin");
    const erased = await rt.app.inject({
      method: "POST",
      url: "/applicants/erase",
      payload: { idNumber: receiveBody().applicant.idNumber, reason: "Đơn yêu cầu số 1/2026" },
      headers: admin,
    });
    expect(erased.statusCode, erased.body).toBeLessThan(300);
    const after = await rated();
    expect(JSON.stringify(after)).not.toContain("Rất tận tình");
    expect(after?.scores).toEqual(SCORES);
  });

  it("refuses a wrong or guessed code with 422 naming the field, whatever the dossier, recording nothing", async () => {
    const d = await dossier();
    const other = await dossier();
    const before = await countEvents();
    for (const guess of ["00000-00000", other.ratingCode, d.code]) {
      const r = await rate(d.code, { ratingCode: guess, scores: SCORES }, fromAddress());
      expect(r.statusCode, r.body).toBe(422);
      expect(r.json()).toMatchObject({ code: "rating.code_invalid", title: "Mã đánh giá không đúng" });
      expect(r.json().errors[0].path).toBe("body.ratingCode");
    }
    expect(await countEvents()).toBe(before);
  });

  it("refuses a dossier not yet returned, and an unknown dossier code", async () => {
    const d = await dossier(false);
    const before = await countEvents();
    const r = await rate(d.code, { ratingCode: d.ratingCode, scores: SCORES }, fromAddress());
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json()).toMatchObject({ code: "rating.not_returned", title: "Hồ sơ chưa trả kết quả" });
    const unknown = await rate(
      "000.00.00.H99-250101-9999",
      { ratingCode: d.ratingCode, scores: SCORES },
      fromAddress(),
    );
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().title).toBe("Không tìm thấy hồ sơ");
    expect(await countEvents()).toBe(before);
  });

  it.each([
    ["a score above 5", { scores: { ...SCORES, overall: 6 } }, "body.scores.overall", "từ 1 đến 5"],
    ["a score of 0", { scores: { ...SCORES, disclosure: 0 } }, "body.scores.disclosure", "từ 1 đến 5"],
    ["a half score", { scores: { ...SCORES, punctuality: 3.5 } }, "body.scores.punctuality", "số nguyên"],
    ["an unknown criterion", { scores: { ...SCORES, price: 5 } }, "body.scores.price", "Không có tiêu chí"],
    ["a missing criterion", { scores: { overall: 5 } }, "body.scores.convenience", "từ 1 đến 5"],
    ["a comment too long", { scores: SCORES, comment: "x".repeat(1001) }, "body.comment", "tối đa 1.000"],
    ["no code", { scores: SCORES, ratingCode: " " }, "body.ratingCode", "mã đánh giá"],
  ])(
    "refuses %s with 400 naming the field in Vietnamese, recording nothing",
    async (_, payload, path, words) => {
      const d = await dossier();
      const before = await countEvents();
      const r = await rate(d.code, { ratingCode: d.ratingCode, ...payload }, fromAddress());
      expect(r.statusCode, r.body).toBe(400);
      const error = r.json().errors.find((e: { path: string }) => e.path === path);
      expect(error, JSON.stringify(r.json().errors)).toBeDefined();
      expect(error.message).toContain(words);
      expect(await countEvents()).toBe(before);
    },
  );

  it(`allows ${LIMIT} attempts per address and window, wrong codes included, then answers 429`, async () => {
    const d = await dossier();
    const address = fromAddress();
    for (let i = 0; i < LIMIT; i++) {
      const r = await rate(d.code, { ratingCode: `AAAAA-AAAA${i}`, scores: SCORES }, address);
      expect(r.statusCode).toBe(422);
    }
    const blocked = await rate(d.code, { ratingCode: d.ratingCode, scores: SCORES }, address);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers["retry-after"]).toBeDefined();
  });
});

describe("the rating code", () => {
  it("is shown to the unit's officers for the slip, never to auditors nor in public reads", async () => {
    const d = await dossier();
    expect(d.ratingCode).toBe(ratingCodeOf(testConfig().ratingCodeSecret, d.dossierId));
    const auditor = await rt.auth("auditor");
    const read = await rt.app.inject({ url: `/dossiers/${d.dossierId}`, headers: auditor });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().ratingCode).toBeUndefined();
    const details = await rt.app.inject({ url: `/public/dossiers/${d.code}/details` });
    expect(details.body).not.toContain(d.ratingCode);
  });
});
