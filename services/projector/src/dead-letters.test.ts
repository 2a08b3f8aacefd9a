import { randomUUID } from "node:crypto";
import { dossierStreamId } from "@motcua/domain";
import { getDossier, partitionOf, readCheckpoints, readPosition } from "@motcua/read-models";
import { type SimulatedDecision, simulateDossierLives } from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDeadLetters } from "./dead-letters";
import { type Projector, startProjector } from "./projector";
import { rebuildReadModels } from "./rebuild";
import { replayDeadLetters } from "./replay";
import { formatProjectionStatus, projectionStatus } from "./status";
import { appendDossierLives } from "./test-support/append-dossier-lives";
import { checksumsOf, jobPayloads, openTestBed, type ProjectorTestBed } from "./test-support/harness";

const PARTITIONS = 4;
let bed: ProjectorTestBed;
let projector: Projector | null = null;

beforeAll(async () => {
  bed = await openTestBed("deadletters");
});
afterAll(async () => {
  await projector?.stop().catch(() => {});
  await bed?.close();
});

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe("poison events and the dead letters", () => {
  it("sends a poison event's job to the dead letters, halts only its partition, and applies it once replayed after a fix", async () => {
    const lives = simulateDossierLives({ seed: 5, dossiers: 160 });
    const revisions = new Map<string, number>();
    const half = Math.floor(lives.decisions.length / 2);
    await appendDossierLives(
      bed.store,
      { ...lives, decisions: lives.decisions.slice(0, half) },
      { revisions },
    );

    // A dossier still pending, and a withdrawal for it written without its moment by a buggy writer.
    const byDossier = new Map<string, SimulatedDecision[]>();
    for (const d of lives.decisions.slice(0, half))
      byDossier.set(d.dossierId, [...(byDossier.get(d.dossierId) ?? []), d]);
    const pending = [...byDossier.entries()].find(([, decisions]) => {
      const types = decisions.flatMap((d) => d.events.map((e) => e.type));
      return (
        types.includes("DossierReceived") &&
        !types.some((t) => ["DossierResolved", "DossierWithdrawn", "DossierStopped"].includes(t))
      );
    });
    expect(pending).toBeDefined();
    const [dossierId, decisions] = pending as [string, SimulatedDecision[]];
    const streamId = dossierStreamId(dossierId);
    const at = new Date((decisions.at(-1) as SimulatedDecision).at + 3_600_000).toISOString();
    const commandId = randomUUID();
    const poison = await bed.store.append(
      streamId,
      [
        {
          type: "DossierWithdrawn",
          schemaVersion: 1,
          data: { reason: "Công dân rút" },
          metadata: {
            commandId,
            correlationId: commandId,
            causationId: null,
            actor: { id: "officer-x", role: "officer", unitId: "unit-commune-tan-thinh" },
            occurredAt: at,
          },
        },
      ],
      { expectedRevision: revisions.get(streamId) ?? 0, commandId },
    );
    revisions.set(streamId, poison.lastRevision);
    await appendDossierLives(bed.store, { ...lives, decisions: lives.decisions.slice(half) }, { revisions });
    const head = await bed.store.headPosition();
    const halted = partitionOf(streamId, PARTITIONS);

    projector = await startProjector({
      store: bed.store,
      db: bed.db,
      databaseUrl: bed.database.url,
      redis: bed.redis,
      prefix: bed.testRedis.prefix,
      partitions: PARTITIONS,
      concurrency: 8,
    });
    const others = async () => {
      // Before the version exists there are no checkpoints at all, and `every` of none is true.
      const checkpoints = await readCheckpoints(bed.db, "rm_v1");
      return (
        checkpoints.length === PARTITIONS &&
        checkpoints.every((c) => c.partition === halted || c.position >= head)
      );
    };
    await waitFor("the other partitions to reach the head", others);
    await waitFor("the dead letter", async () => (await openDeadLetters(bed.db)).length > 0);

    const [letter, ...more] = await openDeadLetters(bed.db);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({
      schema: "rm_v1",
      partition: halted,
      eventPosition: poison.firstPosition,
      eventType: "DossierWithdrawn",
      streamId,
      errorCode: "read_models.poison_event",
    });
    expect(letter?.errorMessage).toContain(`position ${poison.firstPosition}`);
    expect(await projector.queue.getJobCountByTypes("failed")).toBe(1);

    // The partition stops at the event: nothing after it is applied, and the read position says so.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stuck = (await readCheckpoints(bed.db, "rm_v1")).find((c) => c.partition === halted);
    expect(stuck?.position).toBeLessThan(poison.firstPosition);
    expect(await readPosition(bed.db, "rm_v1")).toBe(stuck?.position);
    const status = await projectionStatus({ store: bed.store, db: bed.db, queue: projector.queue });
    expect(status.partitions.find((p) => p.partition === halted)).toMatchObject({ halted: true });
    expect(status.partitions.filter((p) => p.partition !== halted).every((p) => p.lag === 0)).toBe(true);
    const printed = formatProjectionStatus(status);
    expect(printed).toContain("HALTED");
    expect(printed).toContain(letter?.jobId);

    // The fix: the event is corrected in the store (as a DBA would, for this test), then replayed.
    await bed.sql("ALTER TABLE event_store.events DISABLE TRIGGER events_append_only");
    await bed.sql("UPDATE event_store.events SET data = $1::json WHERE position = $2", [
      JSON.stringify({ reason: "Công dân rút", at }),
      poison.firstPosition,
    ]);
    await bed.sql("ALTER TABLE event_store.events ENABLE TRIGGER events_append_only");
    const { replayed } = await replayDeadLetters({ store: bed.store, db: bed.db, queue: projector.queue }, [
      letter?.jobId as string,
    ]);
    expect(replayed.map((r) => r.jobId)).toEqual([letter?.jobId]);
    await projector.caughtUp(head, { timeoutMs: 60_000 });
    expect(await openDeadLetters(bed.db)).toEqual([]);
    expect((await getDossier(bed.db, "rm_v1", dossierId))?.status).toBe("withdrawn");

    const rebuilt = await rebuildReadModels({ store: bed.store, db: bed.db, partitions: 2, activate: false });
    expect(await checksumsOf(bed.db, "rm_v1")).toEqual(await checksumsOf(bed.db, rebuilt.schema));
  }, 90_000);

  it("never puts an applicant or free text into a job, even from events stored in clear", async () => {
    await projector?.stop();
    // These lives are stored as before free text was sealed (reasons, document names in clear). While only
    // a feeder runs, their jobs wait in Redis to be read.
    const more = simulateDossierLives({ seed: 6, dossiers: 40 });
    await appendDossierLives(bed.store, more);
    projector = await startProjector({
      store: bed.store,
      db: bed.db,
      databaseUrl: bed.database.url,
      redis: bed.redis,
      prefix: bed.testRedis.prefix,
      partitions: PARTITIONS,
      feeder: true,
      worker: false,
    });
    const waiting = async () => (await jobPayloads(bed.redis, bed.testRedis.prefix)).join("\n");
    await waitFor("jobs with receipts", async () => (await waiting()).includes("DossierReceived"));
    const joined = await waiting();
    expect(joined).not.toContain('"applicant"');
    expect(joined).not.toMatch(/Công dân \d/);
    expect(joined).not.toMatch(/1000000\d{5}/);
    expect(joined).not.toContain("0912345678");
    for (const text of ["Giấy tờ", "Công dân rút", "liên thông", "Bổ sung bản sao", "Lệ phí", "Xin lỗi"])
      expect(joined, text).not.toContain(text);
    expect(joined).toContain('"digitized"');
  }, 90_000);
});
