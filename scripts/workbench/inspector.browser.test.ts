import pg from "pg";
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
 * An inspector holding a slip finds the dossier by its code, reads every event with who did it, checks
 * the hash chain, looks at the state on a past instant — and sees the broken revision after a row is
 * edited directly in Postgres.
 */
let h: Harness;
let dossier: { dossierId: string; code: string };
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
/** A datetime-local value in Vietnam's time zone. */
const localInput = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16);
const clerk = { id: "clerk-pdp", name: "Nguyễn Thị Lan", unitId: UNITS.wardA.unitId };
const specialist = { id: "cv-so-xd", name: "Đinh Văn Khoa", unitId: UNITS.department.unitId };

beforeAll(async () => {
  h = await startHarness("wb_inspector");
  const r = await h.call<{ dossierId: string; code: string; position: number }>(
    "POST",
    "/dossiers/import",
    { role: "admin" },
    {
      procedureId: "permit",
      unitId: UNITS.wardA.unitId,
      channel: "direct",
      applicant: { name: "Phan Văn Hỏi", idNumber: "019085003333" },
      receivedAt: ago(4),
      actor: clerk,
      actions: [
        {
          action: "transfer",
          at: ago(3),
          toUnitId: UNITS.department.unitId,
          reason: "Thẩm định",
          actor: clerk,
        },
        { action: "resolve", at: ago(1), outcome: "approved", actor: specialist },
      ],
    },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  dossier = r.body;
  expect(
    (
      await h.call("GET", `/dossiers/${dossier.dossierId}?minPosition=${r.body.position}`, {
        role: "auditor",
      })
    ).status,
  ).toBe(200);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("the inspector's pages in Chromium", () => {
  it("finds a dossier by code, shows every event with names, the chain check and a past state; a tampered row shows", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { title: "Thanh tra" });
      await page.waitForURL(/\/thanh-tra$/);
      await page.getByLabel(/Mã hồ sơ/).fill(dossier.code.toLowerCase());
      await page.getByRole("button", { name: "Tìm hồ sơ" }).click();
      await page.waitForURL(`${h.base}/thanh-tra/${dossier.dossierId}`);
      await page.getByTestId("chain-badge").waitFor();

      const lines = await page.locator(".timeline li > div:first-child").allTextContents();
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain(`Nguyễn Thị Lan, ${UNITS.wardA.name}: tiếp nhận hồ sơ`);
      expect(lines[1]).toContain(`Nguyễn Thị Lan, ${UNITS.wardA.name}: chuyển hồ sơ liên thông`);
      expect(lines[2]).toContain(`Đinh Văn Khoa, ${UNITS.department.name}: giải quyết xong hồ sơ`);
      expect(await page.locator(".timeline").textContent()).toContain("Ghi nhận lại bởi");
      expect(await page.getByTestId("chain-badge").textContent()).toBe("Chuỗi băm toàn vẹn: 3 sự kiện");
      // No scheduler here, so no signed head yet: the proof panel says so (inspector-proof checks a head).
      await page.getByTestId("proof-badge").waitFor();
      expect(await page.getByTestId("proof-badge").textContent()).toContain("chưa ký bản ghi nào");

      // Two days ago: transferred, not yet resolved, held by the department.
      await page.locator("#state-at").fill(localInput(Date.now() - 2 * DAY));
      await page.getByRole("button", { name: "Xem trạng thái" }).click();
      await page.getByTestId("state-at-result").waitFor();
      const past = (await page.getByTestId("state-at-result").textContent()) ?? "";
      expect(past).toContain(UNITS.department.name);
      expect(await page.getByTestId("state-at-status").textContent()).not.toContain("Đã có kết quả");
      await screenshot(page, "30-inspector-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      // A DBA edits where the transfer went, directly in Postgres, around the append-only trigger.
      const client = new pg.Client({ connectionString: h.system.databaseUrl });
      await client.connect();
      let revision: number;
      try {
        await client.query("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
        const row = await client.query(
          `UPDATE event_store.events SET data = replace(data::text, '"toUnitId":"so-xd"', '"toUnitId":"qt"')::json
           WHERE stream_id = $1 AND type = 'DossierTransferred' RETURNING revision`,
          [`dossier-${dossier.dossierId}`],
        );
        revision = Number(row.rows[0].revision);
      } finally {
        await client.end();
      }
      await page.reload();
      await page.getByTestId("chain-badge").waitFor();
      expect(await page.getByTestId("chain-badge").textContent()).toContain(
        `bị phá vỡ tại phiên bản ${revision}`,
      );
      const broken = page.locator(`.timeline li[data-revision="${revision}"]`);
      expect(await broken.getAttribute("class")).toContain("broken");
      expect(await broken.textContent()).toContain("Dữ liệu bị sửa đổi");
      await screenshot(page, "31-inspector-tampered-1366");
      await page.setViewportSize({ width: 360, height: 780 });
      await screenshot(page, "32-inspector-tampered-360");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
