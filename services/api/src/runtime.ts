import { DossierService } from "@motcua/commands";
import { type ConfiguredEventStore, createEventStore } from "@motcua/event-store";
import { migrateNotificationOutbox } from "@motcua/notifications";
import {
  type Clock,
  type Config,
  createPostgresPool,
  type HealthCheck,
  type Logger,
  postgresHealthCheck,
  systemClock,
} from "@motcua/platform";
import { ensureActiveReadModelVersion } from "@motcua/read-models";
import { migrateReferenceData, type ReferenceDatabase } from "@motcua/reference-data";
import { migrateTransparencyLog, signingKeyFrom } from "@motcua/transparency-log";
import type { Redis } from "ioredis";
import { Kysely, PostgresDialect } from "kysely";
import type pg from "pg";
import { notificationRoutes } from "./admin/notifications";
import { adminRoutes } from "./admin/routes";
import { type App, buildApp, type RouteSlice } from "./app";
import { applicantRoutes, migrateApplicantRequests } from "./applicants/routes";
import { auditRoutes } from "./audit/routes";
import { transparencyRoutes } from "./audit/transparency/routes";
import { dashboardRoutes } from "./dashboard/routes";
import { dossierCommandRoutes } from "./dossiers/commands/routes";
import { type ApiDatabase, IdempotencyKeys, migrateApiTables } from "./dossiers/idempotency";
import { dossierReadRoutes } from "./dossiers/reads/routes";
import { feedbackReportRoute } from "./feedback/report";
import { feedbackRoutes } from "./feedback/routes";
import { ratingRoutes } from "./ratings/routes";
import { projectionLag, ReadModelAccess } from "./read-model-access";
import { reportRoutes } from "./reports/routes";
import { devSignInRoutes } from "./workbench/dev-sign-in";
import { oidcSignInRoutes } from "./workbench/oidc-sign-in";
import { publicDetailsRoute } from "./workbench/public-details";
import { workbenchRoutes } from "./workbench/routes";

export type ApiDb = Kysely<ReferenceDatabase & ApiDatabase>;

export interface ApiRuntime {
  readonly app: App;
  readonly store: ConfiguredEventStore;
  readonly db: ApiDb;
  readonly pool: pg.Pool;
  readonly service: DossierService;
  close(): Promise<void>;
}

export interface ApiRuntimeOptions {
  readonly config: Config;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Postgres for the event store, reference data and API tables (defaults to config.databaseUrl). */
  readonly databaseUrl?: string;
  /** Shared rate-limit counters and the Redis health check; none in unit-style tests. */
  readonly redis?: Redis;
  readonly extraHealthChecks?: readonly HealthCheck[];
  /** More route slices (read models, reports) registered after the command and audit slices. */
  readonly extraSlices?: (runtime: {
    db: ApiDb;
    store: ConfiguredEventStore;
    service: DossierService;
  }) => RouteSlice[];
  readonly poolSize?: number;
  /** Read replicas for worklists and reports (defaults to config.databaseReadUrls). */
  readonly databaseReadUrls?: readonly string[];
}

/**
 * The API's composition root: connections, migrations, the dossier service and every route slice.
 * `scripts/api.ts`, `scripts/start.ts` and the HTTP tests all build the API through here.
 */
export async function createApiRuntime(options: ApiRuntimeOptions): Promise<ApiRuntime> {
  const { config } = options;
  const databaseUrl = options.databaseUrl ?? config.databaseUrl;
  if (!databaseUrl) throw new Error("DATABASE_URL is required to run the API");
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();

  const pool = createPostgresPool(databaseUrl, { max: options.poolSize ?? 20 });
  const db: ApiDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const store = createEventStore(
    {
      kind: config.eventStore.kind,
      databaseUrl,
      masterKey: config.vaultMasterKey.toString("base64"),
      ...(config.eventStore.kind === "eventstoredb" ? { eventStoreUrl: config.eventStore.url } : {}),
    },
    { poolSize: options.poolSize ?? 20 },
  );
  await store.migrate();
  await migrateReferenceData(db);
  await migrateApiTables(db);
  // The admin routes read the notifications outbox in this database, whether or not a scheduler ran yet.
  await migrateNotificationOutbox(db);
  // The audit routes read the transparency log the scheduler keeps, whether or not it has run yet.
  await migrateTransparencyLog(db);
  await migrateApplicantRequests(db);
  await ensureActiveReadModelVersion(db, config.projectionPartitions);
  // Worklists and reports read from the replicas (DATABASE_READ_URL); everything else from the primary.
  const replicas = (options.databaseReadUrls ?? config.databaseReadUrls).map(
    (url) =>
      new Kysely<never>({
        dialect: new PostgresDialect({
          pool: createPostgresPool(url, {
            max: options.poolSize ?? 20,
            applicationName: "motcua-api-read",
            ...(options.logger ? { logger: options.logger } : {}),
          }),
        }),
      }),
  );
  const access = new ReadModelAccess(db as never, { replicas: replicas as never[] });

  const service = new DossierService({
    store,
    db,
    subjectSecret: config.vaultMasterKey,
    now,
    foldedDossiers: config.commandCacheDossiers,
    referenceEntries: config.commandCacheReference,
  });
  const idempotency = new IdempotencyKeys(db);
  const slices: RouteSlice[] = [
    dossierCommandRoutes({ deps: service.deps, idempotency }),
    auditRoutes({ service, store, now }),
    transparencyRoutes({
      db,
      store,
      now,
      signingKey: signingKeyFrom(config.checkpointSigningKey),
      ...(config.eventStore.kind === "postgres" ? { eventStoreSchema: "event_store" } : {}),
    }),
    ...dossierReadRoutes({ access, db, service, store, now, ratingCodeSecret: config.ratingCodeSecret }),
    ...reportRoutes({ access, db, now, score766Bands: config.score766Bands }),
    adminRoutes({ db, now, onScheduleChange: () => service.forgetCachedSchedules() }),
    notificationRoutes({ db: db as never }),
    applicantRoutes({
      store,
      subjectSecret: config.vaultMasterKey,
      folded: service.deps.folded,
      db: db as never,
      now,
    }),
    dashboardRoutes(),
    workbenchRoutes(),
    publicDetailsRoute({ access, db }),
    devSignInRoutes({ db, production: config.production, jwtSecret: config.auth.jwtSecret, now }),
    oidcSignInRoutes({
      oidc: config.auth.oidc,
      developmentSignIn: !config.production && config.auth.jwtSecret !== undefined,
    }),
    feedbackRoutes({ deps: service.deps, access, settings: config.feedback }),
    feedbackReportRoute({ access, db, now }),
    ratingRoutes({
      deps: service.deps,
      access,
      ratingCodeSecret: config.ratingCodeSecret,
      settings: config.ratings,
    }),
    ...(options.extraSlices?.({ db, store, service }) ?? []),
  ];
  const app = await buildApp({
    config,
    ...(options.logger ? { logger: options.logger } : {}),
    clock,
    healthChecks: [
      { name: "eventStore", check: () => store.ping() },
      postgresHealthCheck(pool),
      ...(options.extraHealthChecks ?? []),
    ],
    ...(options.redis ? { rateLimitRedis: options.redis } : {}),
    projectionLag: () => projectionLag(access, () => store.headPosition()),
    slices,
  });
  return {
    app,
    store,
    db,
    pool,
    service,
    async close() {
      await app.close();
      await store.close();
      await db.destroy();
      for (const replica of replicas) await replica.destroy();
    },
  };
}
