import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AnyDb,
  createTransparencyReactor,
  type EvidenceBundle,
  publicKeyInfo,
  signingKeyFrom,
  verifyEvidenceBundle,
} from "@motcua/transparency-log";
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
 * An inspector opens a dossier: the page checks its events' inclusion proofs against the latest signed
 * head in the browser (WebCrypto) and the head's signature, and the evidence bundle it downloads passes
 * the offline verifier — and fails it once a byte is changed.
 */
const SIGNING_KEY = Buffer.alloc(32, 14).toString("base64");
let h: Harness;
let dossier: { dossierId: string; code: string };
const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
const clerk = { id: "clerk-pdp", name: "Nguyễn Thị Lan", unitId: UNITS.wardA.unitId };

beforeAll(async () => {
  h = await startHarness("wb_proof", { env: { CHECKPOINT_SIGNING_KEY: SIGNING_KEY } });
  // Other dossiers first, so the tree has more than this dossier's leaves and the proofs have length.
  for (let i = 0; i < 3; i++) {
    const other = await h.call(
      "POST",
      "/dossiers/import",
      { role: "admin" },
      {
        procedureId: "permit",
        unitId: UNITS.wardA.unitId,
        channel: "direct",
        applicant: { name: "Trần Văn Khác", idNumber: `01908500100${i}` },
        receivedAt: ago(5),
        actor: clerk,
        actions: [],
      },
    );
    expect(other.status, JSON.stringify(other.body)).toBe(201);
  }
  const r = await h.call<{ dossierId: string; code: string }>(
    "POST",
    "/dossiers/import",
    { role: "admin" },
    {
      procedureId: "permit",
      unitId: UNITS.wardA.unitId,
      channel: "direct",
      applicant: { name: "Phan Văn Hỏi", idNumber: "019085003334" },
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
      ],
    },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  dossier = r.body;
  // The scheduler's reactor, run here: the whole log into the tree, and a head signed with the API's key.
  const reactor = createTransparencyReactor({
    db: h.system.runtime.db as unknown as AnyDb,
    store: h.system.runtime.store,
    signingKey: signingKeyFrom(SIGNING_KEY),
    intervalMs: 1_000,
    now: () => new Date(),
  });
  let signed = false;
  while (!signed) signed = (await reactor.step()).signed !== null;
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe("the inspector's proof and evidence in Chromium", () => {
  it("verifies the inclusion proofs in the browser and downloads a bundle the offline verifier accepts", async () => {
    const { context, page, errors } = await openContext(h);
    try {
      await signIn(page, h.base, { title: "Thanh tra" });
      await page.goto(`${h.base}/thanh-tra/${dossier.dossierId}`);
      await page.getByTestId("proof-badge").waitFor();
      expect(await page.getByTestId("proof-badge").textContent()).toBe(
        "Đã kiểm tra trong trình duyệt: 2/2 sự kiện nằm trong cây đã ký",
      );
      expect(await page.getByTestId("signature-badge").textContent()).toBe(
        "Chữ ký Ed25519 của bản ghi hợp lệ",
      );
      const rows = await page.getByTestId("proof-table").locator("tbody tr").allTextContents();
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(row).toContain("Khớp với gốc cây đã ký");
      await screenshot(page, "33-inspector-proof-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Tải gói chứng cứ (JSON)" }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`chung-cu-${dossier.code}.json`);
      const dir = await mkdtemp(join(tmpdir(), "motcua-evidence-"));
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const text = await readFile(file, "utf8");
      await rm(dir, { recursive: true, force: true });
      const bundle = JSON.parse(text) as EvidenceBundle;
      // The offline verifier (what pnpm audit:verify runs), with the key the inspector kept.
      const { publicKeyPem } = publicKeyInfo(signingKeyFrom(SIGNING_KEY));
      const verdict = verifyEvidenceBundle(bundle, publicKeyPem);
      expect(verdict.failure).toBeUndefined();
      expect(verdict).toMatchObject({ valid: true, checked: { events: 2 } });

      // One byte of the downloaded file changed (an event's hash): the verifier refuses it.
      const event = bundle.events[1] as { hash: string };
      const flipped = `${event.hash[0] === "0" ? "1" : "0"}${event.hash.slice(1)}`;
      const edited = text.replace(event.hash, flipped);
      expect(edited.length).toBe(text.length);
      expect(verifyEvidenceBundle(JSON.parse(edited) as EvidenceBundle, publicKeyPem).valid).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
