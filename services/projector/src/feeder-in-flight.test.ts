import { randomUUID } from "node:crypto";
import type { EventStore, ReadAllOptions, RecordedEvent } from "@motcua/event-store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Projector, startProjector } from "./projector";
import { notedEvent, openTestBed, type ProjectorTestBed } from "./test-support/harness";

/**
 * EventStoreDB's positions are byte offsets in its log, about a kilobyte apart per event. This view of the
 * Postgres store spaces its positions the same way, so the feeder meets positions that are not event counts.
 */
const BYTES_PER_EVENT = 1_000;
function withByteOffsetPositions(store: EventStore): EventStore {
  // Without the store's lean read: the feeder then reads through the readAll below.
  const { readAllForProjection: _lean, ...plain } = store;
  return {
    ...plain,
    async headPosition() {
      return (await store.headPosition()) * BYTES_PER_EVENT;
    },
    async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
      const { fromPosition, ...rest } = options;
      const inner =
        fromPosition === undefined
          ? rest
          : { ...rest, fromPosition: Math.floor(fromPosition / BYTES_PER_EVENT) };
      for await (const event of store.readAll(inner)) {
        yield { ...event, position: event.position * BYTES_PER_EVENT };
      }
    },
  };
}

const PAGE = 20;
const MAX_IN_FLIGHT = 100;
let bed: ProjectorTestBed;
let feeder: Projector | undefined;

beforeAll(async () => {
  bed = await openTestBed("in_flight");
  for (let stream = 0; stream < 30; stream += 1) {
    const commandId = randomUUID();
    const events = Array.from({ length: 10 }, (_, n) => notedEvent(n, commandId));
    await bed.store.append(`dossier-${randomUUID()}`, events, { expectedRevision: "no_stream", commandId });
  }
});
afterAll(async () => {
  await feeder?.stop().catch(() => {});
  await bed?.close();
});

describe("the feeder's bound on work in flight", () => {
  it("counts events, not positions: with byte-offset positions it still reads maxInFlight events ahead", async () => {
    // No workers: no checkpoint moves, so the feeder reads until the bound stops it.
    feeder = await startProjector({
      store: withByteOffsetPositions(bed.store),
      db: bed.db,
      databaseUrl: bed.database.url,
      redis: bed.redis,
      prefix: bed.testRedis.prefix,
      partitions: 3,
      feeder: true,
      worker: false,
      feederOptions: { pageSize: PAGE, maxInFlight: MAX_IN_FLIGHT },
    });
    const eventsRead = () => (feeder?.feeder?.state.cursor ?? 0) / BYTES_PER_EVENT;
    const deadline = Date.now() + 15_000;
    while (eventsRead() < MAX_IN_FLIGHT && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Counting positions, 100 would have meant a tenth of one event: the feeder stopped after one page.
    expect(eventsRead()).toBeGreaterThanOrEqual(MAX_IN_FLIGHT);
    await new Promise((resolve) => setTimeout(resolve, 300)); // many feeder polls: it must stay at the bound
    expect(eventsRead()).toBeLessThanOrEqual(MAX_IN_FLIGHT + PAGE);
  });
});
