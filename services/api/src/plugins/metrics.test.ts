import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../app";
import { buildTestApp } from "../test-app";
import { metricNames } from "./metrics";

describe("metrics", () => {
  let app: App;
  let other: App;

  beforeAll(async () => {
    const slices = [
      async (slice: App) => {
        slice.get("/sample/dossiers/:id", async (request) => {
          request.server.metrics.commands.inc({ type: "resolve", outcome: "accepted" });
          request.server.metrics.appends.inc();
          request.server.metrics.appendedEvents.inc(2);
          return { ok: true };
        });
      },
    ];
    app = await buildTestApp({ slices });
    other = await buildTestApp({ slices });
  });
  afterAll(async () => {
    await Promise.all([app.close(), other.close()]);
  });

  it("serves Prometheus text with every motcua metric registered", async () => {
    const response = await app.inject({ url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const name of Object.values(metricNames)) expect(response.body).toContain(`# TYPE ${name} `);
    expect(response.body).toContain("# TYPE motcua_projection_lag gauge");
  });

  it("records request latency by route pattern, method and status, not by URL", async () => {
    await app.inject({ url: "/sample/dossiers/d-1" });
    await app.inject({ url: "/sample/dossiers/d-2" });
    await app.inject({ url: "/no/such/route" });
    const text = (await app.inject({ url: "/metrics" })).body;
    expect(text).toMatch(
      /motcua_http_request_duration_seconds_count\{route="\/sample\/dossiers\/:id",method="GET",status="200"\} 2/,
    );
    expect(text).toMatch(
      /motcua_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/,
    );
    expect(text).not.toContain("d-1");
  });

  it("counts commands by type and outcome, and appends", async () => {
    await app.inject({ url: "/sample/dossiers/d-3" });
    const text = (await app.inject({ url: "/metrics" })).body;
    expect(text).toMatch(/motcua_commands_total\{type="resolve",outcome="accepted"\} \d+/);
    expect(text).toMatch(/motcua_appends_total \d+/);
    expect(text).toMatch(/motcua_appended_events_total \d+/);
  });

  it("keeps each app's metrics in its own registry", async () => {
    app.metrics.projectionLag.set({ partition: "3" }, 17);
    const mine = (await app.inject({ url: "/metrics" })).body;
    const theirs = (await other.inject({ url: "/metrics" })).body;
    expect(mine).toContain('motcua_projection_lag{partition="3"} 17');
    expect(theirs).not.toContain('motcua_projection_lag{partition="3"}');
    expect(theirs).not.toContain('route="/sample/dossiers/:id",method="GET",status="200"} 3');
  });
});
