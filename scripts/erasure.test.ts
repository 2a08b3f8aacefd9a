import { execFile } from "node:child_process";
import { createDecipheriv, createHash, createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { applicantSubjectId } from "@motcua/api";
import { addWorkingTime, createWorkSchedule, formatInstant, parseInstant } from "@motcua/domain";
import { type Config, DEV_JWT_SECRET, type DevTokenClaims, loadConfig, signDevToken } from "@motcua/platform";
import { putProcedure, putUnit } from "@motcua/reference-data";
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  testRedisUrl,
  waitFor,
} from "@motcua/testing";
import { rederiveAgainstHead, type SignedTreeHead, verifyEvidenceBundle } from "@motcua/transparency-log";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type System, startSystem } from "./system";

/**
 * Erasure as an attacker holding a `pg_dump` and a copy of Redis would test it: after `forget`, neither
 * the person's ID number nor the free text about them is there to read, and no stored fingerprint gives
 * the ID number back to a brute force over the ID space — not even to one who also holds the master key.
 */

const PERSON = {
  name: "Hoàng Thị Diệu Linh",
  idNumber: "038195012345",
  phone: "0971234568",
  address: "Số 7 ngõ 12 Hoàng Văn Thụ",
};
const OTHER = { name: "Vũ Đức Khang", idNumber: "001087654321", phone: "0988765432" };
const FREE_TEXT = {
  document: `Giấy ủy quyền của bà ${PERSON.name}`,
  step: "Thẩm định hồ sơ của bà Diệu Linh",
  supplement: `Bà Diệu Linh (CCCD ${PERSON.idNumber}) cần bổ sung bản sao sổ hộ khẩu`,
  apology: "Xin lỗi bà Diệu Linh vì hồ sơ bị chậm",
  transfer: "Chuyển hồ sơ bà Diệu Linh lên tỉnh",
  note: `Đã gọi bà Diệu Linh qua số ${PERSON.phone}`,
  withdraw: `Bà Diệu Linh (CCCD ${PERSON.idNumber}) xin rút hồ sơ`,
  stop: "Hồ sơ của bà Diệu Linh không đủ điều kiện",
  refuse: `Hồ sơ nộp trực tuyến của bà Diệu Linh (CCCD ${PERSON.idNumber}) thiếu giấy tờ`,
};
const NEEDLES = [
  PERSON.name,
  PERSON.idNumber,
  PERSON.phone,
  PERSON.address,
  "Diệu Linh",
  ...Object.values(FREE_TEXT),
];

const run = promisify(execFile);
let database: TestDatabase;
let redisPrefix: TestRedis;
let system: System;
let config: Config;
let headsDir: string | undefined;
const header = async (role: DevTokenClaims["role"], unitId?: string) => ({
  authorization: `Bearer ${await signDevToken(
    { ttl: "1h", role, sub: `${role}-${unitId ?? "all"}`, ...(unitId ? { unitId } : {}) },
    DEV_JWT_SECRET,
  )}`,
});

beforeAll(async () => {
  database = await createTestDatabase("erasure");
  headsDir = await mkdtemp(join(tmpdir(), "motcua-erasure-heads-"));
  redisPrefix = await createTestRedis("erasure");
  config = loadConfig({
    LOG_LEVEL: "silent",
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    REDIS_PREFIX: redisPrefix.prefix,
    PROJECTION_PARTITIONS: "2",
    RATE_LIMIT_MAX: "100000",
    // Heads signed every second, kept outside the checkout: the proofs are checked after the erasure.
    AUDIT_CHECKPOINT_INTERVAL: "1s",
    AUDIT_PUBLISH_DIR: headsDir,
  });
  system = await startSystem({ config, port: 0 });
  const db = system.runtime.db;
  const at = "2025-01-01T00:00:00+07:00";
  await putUnit(
    db,
    { unitId: "p", code: "000.00.00.H19", name: "UBND tỉnh", level: "province", parentId: null },
    "t",
    at,
  );
  await putUnit(
    db,
    { unitId: "dept", code: "000.00.12.H19", name: "Sở Xây dựng", level: "department", parentId: "p" },
    "t",
    at,
  );
  await putUnit(
    db,
    { unitId: "ca", code: "055.43.00.H19", name: "UBND phường A", level: "commune", parentId: "p" },
    "t",
    at,
  );
  await putProcedure(
    db,
    "permit",
    {
      code: "1.009994",
      name: "Cấp giấy phép xây dựng",
      field: "Xây dựng",
      level: "commune",
      timeLimit: { value: 15, unit: "working_days" },
      onlineService: "partial",
      supplementPolicy: "restart",
    },
    "t",
    at,
  );
}, 120_000);

afterAll(async () => {
  await system?.stop();
  if (headsDir) await rm(headsDir, { recursive: true, force: true });
  await redisPrefix?.cleanup();
  await database?.drop();
});

/** Every keyed request sent: what an attacker would recompute fingerprints of. */
const sent: { method: string; path: string; body: unknown }[] = [];

async function command(
  path: string,
  body: Record<string, unknown>,
  who: { authorization: string },
  key: string,
  expected = path === "/dossiers" || path === "/dossiers/import" ? 201 : 200,
) {
  const response = await system.runtime.app.inject({
    method: "POST",
    url: path,
    payload: body,
    headers: { ...who, "idempotency-key": key },
  });
  expect(response.statusCode, response.body).toBe(expected);
  sent.push({ method: "POST", path, body });
  return response.json();
}

const receipt = (person: typeof PERSON | typeof OTHER) => ({
  procedureId: "permit",
  unitId: "ca",
  channel: "direct",
  applicant: person,
  documents: [
    { name: FREE_TEXT.document, digitized: true },
    { name: "Bản vẽ thiết kế", digitized: false },
  ],
});

/** The canonical JSON the API fingerprints (sorted keys, no whitespace). */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
};

/** A data key as the vault wraps it (iv ‖ tag ‖ ciphertext under the master key): an insider's unwrap. */
const unwrap = (master: Buffer, keyId: string, wrapped: Buffer): Buffer => {
  const decipher = createDecipheriv("aes-256-gcm", master, wrapped.subarray(0, 12));
  decipher.setAAD(Buffer.from(`motcua-dek-v1|${keyId}`));
  decipher.setAuthTag(wrapped.subarray(12, 28));
  return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
};
/** The latest signed head once the scheduler has signed one covering `position` (it signs every second). */
async function signedHeadCovering(
  position: number,
  auditor: { authorization: string },
): Promise<SignedTreeHead> {
  let head: SignedTreeHead | null = null;
  await waitFor(
    `a head signed over position ${position}`,
    async () => {
      const response = await system.runtime.app.inject({
        method: "GET",
        url: "/audit/checkpoints/latest",
        headers: auditor,
      });
      head = response.statusCode === 200 ? (response.json() as SignedTreeHead) : null;
      return head !== null && head.checkpoint.position >= position;
    },
    60_000,
    100,
  );
  return head as unknown as SignedTreeHead;
}
const derive = (key: Buffer, label: string) => createHmac("sha256", key).update(label).digest();

describe("erasing a person", () => {
  it("leaves no ID number or free text about them in pg_dump or Redis, and no fingerprint that brute-forces back to the ID", async () => {
    const officerA = await header("officer", "ca");
    const officerDept = await header("officer", "dept");
    const officerProvince = await header("officer", "p");
    const admin = await header("admin");
    const now = Date.now();

    // Dossier A: a whole life with free text at every step.
    const a = await command("/dossiers", receipt(PERSON), officerA, "a-receive");
    const again = await system.runtime.app.inject({
      method: "POST",
      url: "/dossiers",
      payload: receipt(PERSON),
      headers: { ...officerA, "idempotency-key": "a-receive" },
    });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(a);
    const reused = await system.runtime.app.inject({
      method: "POST",
      url: "/dossiers",
      payload: { ...receipt(PERSON), channel: "postal" },
      headers: { ...officerA, "idempotency-key": "a-receive" },
    });
    expect(reused.statusCode).toBe(422);
    expect(reused.json()).toMatchObject({ code: "idempotency.key_reused" });
    const A = `/dossiers/${a.dossierId}`;
    await command(`${A}/forward`, { toUnitId: "dept", step: FREE_TEXT.step }, officerA, "a-forward");
    await command(`${A}/supplement-request`, { reason: FREE_TEXT.supplement }, officerDept, "a-supp");
    const resumed = await command(`${A}/supplement-received`, {}, officerDept, "a-supp-in");
    // The new appointment must follow the legal due moment inside working time: ten working days after
    // it, on the calendar this system counts (no notice loaded).
    const schedule = createWorkSchedule([]);
    const promisedAt = formatInstant(
      addWorkingTime(schedule, parseInstant(resumed.dueAt), 10 * schedule.dayMs),
    );
    await command(`${A}/apology`, { reason: FREE_TEXT.apology, promisedAt }, officerDept, "a-apology");
    await command(`${A}/transfer`, { toUnitId: "p", reason: FREE_TEXT.transfer }, officerDept, "a-transfer");
    await command(
      `${A}/resolve`,
      { outcome: "approved", note: FREE_TEXT.note },
      officerProvince,
      "a-resolve",
    );
    // Dossier B, the same person: withdrawn with a reason quoting her ID number.
    const b = await command("/dossiers", receipt(PERSON), officerA, "b-receive");
    await command(
      `/dossiers/${b.dossierId}/withdraw`,
      { reason: FREE_TEXT.withdraw },
      officerA,
      "b-withdraw",
    );
    // Dossier C, the same person, imported from an earlier system and stopped.
    const { unitId: _u, ...importReceipt } = receipt(PERSON);
    const c = await command(
      "/dossiers/import",
      {
        ...importReceipt,
        unitId: "ca",
        receivedAt: new Date(now - 3 * 86_400_000).toISOString(),
        actions: [{ action: "stop", reason: FREE_TEXT.stop, at: new Date(now - 86_400_000).toISOString() }],
      },
      admin,
      "c-import",
    );
    // Dossier E, the same person, submitted online and refused at intake.
    const { channel: _channel, ...submission } = receipt(PERSON);
    const e = await command("/submissions", submission, officerA, "e-submit", 201);
    await command(
      `/dossiers/${e.dossierId}/refuse-intake`,
      { reason: FREE_TEXT.refuse },
      officerA,
      "e-refuse",
    );
    // Dossier D: someone else, who stays.
    const d = await command("/dossiers", receipt(OTHER), officerA, "d-receive");
    await command(
      `/dossiers/${d.dossierId}/supplement-request`,
      { reason: `Ông ${OTHER.name} bổ sung` },
      officerA,
      "d-supp",
    );

    const store = system.runtime.store;
    await system.projector?.caughtUp(await store.headPosition(), { timeoutMs: 60_000 });
    const auditor = await header("auditor");
    const steps = async () =>
      (await system.runtime.app.inject({ method: "GET", url: `${A}/steps`, headers: auditor })).json().steps;
    expect(
      (await steps()).map((s: { step: string | null; reason: string | null }) => [s.step, s.reason]),
    ).toEqual([
      [null, null],
      [FREE_TEXT.step, null],
      [null, FREE_TEXT.transfer],
    ]);

    const secret = config.vaultMasterKey;
    const subjectId = applicantSubjectId(secret, a.dossierId, PERSON.idNumber);
    const sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
    try {
      const unwrapAll = async () =>
        (
          await sql.query<{ key_id: string; wrapped_key: Buffer }>(
            "SELECT key_id, wrapped_key FROM event_store.subject_keys",
          )
        ).rows.map((row) => unwrap(secret, row.key_id, row.wrapped_key));
      const [erasedKeyRow] = (
        await sql.query<{ key_id: string; wrapped_key: Buffer }>(
          "SELECT key_id, wrapped_key FROM event_store.subject_keys WHERE subject_id = $1",
          [subjectId],
        )
      ).rows;
      expect(erasedKeyRow).toBeDefined();
      // What a thief who took the key before erasure would hold: proof the brute force below can succeed.
      const stolenKey = unwrap(secret, erasedKeyRow?.key_id as string, erasedKeyRow?.wrapped_key as Buffer);

      // A head signed over everything so far: what an inspector kept before the erasure.
      const headBefore = await signedHeadCovering(await store.headPosition(), auditor);

      // The admin erases her through the API, giving the ground; the other applicant stays.
      const erased = await system.runtime.app.inject({
        method: "POST",
        url: "/applicants/erase",
        payload: {
          idNumber: PERSON.idNumber,
          reason: "Đơn yêu cầu xóa dữ liệu số 15/2026, Điều 16 Luật 91/2025",
        },
        headers: admin,
      });
      expect(erased.statusCode, erased.body).toBe(200);
      const erasedIds: string[] = erased.json().dossiers;
      expect([...erasedIds].sort()).toEqual([a, b, c, e].map((x) => x.dossierId).sort());
      expect(
        (await sql.query("SELECT 1 FROM event_store.subject_keys WHERE subject_id = $1", [subjectId]))
          .rowCount,
      ).toBe(0);

      // Reads show her as erased; the other applicant is untouched; every chain still verifies.
      const history = (
        await system.runtime.app.inject({ method: "GET", url: `${A}/history`, headers: auditor })
      ).json();
      expect(history.events[0].data.applicant).toEqual({ erased: true });
      expect(history.events[0].data.documents[0]).toEqual({ name: { erased: true }, digitized: true });
      expect(JSON.stringify(history)).not.toMatch(/Diệu Linh|038195012345/);
      expect((await steps()).map((s: { reason: string | null }) => s.reason)).toEqual([null, null, null]);
      for (const dossier of [a, b, c, d]) {
        const verify = await system.runtime.app.inject({
          method: "GET",
          url: `/dossiers/${dossier.dossierId}/verify`,
          headers: auditor,
        });
        expect(verify.json(), dossier.dossierId).toMatchObject({ valid: true });
      }
      // A dossier refused at intake was never received: the store verifies its chain (submitted, refused,
      // and the erasure's own event).
      expect(await store.verifyStream(`dossier-${e.dossierId}`)).toEqual({ valid: true, events: 3 });
      const other = (
        await system.runtime.app.inject({
          method: "GET",
          url: `/dossiers/${d.dossierId}/history`,
          headers: auditor,
        })
      ).json();
      expect(other.events[0].data.applicant.idNumber).toBe(OTHER.idNumber);
      expect(other.events[1].data.reason).toBe(`Ông ${OTHER.name} bổ sung`);

      // Every proof still holds: the head kept before the erasure re-derives from the database unchanged
      // (erasure destroys a key, never an event), and each dossier's evidence bundle under a head signed
      // after it verifies offline.
      const headAfter = await signedHeadCovering(await store.headPosition(), auditor);
      expect(headAfter.checkpoint.treeSize).toBeGreaterThan(headBefore.checkpoint.treeSize);
      for (const head of [headBefore, headAfter]) {
        const verdict = await rederiveAgainstHead(sql, head);
        expect(verdict, `head of size ${head.checkpoint.treeSize}`).toMatchObject({ valid: true });
      }
      for (const dossier of [a, b, c, d, e]) {
        const bundle = (
          await system.runtime.app.inject({
            method: "GET",
            url: `/dossiers/${dossier.dossierId}/evidence`,
            headers: auditor,
          })
        ).json();
        expect(verifyEvidenceBundle(bundle).valid, `evidence of ${dossier.dossierId}`).toBe(true);
      }

      // pg_dump of the whole database.
      const { stdout: dump } = await run("pg_dump", ["--dbname", database.url], {
        maxBuffer: 512 * 1024 * 1024,
      });
      expect(dump).toContain("event_store.events");
      expect(dump).toContain("idempotency_keys");
      const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
      for (const needle of [...NEEDLES, subjectId]) {
        expect(dump.includes(needle), `pg_dump holds "${needle}"`).toBe(false);
        expect(dump.includes(base64(needle)), `pg_dump holds "${needle}" in base64`).toBe(false);
      }

      // Every key of the test's Redis prefix, read every way (and DUMPed).
      const redis = new Redis(testRedisUrl());
      let redisText = "";
      let keys = 0;
      try {
        for await (const batch of redis.scanStream({ match: `${redisPrefix.prefix}*`, count: 1000 })) {
          for (const key of batch as string[]) {
            keys += 1;
            const type = await redis.type(key);
            const parts: unknown[] = [key, (await redis.dumpBuffer(key))?.toString("latin1") ?? ""];
            if (type === "string") parts.push(await redis.get(key));
            if (type === "hash") parts.push(await redis.hgetall(key));
            if (type === "list") parts.push(await redis.lrange(key, 0, -1));
            if (type === "set") parts.push(await redis.smembers(key));
            if (type === "zset") parts.push(await redis.zrange(key, "0", "-1"));
            if (type === "stream") parts.push(await redis.xrange(key, "-", "+"));
            redisText += `${JSON.stringify(parts)}\n${parts.map(String).join("\n")}\n`;
          }
        }
      } finally {
        redis.disconnect();
      }
      expect(keys, "the projector and the scheduler used the test's Redis prefix").toBeGreaterThan(0);
      for (const needle of NEEDLES) expect(redisText.includes(needle), `Redis holds "${needle}"`).toBe(false);
      expect(await system.projector?.queue.getJobs(["completed"])).toEqual([]);

      // Every fingerprint stored anywhere, against a brute force over 200,000 ID numbers around hers.
      const stored = new Set([
        ...(
          await sql.query<{ h: string }>(
            "SELECT DISTINCT metadata->>'commandHash' AS h FROM event_store.events WHERE metadata->>'commandHash' IS NOT NULL",
          )
        ).rows.map((r) => r.h),
        ...(await sql.query<{ h: string }>("SELECT request_hash AS h FROM api.idempotency_keys")).rows.map(
          (r) => r.h,
        ),
      ]);
      expect(stored.size).toBeGreaterThanOrEqual(sent.length - 1);
      const remainingKeys = (await unwrapAll()).map((key) => derive(key, "motcua-subject-digest-v1"));
      const serverKey = derive(secret, "motcua-request-fingerprint-v1");
      const stolen = derive(stolenKey, "motcua-subject-digest-v1");
      const withId = sent.filter((request) => JSON.stringify(request).includes(PERSON.idNumber));
      expect(withId.length).toBeGreaterThanOrEqual(7);
      const templates = withId.map((request) => ({
        legacy: JSON.stringify([request.method, request.path, request.body]).split(PERSON.idNumber),
        current: canonical([request.method, request.path, request.body]).split(PERSON.idNumber),
      }));
      const real = Number(PERSON.idNumber);
      let recovered = 0;
      let recoveredWithStolenKey = 0;
      for (let candidate = real - 100_000; candidate < real + 100_000; candidate++) {
        const id = String(candidate).padStart(12, "0");
        for (const template of templates) {
          const message = template.current.join(id);
          const guesses = [
            createHash("sha256").update(template.legacy.join(id)).digest("hex"),
            `k1:${createHmac("sha256", serverKey).update(message).digest("hex")}`,
            ...remainingKeys.map((key) => `s1:${createHmac("sha256", key).update(message).digest("hex")}`),
          ];
          for (const guess of guesses) if (stored.has(guess)) recovered += 1;
          if (stored.has(`s1:${createHmac("sha256", stolen).update(message).digest("hex")}`))
            recoveredWithStolenKey += 1;
        }
      }
      expect(recoveredWithStolenKey, "the brute force works given the key erasure destroyed").toBe(
        templates.length,
      );
      expect(recovered, "no stored fingerprint gives her ID number back").toBe(0);
    } finally {
      await sql.end();
    }
  }, 300_000);
});
