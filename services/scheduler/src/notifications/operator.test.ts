import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  countDeadLetters,
  createRecordingChannel,
  formatDeadLetters,
  listDeadLetters,
  listOutbox,
  type NotificationChannel,
  parseDeadLetterArgs,
  parseRequeueArgs,
  requeueFailed,
} from "@motcua/notifications";
import { createPostgresPool } from "@motcua/platform";
import { Kysely, PostgresDialect } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SchedulerDb } from "../database";
import { APPLICANT, createHarness, type Harness } from "../test-support/harness";

const CLI = (name: string) => fileURLToPath(new URL(`../cli/${name}.ts`, import.meta.url));

/** Runs one of the `notifications:*` commands as its own process, as `pnpm notifications:…` does. */
function cli(
  name: "dead-letters" | "requeue",
  args: readonly string[],
  databaseUrl: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", CLI(name), ...args],
      { env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent" }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the operators' commands' arguments", () => {
  it("takes --all or whole-number ids for a re-queue, and says what is wrong otherwise", () => {
    expect(parseRequeueArgs(["--all"])).toEqual({ all: true });
    expect(parseRequeueArgs(["12", "7", "12"])).toEqual({ all: false, ids: [12, 7] });
    expect(parseRequeueArgs([])).toHaveProperty("error");
    expect(parseRequeueArgs(["--all", "3"])).toHaveProperty("error");
    expect(parseRequeueArgs(["3", "x1"])).toEqual({
      error: "not an outbox id (a whole number from 1): x1",
    });
    for (const bad of ["0", "1.5", "-2", "99999999999999999"])
      expect(parseRequeueArgs([bad]), bad).toHaveProperty("error");
  });

  it("takes --limit for the dead-letter list", () => {
    expect(parseDeadLetterArgs([])).toEqual({ limit: 100 });
    expect(parseDeadLetterArgs(["--limit", "5"])).toEqual({ limit: 5 });
    expect(parseDeadLetterArgs(["--limit=20"])).toEqual({ limit: 20 });
    for (const bad of [["--limit"], ["--limit", "0"], ["--limit", "x"], ["--all"]])
      expect(parseDeadLetterArgs(bad), bad.join(" ")).toHaveProperty("error");
  });
});

describe("dead-lettered notices, for operators", () => {
  let h: Harness;
  let down = true;
  const failingSms: NotificationChannel = {
    name: "sms",
    async send(message) {
      if (down) throw new Error(`SMS gateway 503 for ${message.to}`);
    },
  };

  beforeEach(async () => {
    down = true;
    h = await createHarness("operator");
  });
  afterEach(async () => {
    await h.dispose();
  });

  const deadLetter = async () => {
    const scheduler = await h.scheduler({
      notifications: { channels: [failingSms, createRecordingChannel("email")], attempts: 2, backoffMs: 10 },
    });
    await scheduler.whenReady();
    const { dossierId } = await h.receive();
    await scheduler.catchUp();
    const [failed] = await eventually(
      () => listOutbox(h.db, { dossierId, kind: "receipt" }),
      (rows) => rows[0]?.status === "failed",
    );
    expect(failed?.status).toBe("failed");
    return { scheduler, dossierId, id: failed?.id as number };
  };

  it("prints the dead-letter list as a table without personal data", async () => {
    const { id } = await deadLetter();
    const printed = formatDeadLetters(await listDeadLetters(h.db), await countDeadLetters(h.db));
    const lines = printed.split("\n");
    expect(lines[0]).toMatch(/^dead letters {4}1; re-queue with: pnpm notifications:requeue/);
    expect(lines[1]).toMatch(/^id +kind +channel +to +unit +attempts +re-queued +created at +last error$/);
    expect(lines[3]).toMatch(new RegExp(`^ *${id}  receipt +sms +applicant +ca +2 +0 .*SMS gateway 503`));
    for (const value of [APPLICANT.name, APPLICANT.idNumber, APPLICANT.phone]) {
      expect(printed.includes(value), value).toBe(false);
    }
    expect(formatDeadLetters([], 0)).toBe("dead letters    none");
  });

  it("a re-queue from another process is only a row update: the active scheduler's sweep sends it", async () => {
    const { scheduler, dossierId, id } = await deadLetter();
    down = false;
    // Another process: its own connection to the deployment's database, no scheduler, no Redis.
    const other: SchedulerDb = new Kysely({
      dialect: new PostgresDialect({ pool: createPostgresPool(h.database.url, { max: 1 }) }),
    });
    try {
      expect((await requeueFailed(other, [id])).map((r) => r.id)).toEqual([id]);
    } finally {
      await other.destroy();
    }
    expect((await listOutbox(h.db, { dossierId, kind: "receipt" }))[0]).toMatchObject({
      status: "pending",
      requeues: 1,
    });
    expect((await scheduler.sweep()).notices).toBe(1);
    const [sent] = await eventually(
      () => listOutbox(h.db, { dossierId, kind: "receipt" }),
      (rows) => rows[0]?.status === "sent",
    );
    expect(sent?.status).toBe("sent");
    expect(await countDeadLetters(h.db)).toBe(0);
  });

  it("pnpm notifications:dead-letters and notifications:requeue work from the command line", async () => {
    const { scheduler, dossierId, id } = await deadLetter();
    await scheduler.stop();

    const listed = await cli("dead-letters", [], h.database.url);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("dead letters    1;");
    expect(listed.stdout).toMatch(new RegExp(`\\n *${id}  receipt +sms +applicant`));
    expect(listed.stdout).not.toContain(APPLICANT.phone);

    const usage = await cli("requeue", [], h.database.url);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: notifications:requeue <id>… | --all");
    const bad = await cli("requeue", ["abc"], h.database.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not an outbox id");

    const requeued = await cli("requeue", [String(id), String(id + 1000)], h.database.url);
    expect(requeued.code, requeued.stderr).toBe(0);
    expect(requeued.stdout).toContain(`re-queued ${id} (receipt, re-queue 1)`);
    expect(requeued.stdout).toContain("1 notice(s) re-queued");
    expect(requeued.stderr).toContain(`not a dead letter (unknown, or not failed): ${id + 1000}`);
    expect((await listOutbox(h.db, { dossierId, kind: "receipt" }))[0]?.status).toBe("pending");

    const none = await cli("dead-letters", ["--limit", "5"], h.database.url);
    expect(none.stdout.trim()).toBe("dead letters    none");
    const again = await cli("requeue", ["--all"], h.database.url);
    expect(again.stdout).toContain("0 notice(s) re-queued");
    // Six CLI processes, each starting Node with tsx: seconds apiece on a loaded 2-core machine, where the
    // suite's 30 s ran out in a full run.
  }, 120_000);
});
