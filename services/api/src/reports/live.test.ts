import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let base: string;
let analyst: { authorization: string };

beforeAll(async () => {
  rt = await createTestRuntime("reports_live", { env: { PROJECTION_PARTITIONS: "8" } });
  analyst = await rt.auth("analyst");
  await rt.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(rt.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await rt?.dispose();
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads a text/event-stream as a browser would, event by event. */
function eventReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(): Promise<SseEvent> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split("\n")) {
            const [name, ...rest] = line.split(":");
            const value = rest.join(":").trimStart();
            if (name === "id" || name === "event" || name === "data") event[name] = value;
          }
          if (event.event) return event;
          continue; // a comment or a retry line
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe("GET /reports/live", () => {
  it("announces the read models' position at once and again when a projected dossier moves it", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/reports/live`, { headers: analyst, signal: controller.signal });
    try {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      // Helmet's headers and the rate limiter's count still apply to the stream.
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(response.headers.get("x-ratelimit-limit")).toBe("100000");
      const events = eventReader(response.body as ReadableStream<Uint8Array>);

      const first = await events.next();
      const before = await rt.app.inject({
        url: `/reports/06a?unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-12&includeSubunits=true`,
        headers: analyst,
      });
      expect(first).toEqual({
        id: String(before.json().position),
        event: "position",
        data: JSON.stringify({ position: before.json().position }),
      });

      const officer = await rt.auth("officer", UNITS.communeA.unitId);
      const received = await rt.app.inject({
        method: "POST",
        url: "/dossiers",
        payload: receiveBody(),
        headers: officer,
      });
      expect(received.statusCode, received.body).toBe(201);
      const head = await projectAll(rt);

      const next = await events.next();
      expect(next.event).toBe("position");
      const position = (JSON.parse(next.data ?? "{}") as { position: number }).position;
      expect(position).toBe(head);
      expect(position).toBeGreaterThanOrEqual(received.json().position);
      // What a board does with the news: re-read at that position, and the dossier is counted.
      const after = await rt.app.inject({
        url: `/reports/06a?unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-12&includeSubunits=true&minPosition=${position}`,
        headers: analyst,
      });
      expect(after.json().total.received).toBe(before.json().total.received + 1);
      await events.cancel();
    } finally {
      controller.abort();
    }
  });

  it("refuses a caller without a token with a problem, not a stream", async () => {
    const response = await fetch(`${base}/reports/live`);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("is described in the OpenAPI document as an event stream", async () => {
    const doc = (await rt.app.inject({ url: "/docs/json" })).json();
    const get = doc.paths["/reports/live"]?.get;
    expect(get?.responses?.["200"]?.content).toHaveProperty("text/event-stream");
  });
});
