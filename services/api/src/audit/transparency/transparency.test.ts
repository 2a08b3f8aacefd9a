import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  catchUpTree,
  createTransparencyReactor,
  type EvidenceBundle,
  leafHash,
  publicKeyInfo,
  rootFromInclusionProof,
  signingKeyFrom,
  verifyConsistencyProof,
  verifyEvidenceBundle,
  verifyTreeHeadSignature,
} from "@motcua/transparency-log";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig } from "../../test-app";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../../test-runtime";

let rt: TestRuntime;
const key = signingKeyFrom(testConfig().checkpointSigningKey);
const hex = (text: string) => Buffer.from(text, "hex");

beforeAll(async () => {
  rt = await createTestRuntime("tlog_api");
});
afterAll(async () => rt?.dispose());

const reactor = () =>
  createTransparencyReactor({
    db: rt.db as never,
    store: rt.store,
    signingKey: key,
    intervalMs: 600_000,
    now: () => rt.clock.now(),
  });

const receive = async (): Promise<string> => {
  const response = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    payload: receiveBody(),
    headers: await rt.auth("officer", UNITS.communeA.unitId),
  });
  expect(response.statusCode).toBe(201);
  const id = response.json().dossierId as string;
  await rt.app.inject({
    method: "POST",
    url: `/dossiers/${id}/transfer`,
    payload: { toUnitId: UNITS.communeB.unitId, reason: "Chuyển xử lý" },
    headers: await rt.auth("officer", UNITS.communeA.unitId),
  });
  return id;
};

const get = async (url: string, role?: "auditor" | "officer") =>
  rt.app.inject({
    method: "GET",
    url,
    headers:
      role === undefined ? {} : await rt.auth(role, role === "officer" ? UNITS.communeA.unitId : undefined),
  });

describe("the transparency log over HTTP", () => {
  let dossierId: string;
  let firstSize: number;

  it("answers 404 for heads and proofs until a head is signed", async () => {
    dossierId = await receive();
    expect((await get("/audit/checkpoints/latest")).json().code).toBe("audit.no_signed_head");
    expect((await get(`/dossiers/${dossierId}/proof`, "auditor")).statusCode).toBe(404);
  });

  it("serves the public key and the latest signed head to anyone, and the head verifies under the key", async () => {
    await receive();
    const step = await reactor().step();
    expect(step.signed).not.toBeNull();
    const publicKey = (await get("/audit/public-key")).json();
    expect(publicKey).toEqual(publicKeyInfo(key));
    const latest = await get("/audit/checkpoints/latest");
    expect(latest.statusCode).toBe(200);
    expect(latest.json()).toEqual(step.signed);
    expect(verifyTreeHeadSignature(latest.json(), publicKey.publicKeyPem)).toBe(true);
    firstSize = latest.json().checkpoint.treeSize;
  });

  it("proves each of a dossier's events is in the signed tree, for auditors only", async () => {
    expect((await get(`/dossiers/${dossierId}/proof`)).statusCode).toBe(401);
    expect((await get(`/dossiers/${dossierId}/proof`, "officer")).statusCode).toBe(403);
    const response = await get(`/dossiers/${dossierId}/proof`, "auditor");
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.treeSize).toBe(firstSize);
    expect(body.events.map((e: { revision: number }) => e.revision)).toEqual([1, 2]);
    for (const event of body.events) {
      const root = rootFromInclusionProof(
        event.leafIndex,
        body.treeSize,
        leafHash(hex(event.hash)),
        event.auditPath.map(hex),
      );
      expect(root?.toString("hex")).toBe(body.rootHash);
    }
  });

  it("refuses a treeSize of 0 or beyond the latest signed head, naming treeSize", async () => {
    for (const treeSize of [0, firstSize + 1, -1]) {
      const response = await get(`/dossiers/${dossierId}/proof?treeSize=${treeSize}`, "auditor");
      expect(response.statusCode).toBe(400);
      expect(response.json().errors[0].path).toBe("query.treeSize");
    }
  });

  it("proves consistency between two signed heads, and refuses from > to and sizes never signed", async () => {
    await receive();
    rt.clock.advance(600_000);
    const second = (await reactor().step()).signed;
    const secondSize = second?.checkpoint.treeSize as number;
    expect(secondSize).toBeGreaterThan(firstSize);
    const heads = (await get("/audit/checkpoints?limit=10")).json().items;
    expect(heads.map((h: { checkpoint: { treeSize: number } }) => h.checkpoint.treeSize)).toEqual([
      secondSize,
      firstSize,
    ]);
    const older = (
      await get(`/audit/checkpoints?limit=10&before=${encodeURIComponent(heads[0].checkpoint.at)}`)
    ).json();
    expect(older.items).toHaveLength(1);

    const response = await get(`/audit/consistency?from=${firstSize}&to=${secondSize}`);
    expect(response.statusCode).toBe(200);
    const proof = response.json().proof.map(hex);
    expect(
      verifyConsistencyProof(
        firstSize,
        secondSize,
        hex(heads[1].checkpoint.rootHash),
        hex(heads[0].checkpoint.rootHash),
        proof,
      ),
    ).toBe(true);

    const bad = async (query: string, path: string) => {
      const r = await get(`/audit/consistency?${query}`);
      expect(r.statusCode).toBe(400);
      expect(r.json().errors[0].path).toBe(path);
    };
    await bad(`from=${secondSize}&to=${firstSize}`, "query.from");
    await bad(`from=${firstSize - 1}&to=${secondSize}`, "query.from");
    await bad(`from=${firstSize}&to=${secondSize + 5}`, "query.to");
    await bad(`from=0&to=${secondSize}`, "query.from");
  });

  it("hands auditors an evidence bundle that verifies offline, and a bundle edited by one byte fails naming the leaf", async () => {
    await catchUpTree(rt.db as never, rt.store);
    expect((await get(`/dossiers/${dossierId}/evidence`, "officer")).statusCode).toBe(403);
    const response = await get(`/dossiers/${dossierId}/evidence`, "auditor");
    expect(response.statusCode).toBe(200);
    const bundle = response.json() as EvidenceBundle;
    const verdict = verifyEvidenceBundle(bundle, publicKeyInfo(key).publicKeyPem);
    expect(verdict).toEqual({
      valid: true,
      checked: { events: 2, recomputedHashes: 2, treeSize: bundle.signedHead.checkpoint.treeSize },
    });
    // The bundle holds no applicant's data in clear.
    expect(JSON.stringify(bundle)).not.toContain("Nguyễn Văn An");
    expect(JSON.stringify(bundle)).not.toContain("019085001234");

    const second = bundle.events[1] as EvidenceBundle["events"][number];
    const editedData = structuredClone(bundle);
    (editedData.events[1] as typeof second).dataJson = (second.dataJson as string).replace("cb", "cc");
    expect(verifyEvidenceBundle(editedData).failure).toMatchObject({
      reason: "event_hash",
      leafIndex: second.leafIndex,
    });
    const head = bundle.signedHead;
    const signedOther = {
      ...bundle,
      signedHead: { ...head, checkpoint: { ...head.checkpoint, treeSize: head.checkpoint.treeSize + 1 } },
    };
    expect(verifyEvidenceBundle(signedOther).failure?.reason).toBe("signature");
    const path = structuredClone(bundle);
    const firstPath = (path.events[0] as typeof second).auditPath;
    firstPath[0] = `${(firstPath[0] as string).slice(0, 63)}${(firstPath[0] as string).endsWith("0") ? "1" : "0"}`;
    expect(verifyEvidenceBundle(path).failure).toMatchObject({
      reason: "inclusion",
      leafIndex: bundle.events[0]?.leafIndex,
    });
  });

  it("pnpm audit:verify passes the bundle as served and fails it edited by one byte, naming the reason and the leaf", async () => {
    const bundle = (await get(`/dossiers/${dossierId}/evidence`, "auditor")).json() as EvidenceBundle;
    const dir = await mkdtemp(join(tmpdir(), "motcua-bundle-"));
    try {
      const keyFile = join(dir, "key.pem");
      await writeFile(keyFile, publicKeyInfo(key).publicKeyPem);
      const verify = async (text: string) => {
        const file = join(dir, "bundle.json");
        await writeFile(file, text);
        return promisify(execFile)("pnpm", ["-s", "audit:verify", file, "--public-key", keyFile], {
          cwd: join(import.meta.dirname, "../../../../.."),
        }).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
        );
      };
      const text = JSON.stringify(bundle);
      const intact = await verify(text);
      expect(intact.code).toBe(0);
      expect(intact.out).toContain("bundle OK: 2 events");
      // One byte of the second event's stored data: "cb" (the unit it went to) becomes "cc".
      const second = bundle.events[1] as EvidenceBundle["events"][number];
      const at = text.indexOf(JSON.stringify(second.dataJson).slice(1, -1));
      const cb = text.indexOf("cb", at);
      const edited = await verify(`${text.slice(0, cb)}cc${text.slice(cb + 2)}`);
      expect(edited.code).toBe(1);
      expect(edited.out).toContain("bundle FAILED (event_hash)");
      expect(edited.out).toContain(`leaf ${second.leafIndex}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
