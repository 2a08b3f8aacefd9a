import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, contractEvent, newStreamId } from "../contract/event-store-contract";
import { openTestStore, type TestStore } from "./test-store";

const applicant = {
  fullName: "Trần Văn Bảo Mật",
  idNumber: "001099012345",
  phone: "0912345678",
  address: "12 Phố Huế, Hà Nội",
};
const secrets = [applicant.fullName, applicant.idNumber, applicant.phone, "Bảo Mật", "012345"];

describe("Personal data in the Postgres event store", () => {
  let t: TestStore;

  beforeAll(async () => {
    t = await openTestStore("es_vault");
  });
  afterAll(async () => t?.dispose());

  /** Every row of every table in the database, as text, in which any of `needles` appears. */
  const findAnywhere = async (needles: string[]): Promise<string[]> => {
    const tables = await t.sql<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["events", "subject_keys"]));
    const hits: string[] = [];
    for (const table of tables) {
      for (const needle of needles) {
        const rows = await t.sql<{ n: string }>(
          `SELECT count(*) AS n FROM "${table.schema}"."${table.name}" AS r
           WHERE position(lower($1) IN lower(r::text)) > 0 OR position(lower($2) IN lower(r::text)) > 0`,
          [needle, Buffer.from(needle, "utf8").toString("base64")],
        );
        if (Number(rows[0]?.n) > 0) hits.push(`${table.schema}.${table.name}`);
      }
    }
    return hits;
  };

  const appendApplicant = async (subjectId: string, streamId = newStreamId()) => {
    const commandId = randomUUID();
    await t.store.append(
      streamId,
      [
        contractEvent("DossierReceived", { procedure: "1.001", applicant }, commandId, {
          personal: { subjectId, field: "applicant" },
        }),
        contractEvent("DossierAccepted", { by: "officer-1" }, commandId),
      ],
      { expectedRevision: "no_stream", commandId },
    );
    return streamId;
  };

  it("never stores the applicant's name, ID number or phone in clear, and reads them back decrypted", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const streamId = await appendApplicant(subjectId);
    expect(await findAnywhere(secrets)).toEqual([]);
    const [received] = await collect(t.store.readStream(streamId));
    expect(received?.data).toEqual({ procedure: "1.001", applicant });
    const [stored] = await t.sql<{ data: { applicant: Record<string, string> } }>(
      "SELECT data FROM event_store.events WHERE stream_id = $1 AND revision = 1",
      [streamId],
    );
    expect(stored?.data.applicant).toMatchObject({ $encrypted: "aes-256-gcm" });
  });

  it("after forget, leaves nothing anywhere that recovers the applicant, reads them as erased, and still verifies", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const otherSubject = `applicant-${randomUUID()}`;
    const streamId = await appendApplicant(subjectId);
    const otherStream = await appendApplicant(otherSubject);
    const [sealed] = await t.sql<{ key_id: string }>(
      "SELECT personal_key_id AS key_id FROM event_store.events WHERE stream_id = $1 AND revision = 1",
      [streamId],
    );

    await t.store.forget(subjectId);

    expect(await findAnywhere([...secrets, subjectId])).toEqual([]);
    // The only trace left is the ciphertext, whose key id no longer names any key.
    expect(await findAnywhere([sealed?.key_id ?? "missing"])).toEqual(["event_store.events"]);
    const keys = await t.sql("SELECT 1 FROM event_store.subject_keys WHERE key_id = $1 OR subject_id = $2", [
      sealed?.key_id,
      subjectId,
    ]);
    expect(keys).toEqual([]);

    const events = await collect(t.store.readStream(streamId));
    expect(events[0]?.data).toEqual({ procedure: "1.001", applicant: { erased: true } });
    expect(events[1]?.data).toEqual({ by: "officer-1" });
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 2 });

    // Another process, which never cached the key, sees the same.
    const elsewhere = t.openAnother();
    expect((await collect(elsewhere.readStream(streamId)))[0]?.data.applicant).toEqual({ erased: true });
    // Other applicants are untouched.
    expect((await collect(t.store.readStream(otherStream)))[0]?.data.applicant).toEqual(applicant);
  });

  it("erases the subject in every stream and in the global log", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const start = await t.store.headPosition();
    const first = await appendApplicant(subjectId);
    const second = await appendApplicant(subjectId);
    await t.store.forget(subjectId);
    const all = await collect(
      t.store.readAll({ fromPosition: start, filter: { eventTypes: ["DossierReceived"] } }),
    );
    expect(all.map((event) => [event.streamId, event.data.applicant])).toEqual([
      [first, { erased: true }],
      [second, { erased: true }],
    ]);
  });

  it("seals a forgotten subject's new data under a fresh key, even where the old key was still cached", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const before = await appendApplicant(subjectId); // this store now caches the subject's key
    await t.openAnother().forget(subjectId); // forgotten by another process: the cache here is stale
    const after = await appendApplicant(subjectId);

    expect((await collect(t.store.readStream(before)))[0]?.data.applicant).toEqual({ erased: true });
    expect((await collect(t.store.readStream(after)))[0]?.data.applicant).toEqual(applicant);
    const keyIds = await t.sql<{ key_id: string }>(
      "SELECT personal_key_id AS key_id FROM event_store.events WHERE stream_id = ANY($1) AND revision = 1",
      [[before, after]],
    );
    expect(new Set(keyIds.map((row) => row.key_id)).size).toBe(2);
  });

  it("appends one sealed event on a known head holding its key, and seals it again when the key was forgotten meanwhile", async () => {
    // One event on a head this store knows is one INSERT that also holds the event's key FOR KEY SHARE;
    // a key another process forgot makes it insert nothing, and append_events refuses the key (MC001).
    const subjectId = `applicant-${randomUUID()}`;
    const streamId = await appendApplicant(subjectId); // revisions 1-2, the key cached here
    const appendOne = async (expectedRevision: number) => {
      const commandId = randomUUID();
      return t.store.append(
        streamId,
        [
          contractEvent("DossierReceived", { procedure: "1.002", applicant }, commandId, {
            personal: { subjectId, field: "applicant" },
          }),
        ],
        { expectedRevision, commandId },
      );
    };
    await appendOne(2);
    await t.openAnother().forget(subjectId); // this store still caches the forgotten key
    expect((await appendOne(3)).lastRevision).toBe(4);

    const events = await collect(t.store.readStream(streamId));
    expect(events.map((event) => event.data.applicant)).toEqual([
      { erased: true },
      undefined,
      { erased: true },
      applicant,
    ]);
    const keyIds = await t.sql<{ key_id: string | null }>(
      "SELECT personal_key_id AS key_id FROM event_store.events WHERE stream_id = $1 ORDER BY revision",
      [streamId],
    );
    expect(keyIds[2]?.key_id).toBe(keyIds[0]?.key_id);
    expect(keyIds[3]?.key_id).not.toBe(keyIds[0]?.key_id);
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 4 });
  });

  it("seals free text at paths (nested, in arrays) under the subject's key, omits it for projections, and erases it with the subject", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const streamId = newStreamId();
    const commandId = randomUUID();
    const data = {
      applicant,
      documents: [
        { name: `Giấy ủy quyền của ${applicant.fullName}`, digitized: true },
        { name: "Bản sao sổ đỏ", digitized: false },
      ],
      reason: `Ông ${applicant.fullName} (CCCD ${applicant.idNumber}) xin rút`,
      note: null,
    };
    await t.store.append(
      streamId,
      [
        contractEvent("DossierReceived", data, commandId, {
          personal: {
            subjectId,
            field: "applicant",
            paths: ["documents.*.name", "reason", "note", "absent"],
          },
        }),
      ],
      { expectedRevision: "no_stream", commandId },
    );
    expect(await findAnywhere(secrets)).toEqual([]);
    const [stored] = await t.sql<{ data: typeof data }>(
      "SELECT data FROM event_store.events WHERE stream_id = $1",
      [streamId],
    );
    expect(stored?.data.documents[1]?.name).toMatchObject({ $encrypted: "aes-256-gcm" });
    expect(stored?.data.documents[1]?.digitized).toBe(false);
    expect(stored?.data.note).toBeNull();
    expect((await collect(t.store.readStream(streamId)))[0]?.data).toEqual(data);
    const start = (await collect(t.store.readStream(streamId)))[0]?.position ?? 1;
    const [omitted] = await collect(
      t.store.readAll({ fromPosition: start - 1, maxCount: 1, personalData: "omit" }),
    );
    expect(omitted?.data).toEqual({ documents: [{ digitized: true }, { digitized: false }], note: null });
    // The projections' lean read: the same event without its id, hash and chain link.
    const [lean] = await collect(
      t.store.readAllForProjection({ fromPosition: start - 1, maxCount: 1 }) ?? [],
    );
    const { eventId: _id, hash: _hash, prevHash: _prev, ...rest } = omitted as NonNullable<typeof omitted>;
    expect(lean).toEqual(rest);

    await t.store.forget(subjectId);
    expect((await collect(t.store.readStream(streamId)))[0]?.data).toEqual({
      applicant: { erased: true },
      documents: [
        { name: { erased: true }, digitized: true },
        { name: { erased: true }, digitized: false },
      ],
      reason: { erased: true },
      note: null,
    });
    expect(await t.store.verifyStream(streamId)).toEqual({ valid: true, events: 1 });
  });

  it("digests under a key derived from the subject's key: stable while it lives, different once forgotten", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const digest = await t.store.subjectDigest(subjectId, applicant.idNumber);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.openAnother().subjectDigest(subjectId, applicant.idNumber)).toBe(digest);
    expect(await t.store.subjectDigest(`applicant-${randomUUID()}`, applicant.idNumber)).not.toBe(digest);
    await t.store.forget(subjectId);
    expect(await t.store.subjectDigest(subjectId, applicant.idNumber)).not.toBe(digest);
  });

  it("keeps personal data out of error messages", async () => {
    const commandId = randomUUID();
    const huge = { ...applicant, notes: "x".repeat(1024 * 1024) };
    const error = await t.store
      .append(
        newStreamId(),
        [
          contractEvent("DossierReceived", { applicant: huge }, commandId, {
            personal: { subjectId: "s-1", field: "applicant" },
          }),
        ],
        { expectedRevision: "no_stream", commandId },
      )
      .then(
        () => new Error("the append should have been refused"),
        (caught: unknown) => caught as Error,
      );
    expect(error).toMatchObject({ code: "event_store.event_too_large" });
    const text = `${error.message} ${error.stack ?? ""} ${JSON.stringify(error)}`;
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  const keysOf = (subjectId: string) =>
    t.sql<{ key_id: string }>("SELECT key_id FROM event_store.subject_keys WHERE subject_id = $1", [
      subjectId,
    ]);

  it("stores a new subject's key with its first append, and none when that append is refused", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const streamId = newStreamId();
    await t.store.append(streamId, [contractEvent("DossierNoted", { n: 1 }, "first")], {
      expectedRevision: "no_stream",
      commandId: "first",
    });
    // Refused (the stream exists): no key is left behind for a subject nothing was written about.
    await expect(appendApplicant(subjectId, streamId)).rejects.toMatchObject({
      code: "event_store.revision_conflict",
    });
    expect(await keysOf(subjectId)).toEqual([]);
    const stored = await appendApplicant(subjectId);
    const keys = await keysOf(subjectId);
    expect(keys).toHaveLength(1);
    const [event] = await t.sql<{ personal_key_id: string }>(
      "SELECT personal_key_id FROM event_store.events WHERE stream_id = $1 AND revision = 1",
      [stored],
    );
    expect(event?.personal_key_id).toBe(keys[0]?.key_id);
    const [received] = await collect(t.store.readStream(stored));
    expect(received?.data).toEqual({ procedure: "1.001", applicant });
  });

  it("seals under the subject's stored key when another process made it first", async () => {
    const subjectId = `applicant-${randomUUID()}`;
    const elsewhere = t.openAnother();
    const first = await (async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      await elsewhere.append(
        streamId,
        [
          contractEvent("DossierReceived", { procedure: "1.001", applicant }, commandId, {
            personal: { subjectId, field: "applicant" },
          }),
        ],
        { expectedRevision: "no_stream", commandId },
      );
      return streamId;
    })();
    // This store knows no key of the subject, makes one, and is told the subject has one already.
    const second = await appendApplicant(subjectId);
    const keys = await keysOf(subjectId);
    expect(keys).toHaveLength(1);
    const rows = await t.sql<{ personal_key_id: string }>(
      "SELECT personal_key_id FROM event_store.events WHERE stream_id = ANY($1) AND personal_key_id IS NOT NULL",
      [[first, second]],
    );
    expect(rows.map((row) => row.personal_key_id)).toEqual([keys[0]?.key_id, keys[0]?.key_id]);
    for (const streamId of [first, second]) {
      const [received] = await collect(t.store.readStream(streamId));
      expect(received?.data).toEqual({ procedure: "1.001", applicant });
    }
    // Erasing the subject erases both.
    await t.store.forget(subjectId);
    const [erased] = await collect(elsewhere.readStream(second));
    expect(erased?.data.applicant).toEqual({ erased: true });
  });
});
