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

  it("creates and edits a unit and a procedure through their forms, refusals in words next to the field", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { title: "Quản trị hệ thống" });
      await page.waitForURL(/\/quan-tri$/);
      const unitForm = page.getByRole("form", { name: "Thêm, sửa đơn vị" });
      await unitForm.waitFor();

      // A new ward whose validity ends before it starts: refused under "Hết hiệu lực sau ngày".
      await page.locator("#unit-id").fill("phuong-moi");
      await page.locator("#unit-code").fill("000.00.99.H49");
      await page.locator("#unit-name").fill("UBND phường Hòa Bình");
      await page.locator("#unit-level").selectOption("ward");
      await page.locator("#unit-parent").selectOption({ label: UNITS.province.name });
      await page.locator("#unit-valid-from").fill("2026-07-01");
      await page.locator("#unit-valid-to").fill("2026-06-30");
      await page.getByRole("button", { name: "Lưu đơn vị" }).click();
      await page.locator("#unit-valid-to-error").waitFor();
      expect(await page.locator("#unit-valid-to-error").textContent()).toBe(
        "Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực.",
      );
      expect(await page.locator("#unit-valid-to").getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, "52-admin-unit-refused-1366");
      const before = await h.call<{ items: { unitId: string }[] }>("GET", "/units", { role: "admin" });
      expect(before.body.items.map((u) => u.unitId)).not.toContain("phuong-moi");

      // A code with a hyphen: refused under the code; then saved and listed.
      await page.locator("#unit-valid-to").fill("");
      await page.locator("#unit-code").fill("000-99");
      await page.getByRole("button", { name: "Lưu đơn vị" }).click();
      await page.locator("#unit-code-error").waitFor();
      expect(await page.locator("#unit-code-error").textContent()).toBe(
        "Mã chỉ gồm chữ cái, chữ số và dấu chấm.",
      );
      await page.locator("#unit-code").fill("000.00.99.H49");
      await page.getByRole("button", { name: "Lưu đơn vị" }).click();
      await page.locator('tr[data-unit="phuong-moi"]').waitFor();
      expect(await page.locator('tr[data-unit="phuong-moi"]').textContent()).toContain(
        "UBND phường Hòa Bình",
      );

      // Edited: merged into ward A — an end date and a successor.
      await page.locator("#unit-pick").selectOption("phuong-moi");
      expect(await page.locator("#unit-name").inputValue()).toBe("UBND phường Hòa Bình");
      await page.locator("#unit-valid-to").fill("2026-12-31");
      await page.locator("#unit-successor").selectOption(UNITS.wardA.unitId);
      await page.getByRole("button", { name: "Lưu đơn vị" }).click();
      await page.locator('tr[data-unit="phuong-moi"]', { hasText: "đến 2026-12-31" }).waitFor();
      const stored = await h.call<{ items: { unitId: string; successorId?: string; validTo?: string }[] }>(
        "GET",
        "/units",
        { role: "admin" },
      );
      expect(stored.body.items.find((u) => u.unitId === "phuong-moi")).toMatchObject({
        successorId: UNITS.wardA.unitId,
        validTo: "2026-12-31",
        validFrom: "2026-07-01",
      });

      // A new procedure without a name and with a time limit that is not a number: both refused in place.
      const procedureForm = page.getByRole("form", { name: "Thêm, sửa thủ tục hành chính" });
      await procedureForm.scrollIntoViewIfNeeded();
      await page.locator("#proc-id").fill("giay-phep-moi");
      await page.locator("#proc-code").fill("1.000001");
      await page.locator("#proc-field").fill("Hoạt động xây dựng");
      await page.locator("#proc-limit").fill("mười");
      await page.getByRole("button", { name: "Lưu thủ tục" }).click();
      await page.locator("#proc-name-error").waitFor();
      expect(await page.locator("#proc-name-error").textContent()).toBe("Vui lòng nhập thông tin này.");
      expect(await page.locator("#proc-limit-error").textContent()).toBe("Vui lòng nhập một số.");
      await screenshot(page, "53-admin-procedure-refused-1366");

      await page.locator("#proc-name").fill("Cấp giấy phép sửa chữa nhà ở");
      await page.locator("#proc-limit").fill("12");
      await page.locator("#proc-level").selectOption("commune");
      await procedureForm.getByRole("checkbox", { name: "Phường (ward)" }).check();
      await procedureForm.getByRole("checkbox", { name: "Xã (commune)" }).check();
      await page.locator("#proc-inter-1").selectOption("commune");
      await page.locator("#proc-inter-2").selectOption("department");
      await page.getByRole("button", { name: "Lưu thủ tục" }).click();
      await page.getByTestId("version-giay-phep-moi").waitFor();
      expect(await page.getByTestId("version-giay-phep-moi").textContent()).toBe("1");
      const row = page.locator('tr[data-procedure="giay-phep-moi"]');
      expect(await row.textContent()).toContain("12 ngày làm việc");
      expect(await row.textContent()).toContain("Cấp xã → Sở, ngành");

      // Edited: a new version, the form saying which version it edits.
      await page.locator("#proc-pick").selectOption("giay-phep-moi");
      expect(await page.getByTestId("proc-current-version").textContent()).toContain("phiên bản 1");
      await page.locator("#proc-online").selectOption("full");
      await page.locator("#proc-supplement").selectOption("resume");
      await page.getByRole("button", { name: "Lưu thủ tục" }).click();
      await page.getByTestId("version-giay-phep-moi").filter({ hasText: "2" }).waitFor();
      expect(await procedureForm.getByRole("status").textContent()).toContain("Đã lưu phiên bản 2");
      // Both versions listed, newest first, with what changed.
      await page.getByTestId("procedure-versions").locator("tbody tr").nth(1).waitFor();
      const versions = await page.getByTestId("procedure-versions").locator("tbody tr").allTextContents();
      expect(versions).toHaveLength(2);
      expect(versions[0]).toMatch(/^2.*Toàn trình$/);
      expect(versions[1]).toMatch(/^1.*Một phần$/);
      const procedure = await h.call("GET", "/procedures/giay-phep-moi", { role: "admin" });
      expect(procedure.body).toMatchObject({
        version: 2,
        onlineService: "full",
        supplementPolicy: "resume",
        receivableAt: ["ward", "commune"],
        interLevels: ["commune", "department"],
        timeLimit: { value: 12, unit: "working_days" },
      });
      await screenshot(page, "54-admin-forms-saved-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
