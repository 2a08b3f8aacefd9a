/**
 * An in-process gRPC peer that speaks EventStoreDB's real `streams.proto` and `serverfeatures.proto`
 * messages (the protobuf code @eventstore/db-client ships, served with the client's own @grpc/grpc-js).
 *
 * It exists to pin what the CLIENT does (cancellation, buffering, option handling) and how the adapter
 * reacts. It is NOT EventStoreDB: its log, idempotence and errors are a minimal imitation, and nothing
 * a test shows with it says anything about the server. The server's behaviour is checked only by the
 * contract suite against a real server (`pnpm test:eventstoredb`).
 */
import { createRequire } from "node:module";
import type * as FeaturesPb from "@eventstore/db-client/generated/serverfeatures_pb";
import type * as SharedPb from "@eventstore/db-client/generated/shared_pb";
import type * as StreamsPb from "@eventstore/db-client/generated/streams_pb";

// The client's own grpc-js and generated code (pnpm keeps them out of this package's reach by name).
const requireFromClient = createRequire(createRequire(import.meta.url).resolve("@eventstore/db-client"));
const grpc = requireFromClient("@grpc/grpc-js") as GrpcModule;
const streamsPb = requireFromClient("../generated/streams_pb") as typeof StreamsPb;
const sharedPb = requireFromClient("../generated/shared_pb") as typeof SharedPb;
const featuresPb = requireFromClient("../generated/serverfeatures_pb") as typeof FeaturesPb;
const streamsGrpc = requireFromClient("../generated/streams_grpc_pb") as { StreamsService: unknown };
const featuresGrpc = requireFromClient("../generated/serverfeatures_grpc_pb") as {
  ServerFeaturesService: unknown;
};

/** The few grpc-js shapes used here (its types are not resolvable from this package). */
interface GrpcModule {
  Server: new () => GrpcServer;
  ServerCredentials: { createInsecure(): unknown };
  status: { UNAVAILABLE: number; UNIMPLEMENTED: number; UNKNOWN: number };
}
interface GrpcServer {
  addService(service: unknown, implementation: Record<string, unknown>): void;
  bindAsync(
    address: string,
    credentials: unknown,
    callback: (error: Error | null, port: number) => void,
  ): void;
  tryShutdown(callback: (error?: Error) => void): void;
  forceShutdown(): void;
}
interface ServerWritable<Request, Response> {
  request: Request;
  write(message: Response, callback?: () => void): boolean;
  end(): void;
  emit(event: "error", error: { code: number; details: string }): boolean;
  on(event: "cancelled" | "close" | "finish", listener: () => void): void;
  destroy(error?: { code: number; details: string }): void;
}
interface ServerReadable<Request> {
  on(event: "data", listener: (message: Request) => void): void;
  on(event: "end" | "cancelled", listener: () => void): void;
}
type StatusError = { code: number; details: string };

export interface PeerEvent {
  streamId: string;
  /** 0-based, as EventStoreDB counts. */
  revision: number;
  id: string;
  type: string;
  data: Uint8Array;
  metadata: Uint8Array;
  /** Commit = prepare position, as for events written outside explicit transactions. */
  position: number;
}

export interface ReadRequestSeen {
  kind: "stream" | "all" | "subscription";
  /** For $all reads and subscriptions: the commit position asked for; 0 for the start, -1 for the end. */
  fromPosition: number;
  count: number;
}

/** What a subscription call may be told to do, in order. */
export interface SubscriptionControl {
  readonly request: ReadRequestSeen;
  confirm(): void;
  send(event: PeerEvent): void;
  caughtUp(): void;
  /** Ends the call with a status (e.g. UNAVAILABLE: a dropped connection or an election). */
  fail(status: StatusError): void;
}

export interface GrpcPeerOptions {
  /** What ServerFeatures reports; null answers UNIMPLEMENTED (servers older than 21.10). Default "24.10.0". */
  serverVersion?: string | null;
  /**
   * Reads without a count (the client's default) send what there is and then stay open, as a read of a
   * long log does while the server is still sending it.
   */
  holdUnboundedReadsOpen?: boolean;
  /** Answer the Nth Append call (0-based) with this status instead; nothing is written. */
  failAppend?: (attempt: number) => StatusError | null;
  /** Drives subscription calls; default: confirm, every event after the position, caught-up, stay open. */
  subscription?: (control: SubscriptionControl, call: number) => void;
}

export interface GrpcPeer {
  /** Connection string for the client. */
  readonly url: string;
  readonly events: PeerEvent[];
  readonly readRequests: ReadRequestSeen[];
  /** Read and subscription calls the client has not ended or cancelled yet. */
  openReadCalls(): number;
  appendCalls(): number;
  close(): Promise<void>;
}

const FIRST_POSITION = 1_000;

export async function startGrpcPeer(options: GrpcPeerOptions = {}): Promise<GrpcPeer> {
  const events: PeerEvent[] = [];
  const readRequests: ReadRequestSeen[] = [];
  const openCalls = new Set<unknown>();
  let appendCalls = 0;
  let subscriptionCalls = 0;
  let nextPosition = FIRST_POSITION;

  const streamIdentifier = (streamId: string) => {
    const identifier = new sharedPb.StreamIdentifier();
    identifier.setStreamName(Buffer.from(streamId, "utf8"));
    return identifier;
  };
  const nameOf = (identifier: SharedPb.StreamIdentifier | undefined) =>
    Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString("utf8");

  const readEvent = (event: PeerEvent) => {
    const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
    const id = new sharedPb.UUID();
    id.setString(event.id);
    recorded.setId(id);
    recorded.setStreamIdentifier(streamIdentifier(event.streamId));
    recorded.setStreamRevision(String(event.revision));
    recorded.setPreparePosition(String(event.position));
    recorded.setCommitPosition(String(event.position));
    recorded.getMetadataMap().set("type", event.type);
    recorded.getMetadataMap().set("content-type", "application/json");
    recorded.getMetadataMap().set("created", String(BigInt(Date.now()) * 10_000n));
    recorded.setCustomMetadata(event.metadata);
    recorded.setData(event.data);
    const read = new streamsPb.ReadResp.ReadEvent();
    read.setEvent(recorded);
    read.setCommitPosition(String(event.position));
    const response = new streamsPb.ReadResp();
    response.setEvent(read);
    return response;
  };

  const streamEvents = (streamId: string) => events.filter((event) => event.streamId === streamId);

  const read = (call: ServerWritable<StreamsPb.ReadReq, StreamsPb.ReadResp>) => {
    openCalls.add(call);
    const release = () => openCalls.delete(call);
    call.on("cancelled", release);
    call.on("finish", release);
    call.on("close", release);
    const requestOptions = call.request.getOptions();
    if (!requestOptions) return call.destroy({ code: grpc.status.UNKNOWN, details: "no options" });
    const count = requestOptions.hasCount() ? Number(requestOptions.getCount()) : Number.MAX_SAFE_INTEGER;
    const backwards = requestOptions.getReadDirection() === 1;

    if (requestOptions.hasStream()) {
      const stream = requestOptions.getStream();
      const streamId = nameOf(stream?.getStreamIdentifier());
      readRequests.push({ kind: "stream", fromPosition: 0, count });
      const all = streamEvents(streamId);
      if (all.length === 0) {
        const response = new streamsPb.ReadResp();
        const notFound = new streamsPb.ReadResp.StreamNotFound();
        notFound.setStreamIdentifier(streamIdentifier(streamId));
        response.setStreamNotFound(notFound);
        call.write(response);
        return call.end();
      }
      const from = stream?.hasRevision()
        ? Number(stream.getRevision())
        : stream?.hasEnd()
          ? Number.MAX_SAFE_INTEGER
          : backwards
            ? Number.MAX_SAFE_INTEGER
            : 0;
      const selected = backwards
        ? all.filter((event) => event.revision <= from).reverse()
        : all.filter((event) => event.revision >= from);
      for (const event of selected.slice(0, count)) call.write(readEvent(event));
      if (!(options.holdUnboundedReadsOpen && count >= Number.MAX_SAFE_INTEGER)) call.end();
      return;
    }

    const all = requestOptions.getAll();
    const fromPosition = all?.hasPosition()
      ? Number(all.getPosition()?.getCommitPosition())
      : all?.hasEnd()
        ? -1
        : 0;

    if (requestOptions.hasSubscription()) {
      const request: ReadRequestSeen = { kind: "subscription", fromPosition, count };
      readRequests.push(request);
      const control: SubscriptionControl = {
        request,
        confirm() {
          const response = new streamsPb.ReadResp();
          const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
          confirmation.setSubscriptionId(`peer-${subscriptionCalls}`);
          response.setConfirmation(confirmation);
          call.write(response);
        },
        send: (event) => call.write(readEvent(event)),
        caughtUp() {
          const response = new streamsPb.ReadResp();
          response.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
          call.write(response);
        },
        fail(status) {
          // After what was written so far has gone out: an error status overtakes queued messages.
          call.write(new streamsPb.ReadResp(), () => {
            release();
            call.emit("error", status);
          });
        },
      };
      const drive =
        options.subscription ??
        ((each: SubscriptionControl) => {
          each.confirm();
          for (const event of events) if (event.position > fromPosition) each.send(event);
          each.caughtUp();
        });
      drive(control, subscriptionCalls);
      subscriptionCalls += 1;
      return;
    }

    readRequests.push({ kind: "all", fromPosition, count });
    const selected = backwards
      ? fromPosition === -1
        ? [...events].reverse()
        : events.filter((event) => event.position <= fromPosition).reverse()
      : events.filter((event) => event.position >= fromPosition);
    for (const event of selected.slice(0, count)) call.write(readEvent(event));
    if (!(options.holdUnboundedReadsOpen && count >= Number.MAX_SAFE_INTEGER)) call.end();
  };

  const append = (
    call: ServerReadable<StreamsPb.AppendReq>,
    callback: (error: StatusError | null, response?: StreamsPb.AppendResp) => void,
  ) => {
    const attempt = appendCalls;
    appendCalls += 1;
    let header: StreamsPb.AppendReq.Options | undefined;
    const proposed: StreamsPb.AppendReq.ProposedMessage[] = [];
    call.on("data", (message) => {
      if (message.hasOptions()) header = message.getOptions();
      const event = message.getProposedMessage();
      if (event) proposed.push(event);
    });
    call.on("end", () => {
      const failure = options.failAppend?.(attempt) ?? null;
      if (failure) return callback(failure);
      const streamId = nameOf(header?.getStreamIdentifier());
      const existing = streamEvents(streamId);
      const current = existing.length - 1; // -1: no stream
      const ids = proposed.map((event) => event.getId()?.getString() ?? "");
      const expected = header?.hasRevision()
        ? Number(header.getRevision())
        : header?.hasNoStream()
          ? -1
          : header?.hasStreamExists()
            ? "exists"
            : "any";
      const matches =
        expected === "any" || (expected === "exists" ? current >= 0 : Number(expected) === current);
      const response = new streamsPb.AppendResp();
      // The idempotence EventStoreDB applies below the head: these very ids already follow `expected`.
      const alreadyWritten =
        typeof expected === "number" &&
        expected < current &&
        ids.every((id, index) => existing[expected + 1 + index]?.id === id);
      if (!matches && !alreadyWritten) {
        const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
        if (current >= 0) wrong.setCurrentRevision(String(current));
        else wrong.setCurrentNoStream(new sharedPb.Empty());
        if (typeof expected === "number" && expected >= 0) wrong.setExpectedRevision(String(expected));
        else if (expected === -1) wrong.setExpectedNoStream(new sharedPb.Empty());
        response.setWrongExpectedVersion(wrong);
        return callback(null, response);
      }
      let last = existing.at(-1);
      if (!alreadyWritten) {
        proposed.forEach((event, index) => {
          const data = event.getData_asU8();
          const metadata = event.getCustomMetadata_asU8();
          const written: PeerEvent = {
            streamId,
            revision: current + 1 + index,
            id: ids[index] ?? "",
            type: event.getMetadataMap().get("type") ?? "",
            data,
            metadata,
            position: nextPosition,
          };
          // Byte offsets, as in EventStoreDB's log: a position inside a record is not a place to start.
          nextPosition += 200 + data.length + metadata.length;
          events.push(written);
          last = written;
        });
      }
      const success = new streamsPb.AppendResp.Success();
      success.setCurrentRevision(String(last?.revision ?? 0));
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(String(last?.position ?? 0));
      position.setPreparePosition(String(last?.position ?? 0));
      success.setPosition(position);
      response.setSuccess(success);
      callback(null, response);
    });
  };

  const getSupportedMethods = (
    _call: unknown,
    callback: (error: StatusError | null, response?: FeaturesPb.SupportedMethods) => void,
  ) => {
    const version = options.serverVersion === undefined ? "24.10.0" : options.serverVersion;
    if (version === null) return callback({ code: grpc.status.UNIMPLEMENTED, details: "unimplemented" });
    const supported = new featuresPb.SupportedMethods();
    supported.setEventStoreServerVersion(version);
    // Read and Append only: the client then appends with Append (batchAppend is not offered).
    supported.setMethodsList(
      ["read", "append"].map((name) => {
        const method = new featuresPb.SupportedMethod();
        method.setServiceName("event_store.client.streams.streams");
        method.setMethodName(name);
        return method;
      }),
    );
    callback(null, supported);
  };

  const server = new grpc.Server();
  server.addService(streamsGrpc.StreamsService, { read, append });
  server.addService(featuresGrpc.ServerFeaturesService, { getSupportedMethods });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    events,
    readRequests,
    openReadCalls: () => openCalls.size,
    appendCalls: () => appendCalls,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
