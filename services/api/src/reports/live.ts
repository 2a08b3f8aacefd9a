import type { ServerResponse } from "node:http";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { requireRole } from "../plugins/auth";
import { problemResponse } from "../problem";
import type { ReadModelAccess } from "../read-model-access";

export interface LiveDeps {
  readonly access: ReadModelAccess;
  /** How often the read models' position is read while someone listens (default 500 ms). */
  readonly pollMs?: number;
  /** A comment line this often keeps proxies from closing a quiet stream (default 15 s). */
  readonly keepAliveMs?: number;
}

/** What a listener is told: the read models' position, each time it moves. */
type Listener = (position: number) => void;

/**
 * One reader of the read models' position for every open stream of this API instance: it reads while
 * anyone listens and tells them when the position moves. Reading the read models' own position (rather
 * than hearing of appends) means a board that refetches on the news finds the new figures there.
 */
export class ReadPositionFeed {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private last: number | null = null;

  constructor(
    private readonly position: () => Promise<number>,
    private readonly pollMs: number,
  ) {}

  /** The position now (null while the read models are not set up), and every change after it. */
  async subscribe(listener: Listener): Promise<{ current: number | null; stop: () => void }> {
    this.listeners.add(listener);
    if (!this.timer) this.timer = setInterval(() => void this.read(), this.pollMs);
    const current = await this.position().catch(() => null);
    if (current !== null && (this.last === null || current > this.last)) {
      // Read for this newcomer before the timer did: the others hear of the advance too.
      this.last = current;
      for (const other of this.listeners) if (other !== listener) other(current);
    }
    return {
      current,
      stop: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.close();
      },
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      // A database that is away, or read models not yet set up: no news; the streams stay open.
      const position = await this.position().catch(() => null);
      if (position === null || (this.last !== null && position <= this.last)) return;
      this.last = position;
      for (const listener of this.listeners) listener(position);
    } finally {
      this.reading = false;
    }
  }
}

/** One server-sent event: its id is the position, so a reconnecting client says where it was. */
const positionEvent = (position: number) =>
  `id: ${position}\nevent: position\ndata: ${JSON.stringify({ position })}\n\n`;

/**
 * `GET /reports/live`: a server-sent event stream (`text/event-stream`) telling a board, within a second
 * or so, that the read models have moved: `event: position` with `{ position }` at once and after each
 * advance. The board then re-reads its figures with `?minPosition=` that position. Auth as the reports.
 */
export function liveRoute(deps: LiveDeps): RouteSlice {
  return async (app) => {
    const feed = new ReadPositionFeed(() => deps.access.position(), deps.pollMs ?? 500);
    const open = new Set<ServerResponse>();
    // Streams never end by themselves: closing the API ends them, or the server would wait for them.
    app.addHook("preClose", async () => {
      feed.close();
      for (const response of open) response.end();
    });

    app.get(
      "/reports/live",
      {
        onRequest: requireRole("officer", "analyst", "auditor", "admin"),
        schema: {
          tags: ["reports"],
          summary:
            "Live board updates: a server-sent event stream announcing the read models' position whenever it advances",
          description:
            "`text/event-stream`. At once and after every advance of the read models: `id: <position>`, " +
            '`event: position`, `data: {"position": N}`; a comment line every 15 s keeps the stream open; ' +
            "`retry: 2000` asks clients to reconnect after 2 s. Re-read reports with `?minPosition=N` to see " +
            "the figures at that position. Send the bearer token as for any report (EventSource cannot: " +
            "read it with fetch and a stream reader, as the dashboard does).",
          response: {
            200: {
              description: "The event stream",
              content: { "text/event-stream": { schema: z.string() } },
            },
            401: problemResponse("No or bad token"),
            403: problemResponse("Not allowed for this caller"),
          },
        },
      },
      async (request, reply) => {
        reply.hijack();
        const response = reply.raw;
        // The headers set before the handler (helmet's, the rate limit's) go out too.
        for (const [name, value] of Object.entries(reply.getHeaders())) {
          if (value !== undefined) response.setHeader(name, value);
        }
        response.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          // Proxies such as nginx would otherwise hold the events back in their buffers.
          "x-accel-buffering": "no",
          // When the API ends the stream (it is closing), the connection goes with it rather than idling.
          connection: "close",
          "x-request-id": request.id,
        });
        response.flushHeaders();
        open.add(response);
        const send = (text: string) => {
          if (!response.writableEnded) response.write(text);
        };
        send("retry: 2000\n\n");
        const { current, stop } = await feed.subscribe((position) => send(positionEvent(position)));
        if (current !== null) send(positionEvent(current));
        const keepAlive = setInterval(() => send(": keep-alive\n\n"), deps.keepAliveMs ?? 15_000);
        const end = () => {
          clearInterval(keepAlive);
          stop();
          open.delete(response);
        };
        response.on("close", end);
        if (response.destroyed) end();
      },
    );
  };
}
