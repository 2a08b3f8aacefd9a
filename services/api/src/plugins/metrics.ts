import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { z } from "zod";

declare module "fastify" {
  interface FastifyInstance {
    metrics: AppMetrics;
  }
}

export const metricNames = {
  httpRequestDuration: "motcua_http_request_duration_seconds",
  commands: "motcua_commands_total",
  appends: "motcua_appends_total",
  appendedEvents: "motcua_appended_events_total",
  projectionLag: "motcua_projection_lag",
} as const;

export type CommandOutcome = "accepted" | "refused" | "conflict" | "invalid" | "forbidden" | "error";

export interface AppMetrics {
  /** This instance's own registry: two apps in one process (tests) never share or collide. */
  readonly registry: Registry;
  readonly httpRequestDuration: Histogram<"route" | "method" | "status">;
  /** Dossier commands by type (`receive`, `transfer`, …) and outcome. */
  readonly commands: Counter<"type" | "outcome">;
  /** Successful appends to the event store (one per command or import). */
  readonly appends: Counter;
  /** Events written by those appends. */
  readonly appendedEvents: Counter;
  /** Events in the global log not yet applied to the read models, per projection partition. */
  readonly projectionLag: Gauge<"partition">;
}

/** One projection partition's distance behind the log's head, in events. */
export interface PartitionLag {
  readonly partition: number;
  readonly lag: number;
}

export interface MetricsOptions {
  /** Node process metrics (CPU, memory, event loop lag) too; on by default. */
  readonly defaultMetrics?: boolean;
  /** Reads the projection lag per partition; refreshed every 5 s while the API runs, when given. */
  readonly projectionLag?: () => Promise<readonly PartitionLag[]>;
}

/** How often `motcua_projection_lag` is refreshed: cheap reads, recent enough for an alert. */
const PROJECTION_LAG_REFRESH_MS = 5_000;

export function createAppMetrics(options: MetricsOptions = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: "motcua_" });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: metricNames.httpRequestDuration,
      help: "HTTP request latency by route pattern, method and status code",
      labelNames: ["route", "method", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    commands: new Counter({
      name: metricNames.commands,
      help: "Dossier commands handled, by command type and outcome",
      labelNames: ["type", "outcome"] as const,
      registers: [registry],
    }),
    appends: new Counter({
      name: metricNames.appends,
      help: "Appends to the event store",
      registers: [registry],
    }),
    appendedEvents: new Counter({
      name: metricNames.appendedEvents,
      help: "Events appended to the event store",
      registers: [registry],
    }),
    projectionLag: new Gauge({
      name: metricNames.projectionLag,
      help: "Global log position minus the partition's checkpoint, per projection partition",
      labelNames: ["partition"] as const,
      registers: [registry],
    }),
  };
}

export const metricsPlugin = fp<MetricsOptions>(
  async (app, options) => {
    const metrics = createAppMetrics(options);
    app.decorate("metrics", metrics);

    // A callback hook rather than an async one: no promise per request.
    app.addHook("onResponse", (request, reply, done) => {
      // The route pattern, not the URL: `/dossiers/:id` is one series, whatever the id.
      const route = request.routeOptions.url ?? "unmatched";
      metrics.httpRequestDuration.observe(
        { route, method: request.method, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });

    const readLag = options.projectionLag;
    if (readLag) {
      const refreshLag = async () => {
        try {
          for (const { partition, lag } of await readLag())
            metrics.projectionLag.set({ partition: String(partition) }, lag);
        } catch {
          // The next refresh tries again; /health reports a store or database that is down.
        }
      };
      const timer = setInterval(() => void refreshLag(), PROJECTION_LAG_REFRESH_MS);
      timer.unref();
      app.addHook("onReady", refreshLag);
      app.addHook("onClose", async () => clearInterval(timer));
    }

    app.get(
      "/metrics",
      {
        config: { rateLimit: false },
        schema: {
          tags: ["operations"],
          summary: "Prometheus metrics",
          description:
            "Prometheus text exposition: request latency, commands by type and outcome, appends, projection lag.",
          response: {
            200: {
              description: "Prometheus text exposition",
              content: { "text/plain": { schema: z.string() } },
            },
          },
        },
      },
      async (_request, reply) => {
        const text = await metrics.registry.metrics();
        return reply.type(metrics.registry.contentType).send(text);
      },
    );
  },
  { name: "motcua-metrics", fastify: "5.x" },
);
