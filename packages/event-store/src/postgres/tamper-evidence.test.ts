import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  computeLogCheckpoint,
  generateCheckpointKeyPair,
  signCheckpoint,
  verifyCheckpointSignature,
  verifyLogAgainstCheckpoint,
} from "../checkpoint";
import { collect, contractEvent, newStreamId } from "../contract/event-store-contract";
import { computeEventHash } from "../hash-chain";
import { openTestStore, type TestStore } from "./test-store";

describe("Tamper evidence of the Postgres event store", () => {
  let t: TestStore;

  beforeAll(async () => {
    t = await openTestStore("es_tamper");
    // The attacker is a DBA who can switch off the append-only trigger; the hash chain must still tell.
    await t.sql("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
  });
  afterAll(async () => t?.dispose());

  /** A stream of `count` events, one per command, each with a string value to tamper with. */
  const appendStream = async (count: number): Promise<string> => {
    const streamId = newStreamId();
    for (let revision = 1; revision <= count; revision += 1) {
      const commandId = randomUUID();
      await t.store.append(
        streamId,
        [
          contractEvent(
            "DossierTransferred",
            { note: `transfer number ${revision} to the district office` },
            commandId,
          ),
        ],
        { expectedRevision: revision === 1 ? "no_stream" : revision - 1, commandId },
      );
    }
    return streamId;
  };

  it("chains hashes identically whether the client or the database computes them", async () => {
    // This store hashes on the client when it knows the stream's head; another store (no cached head) and
    // a stale head make the database compute the chain instead. The result must verify as one chain.
    const streamId = newStreamId();
    const other = t.openAnother();
    const append = async (
      store: typeof t.store,
      expectedRevision: number | "no_stream" | "any",
      size: number,
    ) => {
      const commandId = randomUUID();
      const events = Array.from({ length: size }, (_, index) =>
        contractEvent(
          "DossierTransferred",
          { note: `ghi chú ${index}`, nested: { b: [1, { a: null }], a: 1.5 } },
          commandId,
        ),
      );
      return store.append(streamId, events, { expectedRevision, commandId });
    };
    await append(t.store, "no_stream", 1); // client-side, from nothing
    await append(t.store, 1, 3); // client-side, cached head
    await append(other, 4, 1); // database-side: the other store has not seen the stream
    await append(other, "any", 2); // client-side in the other store
    await append(t.store, "any", 2); // this store's cached head is stale: database-side
    await append(t.store, "any", 1); // client-side again
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 10 });
  });

  it("sends a single event on a stale cached head through append_events: a conflict, or the chain from SQL", async () => {
    // One event with a head the store believes in goes as one INSERT that checks that head; when another
    // process moved it, nothing is inserted there and append_events decides.
    const streamId = newStreamId();
    const other = t.openAnother();
    const append = (store: typeof t.store, expectedRevision: number | "no_stream" | "any") => {
      const commandId = randomUUID();
      return store.append(streamId, [contractEvent("DossierTransferred", { note: "một" }, commandId)], {
        expectedRevision,
        commandId,
      });
    };
    await append(t.store, "no_stream");
    await append(t.store, 1);
    expect((await append(other, 2)).lastRevision).toBe(3); // the other store: from SQL
    await expect(append(t.store, 2)).rejects.toMatchObject({
      code: "event_store.revision_conflict",
      actual: 3,
    });
    const stale = await append(t.store, "any"); // cached head 2, real head 3
    expect(stale.firstRevision).toBe(4);
    const next = await append(t.store, 4); // the answer refreshed the cached head: client-side again
    expect(next.events[0]?.prevHash).toBe(stale.events[0]?.hash);
    expect(
      (await t.sql("SELECT count(*)::int AS n FROM event_store.events WHERE stream_id = $1", [streamId]))[0],
    ).toEqual({ n: 5 });
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 5 });
  });

  it("appends nothing on a cached head the database no longer holds (a restore or a failover lost it)", async () => {
    // The one-INSERT appends check that the event the client hashed on is still stored; trusting the
    // cached head would insert revision 3 after a missing 2: a hole in the stream and a broken chain.
    const streamId = newStreamId();
    const append = (expectedRevision: number | "no_stream", size = 1) => {
      const commandId = randomUUID();
      const events = Array.from({ length: size }, (_, index) =>
        contractEvent("DossierTransferred", { note: `lần ${index}` }, commandId),
      );
      return t.store.append(streamId, events, { expectedRevision, commandId });
    };
    await append("no_stream");
    await append(1); // cached head: revision 2
    await t.sql("DELETE FROM event_store.events WHERE stream_id = $1 AND revision = 2", [streamId]);
    await expect(append(2)).rejects.toMatchObject({ code: "event_store.revision_conflict", actual: 1 });
    await expect(append(2, 3)).rejects.toMatchObject({ code: "event_store.revision_conflict", actual: 1 });
    expect(
      await t.sql("SELECT revision FROM event_store.events WHERE stream_id = $1 ORDER BY revision", [
        streamId,
      ]),
    ).toEqual([{ revision: 1 }]);
  });

  it("refuses UPDATE and DELETE of events while the append-only trigger is on", async () => {
    const fresh = await openTestStore("es_append_only");
    try {
      const streamId = newStreamId();
      const commandId = randomUUID();
      await fresh.store.append(streamId, [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
      await expect(fresh.sql("UPDATE event_store.events SET type = 'X'")).rejects.toThrow(/append-only/);
      await expect(fresh.sql("DELETE FROM event_store.events")).rejects.toThrow(/append-only/);
      await expect(fresh.sql("TRUNCATE event_store.events")).rejects.toThrow(/append-only/);
    } finally {
      await fresh.dispose();
    }
  });

  it("names the exact revision when one byte of an event's data changes anywhere in the stream", async () => {
    const streamId = await appendStream(6);
    const rows = await t.sql<{ revision: number; data: string }>(
      "SELECT revision, data::text AS data FROM event_store.events WHERE stream_id = $1 ORDER BY revision",
      [streamId],
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.nat(), async (revision, offsetSeed) => {
        const original = rows[revision - 1]?.data ?? "";
        // A byte inside the note's text, so the JSON stays valid and only the content differs.
        const start = original.indexOf("transfer");
        const offset = start + (offsetSeed % "transfer number".length);
        const replacement = original[offset] === "Z" ? "Y" : "Z";
        const tampered = original.slice(0, offset) + replacement + original.slice(offset + 1);
        await t.sql("UPDATE event_store.events SET data = $3::json WHERE stream_id = $1 AND revision = $2", [
          streamId,
          revision,
          tampered,
        ]);
        try {
          expect(await t.store.verifyStream(streamId)).toEqual({
            valid: false,
            events: 6,
            brokenAt: revision,
          });
        } finally {
          await t.sql(
            "UPDATE event_store.events SET data = $3::json WHERE stream_id = $1 AND revision = $2",
            [streamId, revision, original],
          );
        }
        expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 6 });
      }),
      { numRuns: 15 },
    );
  });

  it("names the exact revision when one byte of an event's metadata or type changes", async () => {
    const metadataStream = await appendStream(5);
    await t.sql(
      `UPDATE event_store.events SET metadata = replace(metadata::text, '"officer-1"', '"officer-7"')::json
       WHERE stream_id = $1 AND revision = 4`,
      [metadataStream],
    );
    expect(await t.store.verifyStream(metadataStream)).toEqual({ valid: false, events: 5, brokenAt: 4 });

    const typeStream = await appendStream(5);
    await t.sql(
      "UPDATE event_store.events SET type = 'DossierTransferreD' WHERE stream_id = $1 AND revision = 2",
      [typeStream],
    );
    expect(await t.store.verifyStream(typeStream)).toEqual({ valid: false, events: 5, brokenAt: 2 });

    const versionStream = await appendStream(3);
    await t.sql("UPDATE event_store.events SET schema_version = 2 WHERE stream_id = $1 AND revision = 3", [
      versionStream,
    ]);
    expect(await t.store.verifyStream(versionStream)).toEqual({ valid: false, events: 3, brokenAt: 3 });
  });

  it("names the first revision of a reordering when two events swap places", async () => {
    const streamId = await appendStream(5);
    await t.sql(
      `UPDATE event_store.events SET revision = 1000 WHERE stream_id = $1 AND revision = 3;
       UPDATE event_store.events SET revision = 3 WHERE stream_id = $1 AND revision = 4;
       UPDATE event_store.events SET revision = 4 WHERE stream_id = $1 AND revision = 1000;`.replaceAll(
        "$1",
        `'${streamId}'`,
      ),
    );
    const read = await collect(t.store.readStream(streamId));
    expect(read.map((event) => event.data.note)).toContain("transfer number 4 to the district office");
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: false, events: 5, brokenAt: 3 });
  });

  it("names the revision where an event was removed or its stored hash replaced", async () => {
    const removed = await appendStream(4);
    await t.sql("DELETE FROM event_store.events WHERE stream_id = $1 AND revision = 2", [removed]);
    expect(await t.store.verifyStream(removed)).toEqual({ valid: false, events: 3, brokenAt: 2 });

    const rehashed = await appendStream(4);
    await t.sql(
      `UPDATE event_store.events SET hash = repeat('0', 64) WHERE stream_id = $1 AND revision = 4`,
      [rehashed],
    );
    expect(await t.store.verifyStream(rehashed)).toEqual({ valid: false, events: 4, brokenAt: 4 });
  });

  it("signs a log checkpoint that exposes even a rewrite whose stream chain was recomputed", async () => {
    const keys = generateCheckpointKeyPair();
    const streamId = await appendStream(3);
    const checkpoint = await computeLogCheckpoint(t.store, { at: new Date("2025-03-03T17:00:00+07:00") });
    expect(checkpoint.position).toBe(await t.store.headPosition());
    const signed = signCheckpoint(checkpoint, keys.privateKey);
    expect(verifyCheckpointSignature(signed, keys.publicKey)).toBe(true);
    expect(await verifyLogAgainstCheckpoint(t.store, signed, keys.publicKey)).toEqual({ valid: true });

    // Events after the checkpoint do not disturb it; an incremental checkpoint continues from it.
    const laterStream = await appendStream(2);
    expect(await verifyLogAgainstCheckpoint(t.store, signed, keys.publicKey)).toEqual({ valid: true });
    const next = await computeLogCheckpoint(t.store, {
      at: "2025-03-04T17:00:00+07:00",
      previous: checkpoint,
    });
    const full = await computeLogCheckpoint(t.store, { at: "2025-03-04T17:00:00+07:00" });
    expect(next).toEqual(full);
    expect(laterStream).toBeTruthy();

    // A forged signature or checkpoint fails.
    const forged = { ...signed, checkpoint: { ...signed.checkpoint, events: signed.checkpoint.events - 1 } };
    expect(verifyCheckpointSignature(forged, keys.publicKey)).toBe(false);
    expect(verifyCheckpointSignature(signed, generateCheckpointKeyPair().publicKey)).toBe(false);

    // The attacker rewrites revision 2 and recomputes the chain from there: the stream verifies again…
    const rows = await t.sql<{
      revision: number;
      event_id: string;
      type: string;
      schema_version: number;
      data: string;
      metadata: string;
      prev_hash: string | null;
    }>(
      `SELECT revision, event_id, type, schema_version, data::text AS data, metadata::text AS metadata, prev_hash
       FROM event_store.events WHERE stream_id = $1 ORDER BY revision`,
      [streamId],
    );
    let prevHash = rows[0]?.prev_hash === null ? null : (rows[0]?.prev_hash ?? null);
    for (const row of rows) {
      const data = row.revision === 2 ? row.data.replace("transfer number 2", "transfer number 9") : row.data;
      if (row.revision === 1) {
        prevHash = computeEventHash({
          prevHash: null,
          streamId,
          revision: 1,
          eventId: row.event_id,
          type: row.type,
          schemaVersion: row.schema_version,
          dataJson: data,
          metadataJson: row.metadata,
        });
        continue;
      }
      const hash = computeEventHash({
        prevHash,
        streamId,
        revision: row.revision,
        eventId: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        dataJson: data,
        metadataJson: row.metadata,
      });
      await t.sql(
        "UPDATE event_store.events SET data = $3::json, hash = $4, prev_hash = $5 WHERE stream_id = $1 AND revision = $2",
        [streamId, row.revision, data, hash, prevHash],
      );
      prevHash = hash;
    }
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 3 });
    // …but the log no longer matches the checkpoint the auditor kept.
    expect(await verifyLogAgainstCheckpoint(t.store, signed, keys.publicKey)).toEqual({
      valid: false,
      reason: "log_differs",
    });
  });
});
