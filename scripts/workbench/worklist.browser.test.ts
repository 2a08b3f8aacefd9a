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
 * An officer of a ward signs in on the development page and finds the ward's open dossiers: soonest due
 * first, overdue in red, due soon in amber, a provisional deadline marked, counts at the top, filters;
 * an online submission waits above the list for acceptance.
 */
let h: Harness;
const codes: Record<string, string> = {};
const applicant = (name: string) => ({ name, idNumber: "019085001234", phone: "0912345678" });

beforeAll(async () => {
  h = await startHarness("wb_worklist");
  const officerA = { role: "officer", unitId: UNITS.wardA.unitId } as const;
  const receive = async (key: string, procedureId: string, name: string) => {
    const r = await h.call<{ code: string; position: number }>("POST", "/dossiers", officerA, {
      procedureId,
      unitId: UNITS.wardA.unitId,
      channel: "direct",
      applicant: applicant(name),
      documents: [{ name: "Tờ khai", digitized: true }],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    codes[key] = r.body.code;
    return r.body.position;
  };
  // Received thirty days ago with five working days: long overdue, recorded as such by the import.
  const overdue = await h.call<{ code: string }>(
    "POST",
    "/dossiers/import",
    { role: "admin" },
    {
      procedureId: "land",
      unitId: UNITS.wardA.unitId,
      channel: "direct",
      applicant: applicant("Trần Thị Quá Hạn"),
      receivedAt: new Date(Date.now() - 30 * 86_400_000).toISOString(),
      actions: [],
    },
  );
  expect(overdue.status, JSON.stringify(overdue.body)).toBe(201);
  codes.overdue = overdue.body.code;
  await receive("dueSoon", "birth", "Lê Văn Sắp Hạn");
  await receive("inTime", "permit", "Phạm Thị Trong Hạn");
  await receive("provisional", "longRun", "Hoàng Văn Tạm Tính");
  // Another ward's dossier: never on this ward's list.
  await h.call(
    "POST",
    "/dossiers",
    { role: "officer", unitId: UNITS.wardB.unitId },
    {
      procedureId: "permit",
      unitId: UNITS.wardB.unitId,
      channel: "direct",
      applicant: applicant("Người Phường Khác"),
    },
  );
  const submitted = await h.call<{ position: number }>("POST", "/submissions", officerA, {
    procedureId: "birth",
    unitId: UNITS.wardA.unitId,
    applicant: applicant("Đỗ Thị Trực Tuyến"),
    documents: [{ name: "Tờ khai điện tử", digitized: true }],
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
  // The page reads the read models: wait until they reflect every write above.
  const caughtUp = await h.call(
    "GET",
    `/dossiers?unitId=${UNITS.wardA.unitId}&minPosition=${submitted.body.position}`,
    officerA,
  );
  expect(caughtUp.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe("the officer's worklist in Chromium", () => {
  it("signs in as a demo officer and lists the ward's open dossiers soonest due first, coloured by their deadline", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await page.goto(`${h.base}/`);
      await page.waitForURL(/\/dang-nhap/);
      await page.locator(".user-card").first().waitFor();
      await screenshot(page, "01-sign-in-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      expect(await page.locator("h1").textContent()).toBe("Đăng nhập");
      await page.setViewportSize({ width: 360, height: 780 });
      await screenshot(page, "01-sign-in-360");
      await page.setViewportSize({ width: 1366, height: 900 });

      await signIn(page, h.base, { unitName: UNITS.wardA.name });
      const rows = page.locator("table.worklist tbody tr");
      await rows.nth(3).waitFor();
      expect(await rows.count()).toBe(4);
      expect(await page.locator(".who").textContent()).toContain(UNITS.wardA.name);

      // Soonest due first: the overdue one, then the one due within a day, then the others by due moment.
      const order = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-code")));
      expect(order.slice(0, 2)).toEqual([codes.overdue, codes.dueSoon]);
      expect(order.slice(2).sort()).toEqual([codes.inTime, codes.provisional].sort());
      const stateOf = (code: string | undefined) =>
        page.locator(`tr[data-code="${code}"]`).getAttribute("data-due-state");
      expect(await stateOf(codes.overdue)).toBe("overdue");
      expect(await stateOf(codes.dueSoon)).toBe("due-soon");
      expect(await stateOf(codes.inTime)).toBe("in-time");
      expect(await page.locator(`tr[data-code="${codes.overdue}"] .badge-overdue`).textContent()).toBe(
        "Quá hạn",
      );
      expect(await page.locator(`tr[data-code="${codes.dueSoon}"] .badge-due-soon`).textContent()).toBe(
        "Sắp đến hạn",
      );
      expect(
        await page.locator(`tr[data-code="${codes.provisional}"] .badge-provisional`).textContent(),
      ).toBe("Tạm tính");
      expect(await page.locator(`tr[data-code="${codes.inTime}"] .badge-provisional`).count()).toBe(0);
      // The red is red and the amber amber, as a person sees them.
      const background = (code: string | undefined) =>
        page
          .locator(`tr[data-code="${code}"] td`)
          .first()
          .evaluate(
            (td) =>
              (
                globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
              ).getComputedStyle(td).backgroundColor,
          );
      expect(await background(codes.overdue)).toBe("rgb(253, 232, 231)");
      expect(await background(codes.dueSoon)).toBe("rgb(255, 243, 214)");

      expect(await page.locator('[data-count="open"]').textContent()).toBe("4");
      expect(await page.locator('[data-count="overdue"]').textContent()).toBe("1");
      expect(await page.locator('[data-count="due-soon"]').textContent()).toBe("1");
      // Names of people and procedures, never ids; the other ward's dossier is not here.
      const table = (await page.locator("table.worklist").textContent()) ?? "";
      expect(table).toContain("Trần Thị Quá Hạn");
      expect(table).toContain("Cấp giấy phép xây dựng nhà ở riêng lẻ");
      expect(table).toContain("Đã tiếp nhận");
      expect(table).not.toContain("Người Phường Khác");

      // The online submission waits above the list, with accept and refuse.
      expect(await page.locator(".intake").textContent()).toContain("Hồ sơ nộp trực tuyến chờ tiếp nhận (1)");
      await screenshot(page, "02-worklist-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // Filters: by field, then by deadline state.
      await page.getByLabel("Lĩnh vực").selectOption("Hộ tịch");
      await page.locator("table.worklist tbody tr").first().waitFor();
      expect(await page.locator("table.worklist tbody tr").count()).toBe(1);
      expect(await page.locator(".result-count").textContent()).toBe(
        "Hiển thị 1 / 4 hồ sơ, hạn sớm nhất trước.",
      );
      await page.getByLabel("Lĩnh vực").selectOption("");
      await page.getByLabel("Hạn xử lý").selectOption("overdue");
      expect(await page.locator("table.worklist tbody tr").count()).toBe(1);
      expect(await page.locator("table.worklist tbody tr").getAttribute("data-code")).toBe(codes.overdue);
      await page.getByLabel("Hạn xử lý").selectOption("");

      await page.setViewportSize({ width: 360, height: 780 });
      await screenshot(page, "03-worklist-360");
      // On a phone each dossier is a card: nothing wider than the screen.
      expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
