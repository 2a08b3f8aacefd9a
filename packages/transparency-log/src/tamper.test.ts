import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { catchUpTree, rootHashAt } from "./postgres-tree";
import { rederiveAgainstHead } from "./rederive";
import { publicKeyInfo, type SignedTreeHead, signingKeyFrom, signTreeHead } from "./signed-head";
import { openTestLog, type TestLog } from "./test-log";

const run = promisify(execFile);
const key = signingKeyFrom(Buffer.alloc(32, 9).toString("base64"));
const repoRoot = join(import.meta.dirname, "../../..");

describe("audit:verify against a database an attacker changed directly", () => {
  let t: TestLog;
  let head: SignedTreeHead;
  let client: pg.Client;
  /** The log in position order: each leaf's position and stream. */
  let leaves: { position: number; streamId: string; revision: number }[];

  beforeAll(async () => {
    t = await openTestLog("tlog_tamper");
    for (let i = 0; i < 12; i += 1) await t.appendDossier(1 + (i % 4));
    const state = await catchUpTree(t.db, t.store);
    head = signTreeHead(
      {
        at: "2026-12-04T10:00:00.000Z",
        position: state.position,
        rootHash: (await rootHashAt(t.db, state.treeSize)).toString("hex"),
        treeSize: state.treeSize,
      },
      key,
    );
    // Events after the head do not matter to it.
    await t.appendDossier(2);
    leaves = (
      await t.sql<{ position: string; stream_id: string; revision: number }>(
        "select position, stream_id, revision from event_store.events order by position",
      )
    ).map((r) => ({ position: Number(r.position), streamId: r.stream_id, revision: r.revision }));
    client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end().catch(() => {});
    await t?.dispose();
  });

  /** Tampers inside a transaction (the DBA switches the append-only trigger off), verifies, rolls back. */
  const tampered = async (change: string, values: unknown[] = []) => {
    await client.query("BEGIN");
    try {
      await client.query("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
      await client.query(change, values);
      return await rederiveAgainstHead(client, head);
    } finally {
      await client.query("ROLLBACK");
    }
  };

  const leaf = (index: number) => leaves[index] as { position: number; streamId: string; revision: number };
  const secondOfAStream = () => leaves.findIndex((l, i) => i > 5 && l.revision === 2);

  it("finds the untouched log equal to the signed head", async () => {
    expect(await rederiveAgainstHead(client, head)).toMatchObject({
      valid: true,
      storedTreeMatchesHead: true,
    });
  });

  it("names the leaf whose data changed by one byte", async () => {
    const k = secondOfAStream();
    const verdict = await tampered(
      "update event_store.events set data = replace(data::text, 'step', 'stap')::json where position = $1",
      [leaf(k).position],
    );
    expect(verdict.failure).toMatchObject({
      reason: "event_altered",
      leafIndex: k,
      position: leaf(k).position,
    });
  });

  it("names the leaf whose stored hash changed by one byte", async () => {
    const k = secondOfAStream();
    const verdict = await tampered(
      "update event_store.events set hash = overlay(hash placing (case when right(hash, 1) = '0' then '1' else '0' end) from 64) where position = $1",
      [leaf(k).position],
    );
    expect(verdict.failure).toMatchObject({ reason: "leaf_differs", leafIndex: k });
  });

  it("names the leaf of a deleted event", async () => {
    const k = secondOfAStream();
    const verdict = await tampered("delete from event_store.events where position = $1", [leaf(k).position]);
    expect(verdict.failure).toMatchObject({ reason: "leaf_differs", leafIndex: k });
  });

  it("names the first leaf of a deleted whole dossier stream", async () => {
    const k = leaves.findIndex((l, i) => i > 3 && l.revision === 1);
    const verdict = await tampered("delete from event_store.events where stream_id = $1", [leaf(k).streamId]);
    expect(verdict.failure).toMatchObject({ reason: "leaf_differs", leafIndex: k });
  });

  it("names the earlier leaf of two events swapped", async () => {
    const a = 4;
    const b = 9;
    const verdict = await tampered(
      `update event_store.events set position = -1 where position = $1;
       update event_store.events set position = $1 where position = $2;
       update event_store.events set position = $2 where position = -1`
        .replaceAll(/\$1/g, String(leaf(a).position))
        .replaceAll(/\$2/g, String(leaf(b).position)),
    );
    expect(verdict.failure).toMatchObject({ reason: "leaf_differs", leafIndex: a });
  });

  it("names the first missing leaf when the log was cut short, even with the tree's tables rewritten to match", async () => {
    const n = head.checkpoint.treeSize;
    await client.query("BEGIN");
    try {
      await client.query("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
      await client.query("delete from event_store.events where position > $1", [leaf(n - 3).position]);
      await client.query("delete from transparency.leaves where leaf_index >= $1", [n - 2]);
      const verdict = await rederiveAgainstHead(client, head);
      expect(verdict.storedTreeMatchesHead).toBe(false);
      expect(verdict.failure).toMatchObject({ reason: "events_missing", leafIndex: n - 2 });
    } finally {
      await client.query("ROLLBACK");
    }
  });

  it("pnpm audit:verify refuses a head whose signature is over another head, and names the first differing leaf of a swapped log", async () => {
    const dir = await mkdtemp(join(tmpdir(), "motcua-audit-"));
    try {
      const headFile = join(dir, "head.json");
      const keyFile = join(dir, "key.pem");
      await writeFile(keyFile, publicKeyInfo(key).publicKeyPem);
      const cli = async (headJson: object) => {
        await writeFile(headFile, JSON.stringify(headJson));
        return run(
          "pnpm",
          ["-s", "audit:verify", "--database", t.database.url, "--head", headFile, "--public-key", keyFile],
          { cwd: repoRoot },
        ).then(
          (r) => ({ code: 0, out: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
        );
      };
      const intact = await cli(head);
      expect(intact).toMatchObject({ code: 0 });
      expect(intact.out).toContain("log OK");

      const other = await cli({
        ...head,
        checkpoint: { ...head.checkpoint, treeSize: head.checkpoint.treeSize - 1 },
      });
      expect(other.code).toBe(1);
      expect(other.out).toContain("head REFUSED");

      await t.sql("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
      await t.sql(
        `update event_store.events set position = -1 where position = ${leaf(2).position};
         update event_store.events set position = ${leaf(2).position} where position = ${leaf(7).position};
         update event_store.events set position = ${leaf(7).position} where position = -1`,
      );
      const swapped = await cli(head);
      expect(swapped.code).toBe(1);
      expect(swapped.out).toContain("first differing leaf: 2");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
