import { RATING_CRITERIA } from "@motcua/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Harness,
  openContext,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
  startHarness,
  UNITS,
} from "./harness";

/**
 * A citizen rates a returned dossier on a 360 px phone with the code from form 01: a wrong code is
 * refused next to the field, the rating is thanked, and a second rating is refused in Vietnamese.
 */
let h: Harness;
let dossier: { dossierId: string; code: string; ratingCode: string };
const officer = { role: "officer", unitId: UNITS.wardA.unitId } as const;

beforeAll(async () => {
  h = await startHarness("wb_rating");
  const received = await h.call<{ dossierId: string; code: string }>("POST", "/dossiers", officer, {
    procedureId: "permit",
    unitId: UNITS.wardA.unitId,
    channel: "direct",
    applicant: { name: "Đỗ Thị Đánh Giá", idNumber: "019085008888" },
    documents: [{ name: "Đơn đề nghị", digitized: true }],
  });
  expect(received.status, JSON.stringify(received.body)).toBe(201);
  const id = received.body.dossierId;
  const resolved = await h.call("POST", `/dossiers/${id}/resolve`, officer, { outcome: "approved" });
  expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
  const returned = await h.call<{ position: number }>("POST", `/dossiers/${id}/return`, officer, {
    method: "counter",
  });
  expect(returned.status, JSON.stringify(returned.body)).toBe(200);
  // The public page reads the read models: wait until they hold the return.
  const read = await h.call<{ ratingCode: string; status: string }>(
    "GET",
    `/dossiers/${id}?minPosition=${returned.body.position}`,
    officer,
  );
  expect(read.body.status).toBe("returned");
  dossier = { dossierId: id, code: received.body.code, ratingCode: read.body.ratingCode };
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Chooses "Hài lòng" (4) for every criterion that must be scored. */
async function scoreAll(page: import("playwright-core").Page) {
  for (const criterion of RATING_CRITERIA.filter((c) => !c.optional)) {
    await page
      .getByRole("group", { name: new RegExp(criterion.label.slice(0, 20).replace(/[()]/g, ".")) })
      .getByRole("radio", { name: "Hài lòng", exact: true })
      .check();
  }
}

describe("rating a returned dossier in Chromium", () => {
  it("the slip prints the rating code; the citizen rates once at 360 px, a second rating is refused", async () => {
    expect(dossier.ratingCode).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const desk = await openContext(h);
    try {
      await signIn(desk.page, h.base, { unitName: UNITS.wardA.name });
      await desk.page.goto(`${h.base}/ho-so/${dossier.dossierId}`);
      await desk.page.getByRole("link", { name: /Mẫu 01/ }).click();
      await desk.page.getByTestId("slip-rating-code").waitFor();
      expect(await desk.page.getByTestId("slip-rating-code").textContent()).toBe(dossier.ratingCode);
    } finally {
      await desk.context.close();
    }

    const phone = await openContext(h, { width: 360, height: 740 });
    try {
      const { page } = phone;
      // A second tab opened before the rating, to try again afterwards.
      const other = await phone.context.newPage();
      for (const p of [page, other]) {
        await p.goto(`${h.base}/tra-cuu/${encodeURIComponent(dossier.code)}`);
        await p.getByRole("heading", { name: "Đánh giá mức độ hài lòng" }).waitFor();
      }
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // Nothing chosen: each criterion says so, next to it, and nothing is sent.
      await page.getByRole("button", { name: "Gửi đánh giá" }).click();
      await page.getByText("Vui lòng hoàn thành các mục được đánh dấu.").waitFor();
      expect(await page.getByText("Vui lòng chọn một mức đánh giá.").count()).toBe(
        RATING_CRITERIA.filter((c) => !c.optional).length,
      );

      // A guessed code: refused by the API, in Vietnamese, under the code field.
      await page.getByLabel(/Mã đánh giá/).fill("00000-00000");
      await scoreAll(page);
      await page.getByRole("button", { name: "Gửi đánh giá" }).click();
      const codeError = page.locator("#rating-code-error");
      await codeError.waitFor();
      expect(await codeError.textContent()).toContain("Mã đánh giá không khớp với hồ sơ này");
      expect(await page.getByLabel(/Mã đánh giá/).getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, "40-rating-wrong-code-360");

      await page.getByLabel(/Mã đánh giá/).fill(dossier.ratingCode.toLowerCase());
      await page.getByLabel(/Ý kiến góp ý/).fill("Cán bộ hướng dẫn tận tình, trả kết quả sớm.");
      const width = await page.evaluate("document.documentElement.scrollWidth");
      expect(width).toBeLessThanOrEqual(360);
      await screenshot(page, "41-rating-form-360");
      await page.getByRole("button", { name: "Gửi đánh giá" }).click();
      await page.getByTestId("rating-thanks").waitFor();
      expect(await page.getByTestId("rating-thanks").textContent()).toContain("Cảm ơn Ông/Bà đã đánh giá");
      await screenshot(page, "42-rating-thanks-360");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // The same code again from the other tab: refused in Vietnamese, nothing recorded twice.
      await other.getByLabel(/Mã đánh giá/).fill(dossier.ratingCode);
      await scoreAll(other);
      await other.getByRole("button", { name: "Gửi đánh giá" }).click();
      await other.getByTestId("rating-error").waitFor();
      expect(await other.getByTestId("rating-error").textContent()).toBe(
        "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
      );
      await screenshot(other, "43-rating-again-refused-360");
      // The refusals are the API's 422s (the page shows them); nothing else went wrong.
      expect(phone.errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
    } finally {
      await phone.context.close();
    }

    // The unit's officers see the rating in the dossier's history, with the mean and the comment.
    const back = await openContext(h);
    try {
      await signIn(back.page, h.base, { unitName: UNITS.wardA.name });
      await back.page.goto(`${h.base}/ho-so/${dossier.dossierId}`);
      await back.page.getByText("người nộp đánh giá mức độ hài lòng").first().waitFor();
      const history = (await back.page.locator("body").textContent()) ?? "";
      expect(history).toContain("Điểm bình quân: 4/5");
      expect(history).toContain("Cán bộ hướng dẫn tận tình");
    } finally {
      await back.context.close();
    }
  }, 180_000);
});
