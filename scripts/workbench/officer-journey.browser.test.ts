import type { Page } from "playwright-core";
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
 * An officer's journey through the pages alone: receive at the ward's counter, see it on the worklist,
 * transfer it to the department, whose officer requests a supplement, receives it, resolves and returns
 * the result. Refusals and validation errors show in Vietnamese next to the field they concern.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness("wb_journey");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

interface Dossier {
  dossierId: string;
  code: string;
  status: string;
  dueAt: string;
  revision: number;
}

/** The dossier as the API answers it, to hold the page against. */
async function apiDossier(dossierId: string): Promise<Dossier> {
  const r = await h.call<Dossier>(
    "GET",
    `/dossiers/${dossierId}/state?at=${encodeURIComponent(new Date().toISOString())}`,
    {
      role: "auditor",
    },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const statusText = (page: Page) => page.getByTestId("status").textContent();

/** Submits an action's form and waits for the page to show the dossier's next revision. */
async function act(page: Page, action: string, fill: (form: ReturnType<Page["locator"]>) => Promise<void>) {
  const before = await page.locator(".timeline li").count();
  const form = page.locator(`form[data-action="${action}"]`);
  await fill(form);
  await form.locator('button[type="submit"]').click();
  await page.locator(".timeline li").nth(before).waitFor();
}

describe("an officer's journey in Chromium", () => {
  it("receives, transfers, requests and receives a supplement, resolves and returns — through the pages alone", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { unitName: UNITS.wardA.name });
      await page.getByRole("link", { name: "Tiếp nhận hồ sơ" }).click();
      await page.locator("#procedureId option").nth(1).waitFor({ state: "attached" });
      // Only what a ward may receive.
      const offered = await page.locator("#procedureId option").allTextContents();
      expect(offered.some((o) => o.includes("Cấp giấy phép xây dựng nhà ở riêng lẻ"))).toBe(true);

      // Nothing filled in: the API's refusals, in Vietnamese, under the fields they name.
      await page.getByRole("button", { name: "Tiếp nhận hồ sơ" }).click();
      await page.locator("#procedureId-error").waitFor();
      expect(await page.locator("#procedureId-error").textContent()).toBe("Vui lòng nhập thông tin này.");
      expect(await page.locator("#applicant-name-error").textContent()).toBe("Vui lòng nhập thông tin này.");
      expect(await page.locator("#procedureId").getAttribute("aria-invalid")).toBe("true");
      await screenshot(page, "10-receipt-refused-1366");

      await page.locator("#procedureId").selectOption("permit");
      await page.getByTestId("due-preview").waitFor();
      expect(await page.locator(".due-preview").textContent()).toContain("15 ngày làm việc");
      await page.getByLabel("Họ và tên").fill("Nguyễn Văn Minh");
      await page.getByLabel("Số định danh cá nhân / CCCD").fill("019085009999");
      await page.getByLabel("Số điện thoại").fill("0912000111");
      await page.getByLabel("Địa chỉ").fill("Tổ 5, phường Phan Đình Phùng");
      await page.getByLabel("Tên giấy tờ 1").fill("Đơn đề nghị cấp giấy phép xây dựng");
      await page.getByLabel("Đã số hóa").check();
      await page.getByRole("button", { name: "Thêm giấy tờ" }).click();
      await page.getByLabel("Tên giấy tờ 2").fill("Bản vẽ thiết kế");
      await screenshot(page, "11-receipt-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await page.setViewportSize({ width: 360, height: 780 });
      await screenshot(page, "11-receipt-360");
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
      await page.setViewportSize({ width: 1366, height: 900 });
      await page.getByRole("button", { name: "Tiếp nhận hồ sơ" }).click();

      // The dossier's page: what the API recorded, in words.
      await page.waitForURL(/\/ho-so\/[0-9a-f-]{36}$/);
      const dossierId = page.url().split("/").pop() as string;
      await page.getByTestId("status").waitFor();
      const received = await apiDossier(dossierId);
      expect(await page.locator("h1").textContent()).toBe(`Hồ sơ ${received.code}`);
      expect(await statusText(page)).toBe("Đã tiếp nhận");
      const dueText = (await page.getByTestId("due-at").textContent()) ?? "";
      expect(dueText).toMatch(/^\d\d:\d\d \d\d\/\d\d\/\d{4}/);
      const timeline = page.locator(".timeline");
      expect(await timeline.textContent()).toContain(`Lê Thị Thu, ${UNITS.wardA.name}: tiếp nhận hồ sơ`);
      await screenshot(page, "12-dossier-received-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // On the worklist, with the same due moment.
      await page.getByRole("link", { name: "Hồ sơ của đơn vị" }).click();
      const row = page.locator(`tr[data-code="${received.code}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(dueText.slice(0, 16));
      expect(await row.textContent()).toContain("Nguyễn Văn Minh");
      await row.getByRole("link").click();
      await page.getByTestId("status").waitFor();

      // A colleague records a fee and its payment behind this page's back: the page's revision is stale,
      // so its next action is refused (409), said in words, and the page reloads with their events.
      const colleague = { role: "officer", unitId: UNITS.wardA.unitId } as const;
      expect(
        (await h.call("POST", `/dossiers/${dossierId}/fee-request`, colleague, { reason: "Lệ phí cấp phép" }))
          .status,
      ).toBe(200);
      expect((await h.call("POST", `/dossiers/${dossierId}/fee-paid`, colleague, {})).status).toBe(200);
      const staleForm = page.locator('form[data-action="withdraw"]');
      await staleForm.getByLabel("Lý do").fill("Công dân xin rút");
      await staleForm.locator('button[type="submit"]').click();
      await page.getByRole("status").filter({ hasText: "Hồ sơ vừa được người khác cập nhật" }).waitFor();
      await page.locator(".timeline li").nth(2).waitFor();
      expect(await page.locator(".timeline .event-words").allTextContents()).toEqual([
        "tiếp nhận hồ sơ",
        "yêu cầu thực hiện nghĩa vụ tài chính",
        "ghi nhận đã nộp phí, lệ phí",
      ]);
      await page.getByTestId("status").filter({ hasText: "Đang giải quyết" }).waitFor();

      // Transfer to the department, along the procedure's path.
      await act(page, "transfer", async (form) => {
        await form.getByLabel("Đơn vị nhận").selectOption({ label: UNITS.department.name });
        await form.getByLabel("Lý do").fill("Chuyển Sở Xây dựng thẩm định");
      });
      await page.getByTestId("current-unit").filter({ hasText: UNITS.department.name }).waitFor();
      expect(await timeline.textContent()).toContain("chuyển hồ sơ liên thông");
      expect(await timeline.textContent()).toContain(`Chuyển đến: ${UNITS.department.name}`);
      expect(await page.locator("form[data-action]").count()).toBe(0);
      expect(await page.locator(".panel").last().textContent()).toContain("chỉ xem");

      // The department's officer takes it from here.
      await page.getByRole("button", { name: "Đăng xuất" }).click();
      await signIn(page, h.base, { unitName: UNITS.department.name });
      await page.locator(`tr[data-code="${received.code}"] a`).click();
      await page.getByTestId("status").waitFor();

      // A supplement request without its reason: refused, next to the reason field.
      await page.locator('form[data-action="supplement-request"] button[type="submit"]').click();
      await page.locator("#supplement-request-reason-error").waitFor();
      expect(await page.locator("#supplement-request-reason-error").textContent()).toBe(
        "Vui lòng nêu lý do.",
      );
      // An apology promising a moment before the legal due moment: the rule's refusal, next to that field.
      await page.locator("#apology-reason").fill("Cần thêm thời gian thẩm định");
      await page.locator("#apology-promisedAt").fill("2020-01-06T09:00");
      await page.locator('form[data-action="apology"] button[type="submit"]').click();
      await page.locator("#apology-promisedAt-error").waitFor();
      expect(await page.locator("#apology-promisedAt-error").textContent()).toMatch(/^Thời điểm hẹn lại/);
      await screenshot(page, "13-dossier-refusals-1366");

      await act(page, "supplement-request", async (form) => {
        await form.getByLabel("Lý do").fill("Thiếu bản vẽ mặt bằng móng");
      });
      await page.getByTestId("status").filter({ hasText: "Chờ bổ sung hồ sơ" }).waitFor();
      // Form 02, the supplement request as the applicant receives it, from that event.
      await page.getByRole("link", { name: /Mẫu 02/ }).click();
      await page.getByTestId("notice-form").waitFor();
      const form02 = (await page.getByTestId("notice-form").textContent()) ?? "";
      expect(form02).toContain("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ");
      expect(form02).toContain("Thiếu bản vẽ mặt bằng móng");
      expect(form02).toContain("Kính gửi: Nguyễn Văn Minh");
      await screenshot(page, "13b-form-02-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await page.getByRole("link", { name: "Quay lại hồ sơ" }).click();
      await page.getByTestId("status").filter({ hasText: "Chờ bổ sung hồ sơ" }).waitFor();
      await act(page, "supplement-received", async () => {});
      await page.getByTestId("status").filter({ hasText: "Đang giải quyết" }).waitFor();
      await act(page, "resolve", async (form) => {
        await form.getByLabel("Chấp thuận (cấp kết quả)").check();
        await form.getByLabel("Ghi chú").fill("Cấp giấy phép số 12/GPXD");
      });
      await page.getByTestId("status").filter({ hasText: "Đã có kết quả" }).waitFor();
      await act(page, "return", async (form) => {
        await form.getByLabel("Hình thức trả").selectOption("counter");
      });
      await page.getByTestId("status").filter({ hasText: "Đã trả kết quả" }).waitFor();
      expect((await apiDossier(dossierId)).status).toBe("returned");

      const words = await page.locator(".timeline .event-words").allTextContents();
      expect(words).toEqual([
        "tiếp nhận hồ sơ",
        "yêu cầu thực hiện nghĩa vụ tài chính",
        "ghi nhận đã nộp phí, lệ phí",
        "chuyển hồ sơ liên thông",
        "yêu cầu bổ sung hồ sơ",
        "nhận hồ sơ bổ sung",
        "giải quyết xong hồ sơ",
        "trả kết quả",
      ]);
      expect(await timeline.textContent()).toContain(
        `Trần Văn Bình, ${UNITS.department.name}: yêu cầu bổ sung hồ sơ`,
      );
      // A returned dossier takes no step of its life any more; what Decision 766 counts may still be
      // recorded: the electronic result and the synchronisation with the national portal.
      const left = await page.locator(".panel").last().textContent();
      expect(left).toContain("Ghi nhận đã cấp kết quả điện tử");
      expect(left).toContain("Ghi nhận đã đồng bộ lên Cổng Dịch vụ công quốc gia");
      expect(left).not.toContain("Trả kết quả");
      await screenshot(page, "14-dossier-returned-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      // Each unit's share of the time: the ward until the transfer, then the department.
      const shares = await page.locator("table.unit-shares tbody tr").allTextContents();
      expect(shares).toHaveLength(2);
      expect(shares[0]).toContain(UNITS.wardA.name);
      expect(shares[1]).toContain(UNITS.department.name);

      await page.setViewportSize({ width: 360, height: 780 });
      await screenshot(page, "15-dossier-returned-360");
      await page.setViewportSize({ width: 1366, height: 900 });

      // Form 06, the process-control sheet, written from the events.
      await page.getByRole("link", { name: /Mẫu 06/ }).click();
      await page.getByTestId("control-sheet").waitFor();
      const sheet = page.getByTestId("control-sheet");
      expect(await sheet.locator("tbody tr").count()).toBe(words.length);
      expect(await sheet.textContent()).toContain(
        `Giao: ${UNITS.wardA.name} — Nhận: ${UNITS.department.name}`,
      );
      expect(await sheet.locator("tbody tr", { hasText: "giải quyết xong hồ sơ" }).textContent()).toMatch(
        /Trước hạn|Đúng hạn/,
      );
      await screenshot(page, "16-form-06-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(errors.filter((e) => !e.includes("status of 4"))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
