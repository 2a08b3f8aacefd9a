import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Harness,
  openContext,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
  startHarness,
} from "./harness";

/**
 * An admin sees which years lack their holiday notice (deadlines in them are provisional), loads one —
 * a date outside the year refused in words next to the field — and gives a procedure a new time limit,
 * which makes a new version.
 */
let h: Harness;
const nextYear = new Date().getFullYear() + 1;
/** Weekdays of next year's March (a notice's holidays are weekdays taken off). */
const weekdays = Array.from({ length: 31 }, (_, i) => new Date(Date.UTC(nextYear, 2, i + 1)))
  .filter((d) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5)
  .map((d) => d.toISOString().slice(0, 10));

beforeAll(async () => {
  h = await startHarness("wb_admin");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("the admin's reference data in Chromium", () => {
  it("flags the year without a notice, loads it, and versions a procedure's new time limit", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { title: "Quản trị hệ thống" });
      await page.waitForURL(/\/quan-tri$/);
      await page.getByTestId("missing-notice").waitFor();
      expect(await page.getByTestId("missing-notice").textContent()).toContain(String(nextYear));
      expect(await page.locator(`li[data-year="${nextYear}"]`).textContent()).toContain("Chưa có thông báo");
      await screenshot(page, "50-admin-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // A date of another year: refused, in words, under the holidays field.
      await page.locator("#cal-year").fill(String(nextYear));
      await page.locator("#cal-holidays").fill(`${weekdays[0]} 2020-05-01`);
      await page.getByRole("button", { name: "Lưu lịch" }).click();
      await page.locator("#cal-holidays-error").waitFor();
      expect(await page.locator("#cal-holidays-error").textContent()).toBe(
        "Có ngày không thuộc năm đã chọn.",
      );

      await page.locator("#cal-holidays").fill(`${weekdays[0]} ${weekdays[1]}`);
      await page.locator("#cal-notice").fill(`Thông báo số 1/TB-LĐTBXH năm ${nextYear}`);
      await page.getByRole("button", { name: "Lưu lịch" }).click();
      await page.locator(`li[data-year="${nextYear}"]`, { hasText: "Đã có thông báo" }).waitFor();
      expect(await page.getByTestId("missing-notice").count()).toBe(0);

      // A shorter time limit for the permit: version 2; dossiers received before keep version 1.
      const row = page.locator('tr[data-procedure="permit"]');
      expect(await page.getByTestId("version-permit").textContent()).toBe("1");
      await row.getByLabel("Số lượng").fill("10");
      await row.getByRole("button", { name: "Lưu thời hạn" }).click();
      await page.getByTestId("version-permit").filter({ hasText: "2" }).waitFor();
      expect(await row.textContent()).toContain("10 ngày làm việc");
      await screenshot(page, "51-admin-saved-1366");
      expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
