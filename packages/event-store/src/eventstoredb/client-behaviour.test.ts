/*
 * These tests check the behaviour of @eventstore/db-client 6.2.1 — and how the adapter copes with it —
 * against an in-process gRPC peer that speaks the real streams.proto messages (./grpc-peer.ts).
 * They check the CLIENT's behaviour, NOT EventStoreDB's: the peer imitates only as much of a server as
 * each test needs. The server is checked by the contract suite (`pnpm test:eventstoredb`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  EventStoreDBClient,
  jsonEvent,
  NO_STREAM,
  START,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import { createTestDatabase } from "@motcua/testing";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { collect, contractEvent, eventually, newStreamId } from "../contract/event-store-contract";
import { EventStoreConfigurationError } from "../errors";
import type { EventStore, RecordedEvent } from "../types";
import { createPostgresKeyVault, migratePostgresKeyVault } from "../vault/postgres-key-vault";
import { createEventStoreDbEventStore, type EventStoreDbEventStoreOptions } from "./eventstoredb-event-store";
import { type GrpcPeer, type GrpcPeerOptions, startGrpcPeer } from "./grpc-peer";

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  // Stores and clients before the peer: closing the peer first would leave them retrying.
  for (const each of opened.splice(0).reverse()) await each.close();
});

async function peerWith(options: GrpcPeerOptions = {}): Promise<GrpcPeer> {
  const peer = await startGrpcPeer(options);
  opened.push(peer);
  return peer;
}
function storeOn(peer: GrpcPeer, options: Partial<EventStoreDbEventStoreOptions> = {}): EventStore {
  const store = createEventStoreDbEventStore({ connectionString: peer.url, ...options });
  opened.push(store);
  return store;
}
function clientOn(url: string): EventStoreDBClient {
  const client = EventStoreDBClient.connectionString(url);
  opened.push({ close: () => client.dispose() });
  return client;
}

async function appendSome(store: EventStore, count: number, prefix = "dossier") {
  const streamId = newStreamId(prefix);
  const commandId = randomUUID();
  return store.append(
    streamId,
    Array.from({ length: count }, (_, n) => contractEvent("DossierTransferred", { n }, commandId)),
    { expectedRevision: "no_stream", commandId },
  );
}

describe("An abandoned read (client behaviour, against a gRPC peer — not a server)", () => {
  it("stays open in the client when a for-await leaves early; the adapter bounds and cancels its calls", async () => {
    // Reads without a count stay open after sending what the peer has: a long log still being sent.
    const peer = await peerWith({ holdUnboundedReadsOpen: true });
    const store = storeOn(peer, { pageSize: 2 });
    const { streamId } = await appendSome(store, 3);

    // The client: leaving the loop destroys its Node stream only; the gRPC call stays open.
    const client = clientOn(peer.url);
    for await (const _ of client.readAll({ fromPosition: START })) break;
    // A later call on the same connection: by its answer the peer has seen any cancel sent before it.
    await collect(client.readStream(streamId, { maxCount: 10 }));
    expect(peer.openReadCalls()).toBe(1);

    // The adapter: 40 reads of each kind left early; every call it made was bounded, none is left open.
    // (Against a server, 100 open calls stall the connection: the contract case leaves 150.)
    for (let round = 0; round < 40; round += 1) {
      for await (const _ of store.readAll()) break;
      for await (const _ of store.readStream(streamId)) break;
      for await (const _ of store.readStream(streamId, { direction: "backwards" })) break;
    }
    expect(await store.streamRevision(streamId)).toBe(3);
    expect(peer.readRequests.filter((request) => request.count > 2)).toHaveLength(2); // the client's two
    await eventually(() => peer.openReadCalls() === 1, `open calls: ${peer.openReadCalls()}`);
  });
});

describe("Caught-up against buffered events (client behaviour, against a gRPC peer — not a server)", () => {
  it("the client emits caughtUp before a slow consumer has handled the events before it; the adapter's caughtUp waits for them", async () => {
    const peer = await peerWith();
    const store = storeOn(peer);
    await appendSome(store, 20);
    const slowly = () => new Promise((resolve) => setTimeout(resolve, 2));

    const client = clientOn(peer.url);
    const subscription = client.subscribeToAll({ fromPosition: START });
    let consumed = 0;
    let consumedAtCaughtUp: number | null = null;
    subscription.on("caughtUp", () => {
      consumedAtCaughtUp ??= consumed;
    });
    for await (const _ of subscription) {
      await slowly();
      consumed += 1;
      if (consumed === 20) break;
    }
    expect(consumedAtCaughtUp).not.toBeNull();
    expect(consumedAtCaughtUp).toBeLessThan(20);

    const handled: RecordedEvent[] = [];
    const adapterSubscription = store.subscribeToAll({}, async (event) => {
      await slowly();
      handled.push(event);
    });
    await adapterSubscription.caughtUp;
    expect(handled.map((event) => event.data.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    await adapterSubscription.stop();
    // The client's subscription left by `break` is still open (as any read); the adapter's is not.
    await eventually(() => peer.openReadCalls() === 1, `open calls: ${peer.openReadCalls()}`);
  });
});

describe("throwOnAppendFailure=false (client behaviour, against a gRPC peer — not a server)", () => {
  it("the client then resolves a conflicting append as {success: false}; the adapter refuses that setting", async () => {
    const peer = await peerWith();
    const client = clientOn(peer.url);
    const event = () => jsonEvent({ type: "DossierReceived", data: {} });
    await client.appendToStream("dossier-x", event(), { expectedRevision: NO_STREAM });
    await expect(
      client.appendToStream("dossier-x", event(), { expectedRevision: NO_STREAM }),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);

    const lenientUrl = `${peer.url}&throwOnAppendFailure=false`;
    const lenient = clientOn(lenientUrl);
    const answer = await lenient.appendToStream("dossier-x", event(), { expectedRevision: NO_STREAM });
    expect(answer.success).toBe(false); // resolved, not thrown: a caller that ignores `success` loses data

    expect(() => createEventStoreDbEventStore({ connectionString: lenientUrl })).toThrow(
      EventStoreConfigurationError,
    );
    expect(() => createEventStoreDbEventStore({ client: lenient })).toThrow(/throwOnAppendFailure/);
    expect(() =>
      createEventStoreDbEventStore({ connectionString: `${peer.url}&tlsVerifyCert=false` }),
    ).toThrow(/tlsCAFile/);
  });
});

describe("The adapter's subscriptions over a dropped call (against a gRPC peer — not a server)", () => {
  it("resubscribes after the last handled event when the call drops, delivering each event once", async () => {
    let peer!: GrpcPeer;
    peer = await peerWith({
      subscription(control, call) {
        control.confirm();
        if (call === 0) {
          for (const event of peer.events.slice(0, 2)) control.send(event);
          control.caughtUp();
          control.fail({ code: 14, details: "Leader changed" });
          return;
        }
        // Resumed: from the position asked, which EventStoreDB includes.
        for (const event of peer.events)
          if (event.position >= control.request.fromPosition) control.send(event);
        control.caughtUp();
      },
    });
    const store = storeOn(peer, { maxUnavailableMs: 2_000 });
    const appended = await appendSome(store, 3);
    const handled: string[] = [];
    const subscription = store.subscribeToAll({}, async (event) => {
      handled.push(event.eventId);
    });
    await eventually(() => handled.length >= 3, `handled ${handled.length}`);
    expect(handled).toEqual(appended.events.map((event) => event.eventId));
    const subscribes = peer.readRequests.filter((request) => request.kind === "subscription");
    expect(subscribes.map((request) => request.fromPosition)).toEqual([0, appended.events[1]?.position]);
    await subscription.stop();
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it("stops at once, even before its call exists or while no event comes, and leaves no call open", async () => {
    const peer = await peerWith();
    const store = storeOn(peer);
    const atOnce = store.subscribeToAll({}, async () => {});
    await atOnce.stop(); // during the server check, before any call was made
    const idle = store.subscribeToAll({}, async () => {});
    await idle.caughtUp; // an empty log: caught up, then nothing comes
    await idle.stop();
    await expect(Promise.all([atOnce.done, idle.done])).resolves.toEqual([undefined, undefined]);
    await eventually(() => peer.openReadCalls() === 0, `open calls: ${peer.openReadCalls()}`);
  });

  it("gives up with event_store.unavailable once the calls have failed for maxUnavailableMs", async () => {
    const peer = await peerWith({
      subscription(control) {
        control.fail({ code: 14, details: "No leader" });
      },
    });
    const store = storeOn(peer, { maxUnavailableMs: 300 });
    const subscription = store.subscribeToAll({}, async () => {});
    await expect(subscription.done).rejects.toMatchObject({ code: "event_store.unavailable" });
    await expect(subscription.caughtUp).rejects.toMatchObject({ code: "event_store.unavailable" });
  });
});

describe("The adapter's appends (against a gRPC peer — not a server)", () => {
  it("retries an append refused as Not Ready (an election) and writes it once", async () => {
    const peer = await peerWith({
      failAppend: (attempt) => (attempt === 0 ? { code: 14, details: "Server Is Not Ready" } : null),
    });
    const store = storeOn(peer);
    const result = await appendSome(store, 2);
    expect(result.replayed).toBe(false);
    expect(peer.appendCalls()).toBe(2);
    expect(peer.events.map((event) => event.id)).toEqual(result.events.map((event) => event.eventId));
  });

  it("refuses a server older than 23.10, or one that does not say its version", async () => {
    for (const serverVersion of ["22.10.3", null]) {
      const peer = await peerWith({ serverVersion });
      const store = storeOn(peer);
      await expect(appendSome(store, 1)).rejects.toMatchObject({ code: "event_store.configuration" });
      await expect(collect(store.readAll())).rejects.toBeInstanceOf(EventStoreConfigurationError);
      expect(peer.appendCalls()).toBe(0);
    }
  });

  it("refuses a whole append over the server's MaxAppendSize before sending it", async () => {
    const peer = await peerWith();
    const store = storeOn(peer, { maxAppendBytes: 10_000 });
    const commandId = randomUUID();
    const events = [0, 1, 2].map((n) =>
      contractEvent("DossierNoted", { n, text: "a".repeat(4_000) }, commandId),
    );
    await expect(
      store.append(newStreamId(), events, { expectedRevision: "no_stream", commandId }),
    ).rejects.toMatchObject({ code: "event_store.event_too_large", limitBytes: 10_000 });
    expect(peer.appendCalls()).toBe(0);
    expect(store.capabilities.maxAppendBytes).toBe(10_000);
  });
});

/*
 * The adapter's own logic for the review's data-loss findings, run against the peer's imitation of the
 * server's idempotence check (the same event ids already following the expected revision answer success
 * without writing). Whether the server really answers so is for the contract suite against a server.
 */
describe("The adapter's replays and personal data (against a gRPC peer — not a server)", () => {
  it("answers racing retries with exactly one write, even when every attempt hashes the same (fixed clock)", async () => {
    const peer = await peerWith();
    const fixed = new Date("2025-03-03T02:00:00.000Z");
    const store = storeOn(peer, { clock: () => fixed });
    const streamId = newStreamId();
    const commandId = randomUUID();
    const events = [contractEvent("DossierReceived", {}, commandId)];
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        store.append(streamId, events, { expectedRevision: "no_stream", commandId }),
      ),
    );
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    expect(new Set(results.map((result) => result.events[0]?.hash)).size).toBe(1);
    expect(peer.events).toHaveLength(1);
  });

  it("replays an any retry after later commands and an exact retry 250 events back, writing nothing", async () => {
    const peer = await peerWith();
    const store = storeOn(peer, { pageSize: 100 });
    const streamId = newStreamId();
    const commandId = randomUUID();
    const events = [1, 2].map((n) => contractEvent("DossierTransferred", { n }, commandId));
    const first = await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
    const later = randomUUID();
    await store.append(streamId, [contractEvent("DossierAccepted", {}, later)], {
      expectedRevision: "any",
      commandId: later,
    });
    const retriedAny = await store.append(streamId, events, { expectedRevision: "any", commandId });
    expect(retriedAny.replayed).toBe(true);
    expect(retriedAny.events.map((event) => event.hash)).toEqual(first.events.map((event) => event.hash));
    const bulk = randomUUID();
    await store.append(
      streamId,
      Array.from({ length: 250 }, (_, n) => contractEvent("DossierNoted", { n }, bulk)),
      { expectedRevision: 3, commandId: bulk },
    );
    const retriedExact = await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
    expect(retriedExact.replayed).toBe(true);
    expect(retriedExact.events.map((event) => event.revision)).toEqual([1, 2]);
    expect(peer.events).toHaveLength(253);
    expect(await store.verifyStream(streamId)).toEqual({ valid: true, events: 253 });
  });

  it("seals under a fresh key when another process forgot the subject after this one cached its key", async () => {
    const database = await createTestDatabase("es_peer_vault");
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    opened.push({
      async close() {
        await pool.end();
        await database.drop();
      },
    });
    await migratePostgresKeyVault(pool, "event_store");
    const masterKey = randomBytes(32).toString("base64");
    const vault = () => createPostgresKeyVault({ pool, schema: "event_store", masterKey });
    const peer = await peerWith();
    const store = storeOn(peer, { keyVault: vault() });
    const elsewhere = storeOn(peer, { keyVault: vault() });
    const subjectId = `applicant-${randomUUID()}`;
    const applicant = { fullName: "Lê Thị Quên", idNumber: "079900000002" };
    const appendFor = (streamId: string) => {
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
    await appendFor(before); // `store` caches the subject's key
    await elsewhere.forget(subjectId);
    const after = newStreamId();
    await appendFor(after);
    expect((await collect(store.readStream(before)))[0]?.data.applicant).toEqual({ erased: true });
    expect((await collect(store.readStream(after)))[0]?.data.applicant).toEqual(applicant);
  });
});
