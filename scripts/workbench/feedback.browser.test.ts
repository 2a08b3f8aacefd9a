import { waitFor } from "@motcua/testing";
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
 * Feedback (phản ánh, kiến nghị) end to end in Chromium: a citizen sends it from a 360 px phone and gets a
 * tracking code, an officer of the unit answers and publishes it from the workbench, the citizen sees the
 * answer by the code — and never anyone's words or contact on the public page.
 */
let h: Harness;
const CONTENT = "Bộ phận một cửa hẹn trả kết quả nhưng đến nay chưa trả, đề nghị kiểm tra.";
const CONTACT = "0987000111";
const ANSWER = "Đơn vị đã kiểm tra, trả kết quả cho ông/bà và nhắc nhở cán bộ liên quan.";

beforeAll(async () => {
  h = await startHarness("wb_feedback");
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("feedback in Chromium", () => {
  it("a citizen sends feedback, an officer answers and publishes it, the citizen sees the answer", async () => {
    const phone = await openContext(h, { width: 360, height: 740 });
    let trackingCode = "";
    try {
      // From the citizens' lookup page to the form.
      await phone.page.goto(`${h.base}/tra-cuu`);
      await phone.page.getByRole("link", { name: "Gửi phản ánh, kiến nghị" }).click();
      await phone.page.waitForURL(/\/phan-anh$/);
      await phone.page.getByRole("heading", { name: "Gửi phản ánh, kiến nghị" }).waitFor();

      // Sent empty: the rules in Vietnamese next to the fields, nothing recorded.
      await phone.page.getByRole("button", { name: "Gửi phản ánh" }).click();
      await phone.page.locator("#fb-content-error").waitFor();
      expect(await phone.page.locator("#fb-content-error").textContent()).toContain("nội dung phản ánh");
      expect(await phone.page.locator("#fb-unit-error").textContent()).toContain("Hãy chọn đơn vị");
      await screenshot(phone.page, "60-feedback-form-errors-360");
      expect(await seriousAccessibilityViolations(phone.page)).toEqual([]);

      await phone.page.getByLabel("Đơn vị").selectOption({ label: UNITS.wardA.name });
      await phone.page.getByLabel(/Nội dung phản ánh/).fill(CONTENT);
      await phone.page.getByLabel(/Thông tin liên hệ/).fill(CONTACT);
      await phone.page.getByRole("button", { name: "Gửi phản ánh" }).click();
      await phone.page.getByTestId("tracking-code").waitFor();
      trackingCode = ((await phone.page.getByTestId("tracking-code").textContent()) ?? "").trim();
      expect(trackingCode).toMatch(/^PA-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(await phone.page.locator("body").textContent()).toContain(UNITS.wardA.name);
      expect(await phone.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
      await screenshot(phone.page, "61-feedback-sent-360");
      expect(await seriousAccessibilityViolations(phone.page)).toEqual([]);
      expect(phone.errors.filter((e) => !e.includes("400"))).toEqual([]);
    } finally {
      await phone.context.close();
    }

    // The projector has it in the unit's worklist.
    const officer = { role: "officer", unitId: UNITS.wardA.unitId } as const;
    await waitFor("the feedback in the worklist", async () => {
      const r = await h.call<{ items: unknown[] }>("GET", "/feedback?status=open", officer);
      return r.status === 200 && r.body.items.length > 0;
    });

    const desk = await openContext(h);
    try {
      await signIn(desk.page, h.base, { unitName: UNITS.wardA.name });
      await desk.page.getByRole("link", { name: "Phản ánh, kiến nghị" }).click();
      await desk.page.waitForURL(/\/phan-anh-kien-nghi$/);
      const row = desk.page.locator("table.worklist tbody tr").first();
      await row.waitFor();
      expect(await row.textContent()).toContain("Đã tiếp nhận");
      expect(await desk.page.locator("body").textContent()).not.toContain(CONTACT);
      await screenshot(desk.page, "62-feedback-worklist-1366");
      expect(await seriousAccessibilityViolations(desk.page)).toEqual([]);

      await row.getByRole("link").click();
      await desk.page.getByTestId("feedback-content").waitFor();
      expect(await desk.page.getByTestId("feedback-content").textContent()).toBe(CONTENT);
      expect(await desk.page.getByTestId("feedback-contact").textContent()).toBe(CONTACT);

      // An empty answer is refused next to its field.
      await desk.page.getByRole("button", { name: "Gửi trả lời" }).click();
      await desk.page.locator("#fb-answer-error").waitFor();
      expect(await desk.page.locator("#fb-answer-error").textContent()).toContain("nội dung trả lời");

      await desk.page.getByLabel("Nội dung trả lời").fill(ANSWER);
      await desk.page.getByRole("button", { name: "Gửi trả lời" }).click();
      await desk.page.getByText("Đã ghi câu trả lời.").waitFor();
      await desk.page.getByText("Nội dung trả lời (đã công khai)").waitFor();
      await screenshot(desk.page, "63-feedback-answered-1366");
      expect(await seriousAccessibilityViolations(desk.page)).toEqual([]);
      expect(desk.errors).toEqual([
        expect.stringContaining("400"), // the empty answer's refusal, as the browser logs a 4xx
      ]);
    } finally {
      await desk.context.close();
    }

    const later = await openContext(h, { width: 360, height: 740 });
    try {
      await later.page.goto(`${h.base}/phan-anh/tra-cuu`);
      await later.page.getByLabel(/Mã theo dõi/).fill(trackingCode.toLowerCase());
      await later.page.getByRole("button", { name: "Tra cứu" }).click();
      await later.page.getByTestId("feedback-answer").waitFor();
      expect(await later.page.getByTestId("feedback-status").textContent()).toBe("Đã trả lời");
      expect(await later.page.getByTestId("feedback-answer").textContent()).toBe(ANSWER);
      const text = (await later.page.locator("body").textContent()) ?? "";
      expect(text).not.toContain(CONTENT);
      expect(text).not.toContain(CONTACT);
      expect(await later.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
      await screenshot(later.page, "64-feedback-tracking-360");
      expect(await seriousAccessibilityViolations(later.page)).toEqual([]);

      await later.page.goto(`${h.base}/phan-anh/PA-0000-0000`);
      await later.page.getByRole("alert").waitFor();
      expect(await later.page.getByRole("alert").textContent()).toContain("Không có phản ánh, kiến nghị nào");
    } finally {
      await later.context.close();
    }

    // The sender asks for their data to be erased: an admin does it from the same page.
    const admin = await openContext(h);
    try {
      await signIn(admin.page, h.base, { title: "Quản trị hệ thống" });
      await admin.page.getByRole("link", { name: "Phản ánh, kiến nghị" }).click();
      await admin.page.getByLabel("Tình trạng").selectOption({ label: "Tất cả" });
      await admin.page.locator("table.worklist tbody tr").first().getByRole("link").click();
      await admin.page.getByTestId("feedback-content").waitFor();
      await admin.page.getByLabel(/Căn cứ xoá/).fill("Yêu cầu xoá dữ liệu số 15/2026");
      await admin.page.getByRole("button", { name: "Xoá thông tin người gửi" }).click();
      await admin.page.getByText("Đã xoá thông tin người gửi.").waitFor();
      await admin.page.getByTestId("feedback-content").filter({ hasText: "Đã xoá theo yêu cầu." }).waitFor();
      expect(await admin.page.getByTestId("feedback-contact").textContent()).toBe("Đã xoá theo yêu cầu.");
      const text = (await admin.page.locator("body").textContent()) ?? "";
      expect(text).not.toContain(CONTENT);
      expect(text).not.toContain(CONTACT);
      expect(text).not.toContain(ANSWER);
      await screenshot(admin.page, "65-feedback-erased-1366");
      expect(await seriousAccessibilityViolations(admin.page)).toEqual([]);
    } finally {
      await admin.context.close();
    }
  }, 120_000);
});
