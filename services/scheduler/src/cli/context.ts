import {
  type Config,
  createLogger,
  createPostgresPool,
  type Logger,
  loadConfigOrExit,
} from "@motcua/platform";
import { Kysely, PostgresDialect } from "kysely";
import { migrateSchedulerTables, type SchedulerDb } from "../database";

/** What the `notifications:*` commands need: the deployment's database (DATABASE_URL), nothing else. */
export interface OutboxContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: SchedulerDb;
  close(): Promise<void>;
}

/** Loads the configuration or prints what is wrong with it and exits; makes sure the outbox exists. */
export async function openOutboxContext(name: string): Promise<OutboxContext> {
  const config: Config = loadConfigOrExit(process.env);
  if (!config.databaseUrl) {
    process.stderr.write(
      "DATABASE_URL is required: the deployment's database, where the scheduler keeps its outbox\n",
    );
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, name });
  const pool = createPostgresPool(config.databaseUrl, { max: 2, applicationName: name, logger });
  const db: SchedulerDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  // A deployment whose scheduler never ran has no outbox yet: create it (idempotent) and find it empty.
  await migrateSchedulerTables(db);
  return {
    config,
    logger,
    db,
    async close() {
      await db.destroy().catch(() => {});
      logger.flush();
    },
  };
}
