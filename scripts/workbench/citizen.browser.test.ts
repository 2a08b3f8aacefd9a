import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Harness,
  openContext,
  SCREENSHOTS,
  screenshot,
  seriousAccessibilityViolations,
  signIn,
  startHarness,
  UNITS,
} from "./harness";

/**
 * Form 01 (the receipt and appointment slip) printed from the workbench, its QR code decoded back to the
 * citizens' lookup page, and that page on a 360 px phone: the status in Vietnamese, nothing personal.
 */
let h: Harness;
let dossier: { dossierId: string; code: string; dueAt: string; position: number };
const APPLICANT = {
  name: "Vũ Thị Riêng Tư",
  idNumber: "019085007777",
  phone: "0987654321",
  address: "Số 9 ngõ Bí Mật",
};

beforeAll(async () => {
  h = await startHarness("wb_citizen");
  const officer = { role: "officer", unitId: UNITS.wardA.unitId } as const;
  const r = await h.call<typeof dossier>("POST", "/dossiers", officer, {
    procedureId: "permit",
    unitId: UNITS.wardA.unitId,
    channel: "direct",
    applicant: APPLICANT,
    documents: [
      { name: "Đơn đề nghị cấp giấy phép xây dựng", digitized: true },
      { name: "Bản vẽ thiết kế", digitized: false },
    ],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  dossier = r.body;
  expect(
    (await h.call("GET", `/dossiers/${dossier.dossierId}?minPosition=${dossier.position}`, officer)).status,
  ).toBe(200);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** The QR code as the page draws it, read back by a QR decoder from a screenshot. */
function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
}

describe("form 01 and the citizens' lookup in Chromium", () => {
  it("prints the slip with the dossier's code, due moment and a QR code that opens the public page", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { unitName: UNITS.wardA.name });
      await page.goto(`${h.base}/ho-so/${dossier.dossierId}`);
      await page.getByRole("link", { name: /Mẫu 01/ }).click();
      await page.getByTestId("slip-code").waitFor();
      const slip = (await page.locator(".slip").textContent()) ?? "";
      expect(await page.getByTestId("slip-code").textContent()).toBe(dossier.code);
      expect(slip).toContain("Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
      expect(slip).toContain("Cộng hòa xã hội chủ nghĩa Việt Nam");
      expect(slip).toContain(`tiếp nhận hồ sơ của: ${APPLICANT.name}`);
      expect(slip).toContain("Cấp giấy phép xây dựng nhà ở riêng lẻ");
      expect(slip).toContain("15 ngày làm việc");
      expect(slip).toContain("Bản vẽ thiết kế");
      expect(slip).toContain("NGƯỜI TIẾP NHẬN HỒ SƠ");
      expect(await page.getByTestId("slip-due").textContent()).toMatch(
        /^\d\d giờ \d\d phút, ngày \d\d\/\d\d\/\d{4}$/,
      );
      await screenshot(page, "20-form-01-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // As printed: the workbench's frame goes, the slip stays; a PDF as the browser prints it.
      await page.emulateMedia({ media: "print" });
      expect(await page.locator(".topbar").isVisible()).toBe(false);
      expect(await page.locator(".slip").isVisible()).toBe(true);
      await screenshot(page, "21-form-01-print");
      await writeFile(
        join(SCREENSHOTS, "21-form-01.pdf"),
        await page.pdf({ format: "A4", printBackground: true }),
      );

      const qr = decodeQr(await page.getByTestId("qr").screenshot());
      expect(qr).toBe(`${h.base}/tra-cuu/${encodeURIComponent(dossier.code)}`);
      expect(errors).toEqual([]);

      // The citizen scans it on a phone: no sign-in, the status in words, nothing personal.
      const phone = await openContext(h, { width: 360, height: 740 });
      try {
        await phone.page.goto(qr as string);
        await phone.page.getByTestId("public-status").waitFor();
        expect(await phone.page.getByTestId("public-status").textContent()).toBe("Đã tiếp nhận");
        const text = (await phone.page.locator("body").textContent()) ?? "";
        expect(text).toContain(dossier.code);
        expect(text).toContain("Ngày hẹn trả kết quả");
        // The procedure and the agencies by name, from the public details.
        expect(await phone.page.getByTestId("public-procedure").textContent()).toBe(
          "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        );
        expect(text).toContain(`Cơ quan tiếp nhận${UNITS.wardA.name}`);
        for (const personal of Object.values(APPLICANT)) expect(text).not.toContain(personal);
        const width = await phone.page.evaluate("document.documentElement.scrollWidth");
        expect(width).toBeLessThanOrEqual(360);
        await screenshot(phone.page, "22-public-360");
        expect(await seriousAccessibilityViolations(phone.page)).toEqual([]);

        // Typing the code works the same; an unknown code says so in words.
        await phone.page.goto(`${h.base}/tra-cuu`);
        await phone.page.getByLabel(/Mã hồ sơ/).fill(dossier.code.toLowerCase());
        await phone.page.getByRole("button", { name: "Tra cứu" }).click();
        await phone.page.getByTestId("public-status").waitFor();
        expect(await phone.page.getByTestId("public-status").textContent()).toBe("Đã tiếp nhận");
        await phone.page.getByLabel(/Mã hồ sơ/).fill("000.00.00.H19-991231-9999");
        await phone.page.getByRole("button", { name: "Tra cứu" }).click();
        await phone.page.getByText("Không tìm thấy hồ sơ").waitFor();
        await screenshot(phone.page, "23-public-not-found-360");
        expect(phone.errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
      } finally {
        await phone.context.close();
      }
    } finally {
      await context.close();
    }
  }, 120_000);
});
