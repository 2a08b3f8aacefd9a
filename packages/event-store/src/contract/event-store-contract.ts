import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "../canonical-json";
import { CommandIdReusedError, EventStoreError, RevisionConflictError } from "../errors";
import { eventIdFor, eventIdsFor } from "../event-id";
import { type EventStoreCommonOptions, MAX_EVENT_BYTES } from "../event-preparation";
import type { EventStore, JsonObject, NewEvent, RecordedEvent, Subscription } from "../types";

/** What an adapter's test file hands the contract. */
export interface ContractSubject {
  store: EventStore;
  /**
   * Where the adapter can make transactions commit out of position order (Postgres: a random pause
   * before COMMIT), the positions in the order their appends committed; lets the contract prove the
   * ordering test really saw out-of-order commits.
   */
  commitOrder?: () => number[];
  /**
   * Another store over the same log and key vault, as another process would open it (its own caches), with
   * these settings. The caller closes it.
   */
  openAnother(settings?: Pick<EventStoreCommonOptions, "clock">): EventStore;
  dispose(): Promise<void>;
}

export type ContractFactory = () => Promise<ContractSubject>;

export const newStreamId = (prefix = "dossier"): string => `${prefix}-${randomUUID()}`;

export function contractEvent(
  type: string,
  data: JsonObject,
  commandId: string,
  extra: Partial<Pick<NewEvent, "personal" | "schemaVersion">> = {},
): NewEvent {
  return {
    type,
    schemaVersion: extra.schemaVersion ?? 1,
    data,
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: null,
      actor: { id: "officer-1", role: "officer", unitId: "unit-1" },
      occurredAt: "2025-03-03T09:00:00+07:00",
      commandHash: `hash-of-${commandId}`,
    },
    ...(extra.personal ? { personal: extra.personal } : {}),
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** Resolves once `predicate` holds, polling; fails with `message` after `timeoutMs`. */
export async function eventually(
  predicate: () => boolean,
  message: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const expectStrictlyAscending = (positions: number[]) => {
  for (let index = 1; index < positions.length; index += 1) {
    expect(positions[index]).toBeGreaterThan(positions[index - 1] ?? Number.NEGATIVE_INFINITY);
  }
};

/**
 * The behaviour every EventStore adapter must have. Each adapter's test file calls this with a factory
 * that builds a store on a fresh, empty log.
 */
export function eventStoreContract(
  name: string,
  factory: ContractFactory,
  options: { skip?: boolean } = {},
): void {
  describe.skipIf(options.skip ?? false)(`${name} meets the EventStore contract`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    it("numbers a new stream's events from revision 1 with growing global positions", async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      const result = await store.append(
        streamId,
        [
          contractEvent("DossierReceived", { n: 1 }, commandId),
          contractEvent("DossierAccepted", { n: 2 }, commandId),
        ],
        { expectedRevision: "no_stream", commandId },
      );
      expect(result).toMatchObject({ streamId, firstRevision: 1, lastRevision: 2, replayed: false });
      expect(result.lastPosition).toBeGreaterThan(result.firstPosition);
      expect(result.events.map((event) => event.eventId)).toEqual([
        eventIdFor(commandId, 0),
        eventIdFor(commandId, 1),
      ]);
      expect(result.events[0]?.prevHash).toBeNull();
      expect(result.events[1]?.prevHash).toBe(result.events[0]?.hash);
      expect(await store.streamRevision(streamId)).toBe(2);

      const read = await collect(store.readStream(streamId));
      expect(read.map((event) => [event.revision, event.type, event.data])).toEqual([
        [1, "DossierReceived", { n: 1 }],
        [2, "DossierAccepted", { n: 2 }],
      ]);
      expect(read.map((event) => event.position)).toEqual(result.events.map((event) => event.position));
      expect(read[0]?.metadata).toMatchObject({
        commandId,
        actor: { id: "officer-1" },
        commandHash: `hash-of-${commandId}`,
      });
      expect(typeof read[0]?.metadata.recordedAt).toBe("string");
      expect(await store.headPosition()).toBeGreaterThanOrEqual(result.lastPosition);
    });

    it("reads a missing stream as empty, with no revision", async () => {
      const streamId = newStreamId();
      expect(await collect(store.readStream(streamId))).toEqual([]);
      expect(await collect(store.readStream(streamId, { direction: "backwards" }))).toEqual([]);
      expect(await store.streamRevision(streamId)).toBeNull();
    });

    it("lets exactly one of N concurrent appends at the same expected revision win; the others conflict and append nothing", async () => {
      const streamId = newStreamId();
      const seed = randomUUID();
      await store.append(streamId, [contractEvent("DossierReceived", {}, seed)], {
        expectedRevision: "no_stream",
        commandId: seed,
      });

      const attempts = await Promise.allSettled(
        Array.from({ length: 10 }, (_, index) => {
          const commandId = randomUUID();
          return store.append(
            streamId,
            [contractEvent("DossierTransferred", { attempt: index }, commandId)],
            {
              expectedRevision: 1,
              commandId,
            },
          );
        }),
      );
      const won = attempts.flatMap((attempt) => (attempt.status === "fulfilled" ? [attempt.value] : []));
      const lost = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason] : []));
      expect(won).toHaveLength(1);
      expect(won[0]?.replayed).toBe(false);
      expect(won[0]?.events.map((event) => event.eventId)).toEqual([
        eventIdFor(won[0]?.events[0]?.metadata.commandId ?? "", 0),
      ]);
      expect(lost).toHaveLength(9);
      for (const error of lost) {
        expect(error).toBeInstanceOf(RevisionConflictError);
        expect(error).toMatchObject({ code: "event_store.revision_conflict", expected: 1, actual: 2 });
      }
      expect((await collect(store.readStream(streamId))).map((event) => event.revision)).toEqual([1, 2]);
    });

    it("refuses no_stream on an existing stream and a stale revision, reporting the actual revision", async () => {
      const streamId = newStreamId();
      const first = randomUUID();
      await store.append(streamId, [contractEvent("DossierReceived", {}, first)], {
        expectedRevision: "no_stream",
        commandId: first,
      });
      const second = randomUUID();
      await expect(
        store.append(streamId, [contractEvent("DossierReceived", {}, second)], {
          expectedRevision: "no_stream",
          commandId: second,
        }),
      ).rejects.toMatchObject({ code: "event_store.revision_conflict", actual: 1 });
      await expect(
        store.append(streamId, [contractEvent("DossierReceived", {}, second)], {
          expectedRevision: 5,
          commandId: second,
        }),
      ).rejects.toBeInstanceOf(RevisionConflictError);
      const third = randomUUID();
      const appended = await store.append(streamId, [contractEvent("DossierTransferred", {}, third)], {
        expectedRevision: "any",
        commandId: third,
      });
      expect(appended.firstRevision).toBe(2);
      const fourth = randomUUID();
      await expect(
        store.append(newStreamId(), [contractEvent("X", {}, fourth)], {
          expectedRevision: 3,
          commandId: fourth,
        }),
      ).rejects.toMatchObject({ code: "event_store.revision_conflict", actual: null });
    });

    it("answers a retried command with the first result and appends nothing new", async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      const events = [
        contractEvent("DossierReceived", { n: 1 }, commandId),
        contractEvent("DossierAccepted", { n: 2 }, commandId),
      ];
      const first = await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
      const retried = await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
      const retriedAny = await store.append(streamId, events, { expectedRevision: "any", commandId });

      for (const again of [retried, retriedAny]) {
        expect(again.replayed).toBe(true);
        expect(again).toMatchObject({
          firstRevision: first.firstRevision,
          lastRevision: first.lastRevision,
          firstPosition: first.firstPosition,
          lastPosition: first.lastPosition,
        });
        expect(again.events.map((event) => [event.eventId, event.hash, event.metadata.commandHash])).toEqual(
          first.events.map((event) => [event.eventId, event.hash, event.metadata.commandHash]),
        );
      }
      expect(await store.streamRevision(streamId)).toBe(2);

      // A later command on the same stream still appends; retrying the earlier one still replays.
      const next = randomUUID();
      await store.append(streamId, [contractEvent("DossierTransferred", {}, next)], {
        expectedRevision: 2,
        commandId: next,
      });
      const late = await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
      expect(late.replayed).toBe(true);
      expect(late.events).toHaveLength(2);
      expect(await store.streamRevision(streamId)).toBe(3);
    });

    it("appends a command once even when its retries race each other", async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      const events = [contractEvent("DossierReceived", {}, commandId)];
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          store.append(streamId, events, { expectedRevision: "no_stream", commandId }),
        ),
      );
      expect(results.filter((result) => !result.replayed)).toHaveLength(1);
      expect(new Set(results.map((result) => result.lastPosition)).size).toBe(1);
      expect(await store.streamRevision(streamId)).toBe(1);
    });

    it("delivers every event of 16 concurrent writers exactly once, in ascending position, even when commits land out of order", async () => {
      const prefix = `order${randomUUID().slice(0, 8)}`;
      const writers = 16;
      const appendsPerWriter = 20;
      const received: RecordedEvent[] = [];
      const subscription = store.subscribeToAll(
        { fromPosition: await store.headPosition(), filter: { streamPrefix: `${prefix}-` } },
        async (event) => {
          received.push(event);
        },
      );
      const appended: RecordedEvent[] = [];
      await Promise.all(
        Array.from({ length: writers }, async (_, writer) => {
          const streamId = newStreamId(prefix);
          let revision = 0;
          for (let round = 0; round < appendsPerWriter; round += 1) {
            const commandId = randomUUID();
            const size = round % 5 === 4 ? 3 : 1; // mostly single events, some small batches
            const events = Array.from({ length: size }, (_, index) =>
              contractEvent("DossierTransferred", { writer, round, index }, commandId),
            );
            const result = await store.append(streamId, events, {
              expectedRevision: revision === 0 ? "no_stream" : revision,
              commandId,
            });
            revision = result.lastRevision;
            appended.push(...result.events);
          }
        }),
      );
      await eventually(
        () => received.length >= appended.length,
        `subscriber saw ${received.length}/${appended.length}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 100)); // anything extra would show up now
      await subscription.stop();

      expect(received.map((event) => event.eventId).sort()).toEqual(
        appended.map((event) => event.eventId).sort(),
      );
      expectStrictlyAscending(received.map((event) => event.position));
      const read = await collect(store.readAll({ filter: { streamPrefix: `${prefix}-` } }));
      expect(read.map((event) => event.eventId)).toEqual(received.map((event) => event.eventId));

      const commitOrder = subject.commitOrder?.();
      if (commitOrder) {
        const outOfOrder = commitOrder.some(
          (position, index) => index > 0 && position < (commitOrder[index - 1] ?? 0),
        );
        expect(outOfOrder, "transactions should have committed out of position order").toBe(true);
      }
    });

    it("catches up from a position, then delivers new events live, and stops when asked", async () => {
      const prefix = `live${randomUUID().slice(0, 8)}`;
      const streamId = newStreamId(prefix);
      const before = randomUUID();
      const start = await store.headPosition();
      const history = await store.append(
        streamId,
        [1, 2, 3, 4, 5].map((n) => contractEvent("DossierTransferred", { n }, before)),
        { expectedRevision: "no_stream", commandId: before },
      );
      const received: RecordedEvent[] = [];
      const subscription = store.subscribeToAll(
        { fromPosition: start, filter: { streamPrefix: prefix } },
        async (event) => {
          received.push(event);
        },
      );
      await subscription.caughtUp;
      await eventually(() => received.length === 5, "catch-up delivers the history");
      expect(received.map((event) => event.data.n)).toEqual([1, 2, 3, 4, 5]);

      const live = randomUUID();
      await store.append(
        streamId,
        [6, 7, 8].map((n) => contractEvent("DossierTransferred", { n }, live)),
        {
          expectedRevision: 5,
          commandId: live,
        },
      );
      await eventually(() => received.length === 8, "live events arrive");
      expect(received.map((event) => event.data.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(subscription.position).toBe(received.at(-1)?.position);

      await subscription.stop();
      const after = randomUUID();
      await store.append(streamId, [contractEvent("DossierTransferred", { n: 9 }, after)], {
        expectedRevision: 8,
        commandId: after,
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toHaveLength(8);
      await subscription.done;

      // A subscription starting from a checkpoint gets only what follows it.
      const resumed: RecordedEvent[] = [];
      const third = history.events[2];
      const fromCheckpoint = store.subscribeToAll(
        { fromPosition: third?.position ?? 0, filter: { streamPrefix: prefix } },
        async (event) => {
          resumed.push(event);
        },
      );
      await eventually(() => resumed.length === 6, "resumed subscription delivers the rest");
      await fromCheckpoint.stop();
      expect(resumed.map((event) => event.data.n)).toEqual([4, 5, 6, 7, 8, 9]);
    });

    it("ends a subscription whose handler throws, rejecting done with that error", async () => {
      const prefix = `fail${randomUUID().slice(0, 8)}`;
      const commandId = randomUUID();
      const start = await store.headPosition();
      await store.append(newStreamId(prefix), [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
      const failure = new Error("projection broke");
      const subscription: Subscription = store.subscribeToAll(
        { fromPosition: start, filter: { streamPrefix: prefix } },
        async () => {
          throw failure;
        },
      );
      await expect(subscription.done).rejects.toBe(failure);
    });

    it("filters the global log by event type and by stream prefix", async () => {
      const prefix = `filter${randomUUID().slice(0, 8)}`;
      const start = await store.headPosition();
      const a = newStreamId(`${prefix}a`);
      const b = newStreamId(`${prefix}b`);
      for (const [streamId, types] of [
        [a, ["DossierReceived", "DossierTransferred", "DossierResolved"]],
        [b, ["DossierReceived", "DossierResolved"]],
      ] as const) {
        const commandId = randomUUID();
        await store.append(
          streamId,
          types.map((type) => contractEvent(type, {}, commandId)),
          { expectedRevision: "no_stream", commandId },
        );
      }
      const resolved = await collect(
        store.readAll({
          fromPosition: start,
          filter: { eventTypes: ["DossierResolved"], streamPrefix: prefix },
        }),
      );
      expect(resolved.map((event) => [event.streamId, event.type])).toEqual([
        [a, "DossierResolved"],
        [b, "DossierResolved"],
      ]);
      const onlyA = await collect(
        store.readAll({ fromPosition: start, filter: { streamPrefix: `${prefix}a` } }),
      );
      expect(onlyA.map((event) => event.type)).toEqual([
        "DossierReceived",
        "DossierTransferred",
        "DossierResolved",
      ]);
      const twoTypes = await collect(
        store.readAll({
          fromPosition: start,
          filter: { eventTypes: ["DossierReceived", "DossierTransferred"], streamPrefix: prefix },
        }),
      );
      expect(twoTypes.map((event) => event.type)).toEqual([
        "DossierReceived",
        "DossierTransferred",
        "DossierReceived",
      ]);
      const firstTwo = await collect(store.readAll({ fromPosition: start, maxCount: 2 }));
      expect(firstTwo).toHaveLength(2);
      expectStrictlyAscending(firstTwo.map((event) => event.position));
    });

    it("reads a stream backwards and forwards from a revision, limited by maxCount, across pages", async () => {
      const streamId = newStreamId();
      let expectedRevision: number | "no_stream" = "no_stream";
      for (let batch = 0; batch < 3; batch += 1) {
        const commandId = randomUUID();
        const result = await store.append(
          streamId,
          Array.from({ length: 40 }, (_, index) =>
            contractEvent("DossierTransferred", { n: batch * 40 + index + 1 }, commandId),
          ),
          { expectedRevision, commandId },
        );
        expectedRevision = result.lastRevision;
      }
      const all = await collect(store.readStream(streamId));
      expect(all.map((event) => event.revision)).toEqual(
        Array.from({ length: 120 }, (_, index) => index + 1),
      );
      expect(all.map((event) => event.data.n)).toEqual(all.map((event) => event.revision));

      const backwards = await collect(store.readStream(streamId, { direction: "backwards", maxCount: 3 }));
      expect(backwards.map((event) => event.revision)).toEqual([120, 119, 118]);
      const backwardsFrom = await collect(
        store.readStream(streamId, { direction: "backwards", fromRevision: 2 }),
      );
      expect(backwardsFrom.map((event) => event.revision)).toEqual([2, 1]);
      const forwardsFrom = await collect(store.readStream(streamId, { fromRevision: 100, maxCount: 5 }));
      expect(forwardsFrom.map((event) => event.revision)).toEqual([100, 101, 102, 103, 104]);
      expect(await collect(store.readStream(streamId, { fromRevision: 121 }))).toEqual([]);
    });

    it("keeps each event's own metadata when the events of one append differ", async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      const events = [1, 2, 3].map((n) => {
        const event = contractEvent("DossierTransferred", { n }, commandId);
        return { ...event, metadata: { ...event.metadata, occurredAt: `2025-03-0${n}T09:00:00+07:00` } };
      });
      await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
      const read = await collect(store.readStream(streamId));
      expect(read.map((event) => event.metadata.occurredAt)).toEqual([
        "2025-03-01T09:00:00+07:00",
        "2025-03-02T09:00:00+07:00",
        "2025-03-03T09:00:00+07:00",
      ]);
      expect(await store.verifyStream(streamId)).toEqual({ valid: true, events: 3 });
    });

    it("verifies an intact stream's hash chain", async () => {
      const streamId = newStreamId();
      const one = randomUUID();
      await store.append(streamId, [contractEvent("DossierReceived", { a: 1 }, one)], {
        expectedRevision: "no_stream",
        commandId: one,
      });
      const two = randomUUID();
      await store.append(
        streamId,
        [contractEvent("DossierTransferred", { b: [1, 2] }, two), contractEvent("DossierResolved", {}, two)],
        {
          expectedRevision: 1,
          commandId: two,
        },
      );
      expect(await store.verifyStream(streamId)).toEqual({ valid: true, events: 3 });
      expect(await store.verifyStream(newStreamId())).toEqual({ valid: true, events: 0 });
    });

    it("stores personal data sealed, reads it back, and reads it as erased once the subject is forgotten", async () => {
      const streamId = newStreamId();
      const subjectId = `applicant-${randomUUID()}`;
      const commandId = randomUUID();
      const applicant = { fullName: "Nguyễn Thị Contract", idNumber: "079912345678", phone: "0909123456" };
      // A position the store returned: reading after it starts at our event (any other number need not be
      // a place in the log; see capabilities.acceptsAnyPosition).
      const before = await store.headPosition();
      await store.append(
        streamId,
        [
          contractEvent("DossierReceived", { procedure: "1.001", applicant }, commandId, {
            personal: { subjectId, field: "applicant" },
          }),
        ],
        { expectedRevision: "no_stream", commandId },
      );
      const [read] = await collect(store.readStream(streamId));
      expect(read?.data).toEqual({ procedure: "1.001", applicant });
      // Readers that never use personal data (projections) get the event without the field at all.
      const fromLog = await collect(
        store.readAll({
          fromPosition: before,
          maxCount: 1,
          personalData: "omit",
          filter: { streamPrefix: streamId },
        }),
      );
      expect(fromLog.map((e) => [e.eventId, e.data])).toEqual([[read?.eventId, { procedure: "1.001" }]]);
      const decrypted = await collect(
        store.readAll({ fromPosition: before, maxCount: 1, filter: { streamPrefix: streamId } }),
      );
      expect(decrypted[0]?.data).toEqual({ procedure: "1.001", applicant });

      await store.forget(subjectId);
      const [erased] = await collect(store.readStream(streamId));
      expect(erased?.data).toEqual({ procedure: "1.001", applicant: { erased: true } });
      expect(await store.verifyStream(streamId)).toEqual({ valid: true, events: 1 });
    });

    it("finds the streams holding a subject's data, without creating a key, and none once forgotten", async () => {
      const subjectId = `applicant-${randomUUID()}`;
      const applicant = { fullName: "Lê Thị Tìm", idNumber: "079900000002" };
      expect(await store.subjectStreams(subjectId)).toEqual([]);
      const [first, second, unrelated] = [newStreamId(), newStreamId(), newStreamId()].sort();
      for (const [streamId, personal] of [
        [first, true],
        [second, true],
        [unrelated, false],
      ] as const) {
        const commandId = randomUUID();
        await store.append(
          streamId as string,
          [
            contractEvent(
              "DossierReceived",
              personal ? { applicant } : { procedure: "1.001" },
              commandId,
              personal ? { personal: { subjectId, field: "applicant" } } : {},
            ),
          ],
          { expectedRevision: "no_stream", commandId },
        );
      }
      // A later event of the stream without personal data does not repeat it.
      const later = randomUUID();
      await store.append(first as string, [contractEvent("DossierTransferred", {}, later)], {
        expectedRevision: 1,
        commandId: later,
      });
      expect(await store.subjectStreams(subjectId)).toEqual([first, second]);
      expect(await store.subjectStreams(`applicant-${randomUUID()}`)).toEqual([]);
      await store.forget(subjectId);
      expect(await store.subjectStreams(subjectId)).toEqual([]);
    });

    it("gives every deliberate error a stable code", async () => {
      const commandId = randomUUID();
      const error = await store
        .append("not a valid id!", [contractEvent("DossierReceived", {}, commandId)], {
          expectedRevision: "any",
          commandId,
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EventStoreError);
      expect((error as EventStoreError).code).toBe("event_store.invalid_event");
    });
    // ---- Review of the EventStoreDB adapter (issue 16): each case below failed, or would fail, there ----

    it("answers a retry as a replay after later commands: with any, and with its old revision however far back (finding 1)", async () => {
      const streamId = newStreamId();
      const seed = randomUUID();
      await store.append(streamId, [contractEvent("DossierReceived", {}, seed)], {
        expectedRevision: "no_stream",
        commandId: seed,
      });
      const commandId = randomUUID();
      const events = [1, 2].map((n) => contractEvent("DossierTransferred", { n }, commandId));
      const first = await store.append(streamId, events, { expectedRevision: "any", commandId });
      expect(first).toMatchObject({ firstRevision: 2, lastRevision: 3, replayed: false });
      const later = randomUUID();
      await store.append(streamId, [contractEvent("DossierAccepted", {}, later)], {
        expectedRevision: "any",
        commandId: later,
      });

      const sameAsFirst = (again: { events: RecordedEvent[] }) =>
        expect(
          again.events.map((event) => [event.eventId, event.revision, event.position, event.hash]),
        ).toEqual(first.events.map((event) => [event.eventId, event.revision, event.position, event.hash]));
      const retriedAny = await store.append(streamId, events, { expectedRevision: "any", commandId });
      expect(retriedAny.replayed).toBe(true);
      sameAsFirst(retriedAny);
      const retriedExact = await store.append(streamId, events, { expectedRevision: 1, commandId });
      expect(retriedExact.replayed).toBe(true);
      sameAsFirst(retriedExact);
      expect(await store.streamRevision(streamId)).toBe(4);

      // 250 later events: further back than any scan of the stream's tail.
      const bulk = randomUUID();
      await store.append(
        streamId,
        Array.from({ length: 250 }, (_, n) => contractEvent("DossierNoted", { n }, bulk)),
        { expectedRevision: 4, commandId: bulk },
      );
      const farExact = await store.append(streamId, events, { expectedRevision: 1, commandId });
      expect(farExact.replayed).toBe(true);
      sameAsFirst(farExact);
      if (store.capabilities.anyRetryWindow === null) {
        const farAny = await store.append(streamId, events, { expectedRevision: "any", commandId });
        expect(farAny.replayed).toBe(true);
        sameAsFirst(farAny);
      }
      expect(await store.streamRevision(streamId)).toBe(254);
      expect(await store.verifyStream(streamId)).toEqual({ valid: true, events: 254 });
    });

    it("reports exactly one racing retry as the write even when every attempt hashes the same (fixed clock; finding 2)", async () => {
      const fixed = new Date("2025-03-03T02:00:00.000Z");
      const frozen = subject.openAnother({ clock: () => fixed });
      try {
        for (const expectedRevision of ["no_stream", "any"] as const) {
          const streamId = newStreamId();
          const commandId = randomUUID();
          const events = [contractEvent("DossierReceived", {}, commandId)];
          const results = await Promise.all(
            Array.from({ length: 6 }, () => frozen.append(streamId, events, { expectedRevision, commandId })),
          );
          expect(results.filter((result) => !result.replayed)).toHaveLength(1);
          expect(new Set(results.map((result) => result.events[0]?.hash)).size).toBe(1);
          expect(new Set(results.map((result) => result.lastPosition)).size).toBe(1);
          expect(await store.streamRevision(streamId)).toBe(1);
        }
      } finally {
        await frozen.close();
      }
    });

    it("never answers an append with another command's events, whoever wins the races (finding 3)", async () => {
      const streamId = newStreamId();
      const commands = Array.from({ length: 6 }, () => randomUUID());
      const attempts = await Promise.allSettled(
        commands.map((commandId, index) =>
          store.append(
            streamId,
            [0, 1].map((n) => contractEvent("DossierTransferred", { index, n }, commandId)),
            { expectedRevision: "any", commandId },
          ),
        ),
      );
      let written = 0;
      attempts.forEach((attempt, index) => {
        const commandId = commands[index] ?? "";
        if (attempt.status === "rejected") {
          // Only contention may refuse an "any" append, and then with a stable code.
          expect(attempt.reason).toMatchObject({ code: "event_store.revision_conflict" });
          return;
        }
        written += 1;
        expect(attempt.value.replayed).toBe(false);
        expect(attempt.value.events.map((event) => event.eventId)).toEqual(eventIdsFor(commandId, 2));
        expect(attempt.value.events.map((event) => event.metadata.commandId)).toEqual([commandId, commandId]);
      });
      expect(written).toBeGreaterThan(0);
      const stored = await collect(store.readStream(streamId));
      expect(stored).toHaveLength(written * 2);
      expect(stored.map((event) => event.revision)).toEqual(stored.map((_, index) => index + 1));
    });

    it("reads the log after any position it returned; elsewhere it reads or refuses with a stable code (finding 4)", async () => {
      const prefix = `pos${randomUUID().slice(0, 8)}`;
      const start = await store.headPosition();
      const commandId = randomUUID();
      const appended = await store.append(
        newStreamId(prefix),
        [1, 2, 3].map((n) => contractEvent("DossierTransferred", { n }, commandId)),
        { expectedRevision: "no_stream", commandId },
      );
      const filter = { streamPrefix: prefix };
      const fromStart = await collect(store.readAll({ fromPosition: start, filter }));
      expect(fromStart.map((event) => event.data.n)).toEqual([1, 2, 3]);
      const first = appended.events[0]?.position ?? 0;
      const afterFirst = await collect(store.readAll({ fromPosition: first, filter }));
      expect(afterFirst.map((event) => event.data.n)).toEqual([2, 3]);
      const resumed: RecordedEvent[] = [];
      const subscription = store.subscribeToAll({ fromPosition: first, filter }, async (event) => {
        resumed.push(event);
      });
      await subscription.caughtUp;
      await subscription.stop();
      expect(resumed.map((event) => event.data.n)).toEqual([2, 3]);

      const inside = first + 1; // not an event's position in a log of byte offsets
      const read = collect(store.readAll({ fromPosition: inside, filter }));
      const subscribed = store.subscribeToAll({ fromPosition: inside, filter }, async () => {});
      if (store.capabilities.acceptsAnyPosition) {
        for (const event of await read) expect(event.position).toBeGreaterThan(inside);
        await subscribed.stop();
      } else {
        await expect(read).rejects.toMatchObject({ code: "event_store.invalid_position" });
        await expect(subscribed.done).rejects.toMatchObject({ code: "event_store.invalid_position" });
      }
    });

    it("seals personal data under a live key when another process forgot the subject after this one cached its key (finding 5)", async () => {
      const subjectId = `applicant-${randomUUID()}`;
      const applicant = { fullName: "Trần Văn Quên", idNumber: "079900000001" };
      const append = (streamId: string) => {
        const commandId = randomUUID();
        return store.append(
          streamId,
          [
            contractEvent("DossierReceived", { applicant }, commandId, {
              personal: { subjectId, field: "applicant" },
            }),
          ],
          { expectedRevision: "no_stream", commandId },
        );
      };
      const before = newStreamId();
      await append(before); // this process now holds the subject's key in its cache
      const elsewhere = subject.openAnother();
      try {
        await elsewhere.forget(subjectId);
      } finally {
        await elsewhere.close();
      }
      const after = newStreamId();
      await append(after); // the subject applies again
      const [old] = await collect(store.readStream(before));
      expect(old?.data.applicant).toEqual({ erased: true });
      const [fresh] = await collect(store.readStream(after));
      expect(fresh?.data.applicant).toEqual(applicant);
    });

    it("stays usable after 150 reads and 110 subscriptions are abandoned early (finding 6)", async () => {
      const streamId = newStreamId();
      const commandId = randomUUID();
      const start = await store.headPosition();
      await store.append(
        streamId,
        [1, 2, 3].map((n) => contractEvent("DossierTransferred", { n }, commandId)),
        { expectedRevision: "no_stream", commandId },
      );
      for (let round = 0; round < 150; round += 1) {
        for await (const _ of store.readAll({ fromPosition: start })) break;
        for await (const _ of store.readStream(streamId)) break;
      }
      for (let round = 0; round < 110; round += 1) {
        const subscription = store.subscribeToAll({ fromPosition: start }, async () => {});
        await subscription.stop();
      }
      const next = randomUUID();
      await store.append(streamId, [contractEvent("DossierResolved", {}, next)], {
        expectedRevision: 3,
        commandId: next,
      });
      expect((await collect(store.readStream(streamId))).map((event) => event.revision)).toEqual([
        1, 2, 3, 4,
      ]);
      expect(await store.headPosition()).toBeGreaterThan(start);
    });

    it("resolves caughtUp only once the handler has handled every event that existed (finding 7)", async () => {
      const prefix = `caught${randomUUID().slice(0, 8)}`;
      const start = await store.headPosition();
      const commandId = randomUUID();
      await store.append(
        newStreamId(prefix),
        Array.from({ length: 30 }, (_, n) => contractEvent("DossierTransferred", { n }, commandId)),
        { expectedRevision: "no_stream", commandId },
      );
      const handled: number[] = [];
      const subscription = store.subscribeToAll(
        { fromPosition: start, filter: { streamPrefix: prefix } },
        async (event) => {
          await new Promise((resolve) => setTimeout(resolve, 2)); // a handler that takes its time
          handled.push(Number(event.data.n));
        },
      );
      await subscription.caughtUp;
      expect(handled).toEqual(Array.from({ length: 30 }, (_, n) => n));
      await subscription.stop();
    });

    it("rejects caughtUp and done with the handler's own error, even one that speaks of connections (finding 7)", async () => {
      const prefix = `conn${randomUUID().slice(0, 8)}`;
      const start = await store.headPosition();
      const commandId = randomUUID();
      await store.append(newStreamId(prefix), [contractEvent("DossierReceived", {}, commandId)], {
        expectedRevision: "no_stream",
        commandId,
      });
      const failure = new Error("connect ECONNREFUSED: the registry's connection was refused");
      const subscription = store.subscribeToAll(
        { fromPosition: start, filter: { streamPrefix: prefix } },
        async () => {
          throw failure;
        },
      );
      await expect(subscription.done).rejects.toBe(failure);
      await expect(subscription.caughtUp).rejects.toBe(failure);
    });

    it("refuses a command id reused on another stream, or says it cannot (finding 8)", async () => {
      const commandId = randomUUID();
      const events = [contractEvent("DossierReceived", {}, commandId)];
      await store.append(newStreamId(), events, { expectedRevision: "no_stream", commandId });
      const elsewhere = store.append(newStreamId(), events, { expectedRevision: "no_stream", commandId });
      if (store.capabilities.detectsCommandIdReuse) {
        await expect(elsewhere).rejects.toBeInstanceOf(CommandIdReusedError);
      } else {
        // The stated limit: the second stream gets the events too.
        expect((await elsewhere).replayed).toBe(false);
      }
    });

    it("refuses what it cannot store with a stable code and writes nothing: oversized events and appends (findings 9, 10)", async () => {
      const refusedOrStored = async (events: NewEvent[], commandId: string) => {
        const streamId = newStreamId();
        const outcome = await store
          .append(streamId, events, { expectedRevision: "no_stream", commandId })
          .then(
            (result) => ({ stored: result }),
            (error: unknown) => ({ error }),
          );
        if ("error" in outcome) {
          expect(outcome.error).toBeInstanceOf(EventStoreError);
          expect(outcome.error).toMatchObject({ code: "event_store.event_too_large" });
          expect(await store.streamRevision(streamId)).toBeNull();
          return "refused" as const;
        }
        expect(await store.streamRevision(streamId)).toBe(events.length);
        return "stored" as const;
      };

      // One event just under the per-event limit as the port measures it (data + metadata): whatever the
      // adapter adds on top must not turn into an error of the store's own.
      const edge = randomUUID();
      const edgeEvent = contractEvent("DossierNoted", {}, edge);
      const metadataBytes = Buffer.byteLength(
        canonicalJson({ ...edgeEvent.metadata, recordedAt: new Date().toISOString() }),
      );
      const blob = "x".repeat(MAX_EVENT_BYTES - 50 - metadataBytes - '{"blob":""}'.length);
      await refusedOrStored([{ ...edgeEvent, data: { blob } }], edge);

      const tooBig = randomUUID();
      await expect(
        store.append(
          newStreamId(),
          [{ ...contractEvent("DossierNoted", {}, tooBig), data: { blob: `${blob}${"y".repeat(100)}` } }],
          {
            expectedRevision: "no_stream",
            commandId: tooBig,
          },
        ),
      ).rejects.toMatchObject({ code: "event_store.event_too_large" });

      // Three events each well under the per-event limit, together over 1 MiB.
      const whole = randomUUID();
      const third = "z".repeat(Math.ceil(MAX_EVENT_BYTES / 3) + 1_000);
      const outcome = await refusedOrStored(
        [0, 1, 2].map((n) => ({ ...contractEvent("DossierNoted", {}, whole), data: { n, third } })),
        whole,
      );
      expect(outcome).toBe(store.capabilities.maxAppendBytes === null ? "stored" : "refused");
    });
  });
}
