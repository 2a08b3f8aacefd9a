import { type Kysely, sql } from "kysely";
import { AppError } from "../problem";

/**
 * `Idempotency-Key`: the first answer to a keyed command is kept; a retry with the same key and body
 * gets it again without deciding anything, the same key with another body is 422. Keys are scoped to the
 * caller, so two officers cannot collide. A claim left by a crashed request expires after a minute.
 */
export interface IdempotencyTable {
  scope: string;
  key: string;
  /** The request's keyed fingerprint (`s1:` under the applicant's key, `k1:` under the server's). */
  request_hash: string;
  state: "in_progress" | "done";
  status: number | null;
  body: unknown;
  claimed_at: Date;
}

export interface ApiDatabase {
  "api.idempotency_keys": IdempotencyTable;
}

// biome-ignore lint/suspicious/noExplicitAny: migrations must not import application types
export async function migrateApiTables(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS api`.execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('motcua.api.migrate'))`.execute(trx);
    await trx.schema
      .withSchema("api")
      .createTable("idempotency_keys")
      .ifNotExists()
      .addColumn("scope", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("request_hash", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("status", "integer")
      .addColumn("body", "jsonb")
      .addColumn("claimed_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["scope", "key"])
      .execute();
    // Rows from before keyed fingerprints hold a bare SHA-256 of the body, which a guess of an ID number
    // can be tested against. Dropping them is safe: a retry of such a key meets the event store's
    // command-id dedup and gets the first answer, or is decided afresh if it appended nothing.
    await trx.deleteFrom("api.idempotency_keys").where("request_hash", "not like", "%:%").execute();
  });
}

export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
}

const STALE_CLAIM = "60 seconds";

export class IdempotencyKeys {
  constructor(private readonly db: Kysely<ApiDatabase>) {}

  /**
   * Claims the key for this request, or returns the first answer when it has one. Throws 422 for a key
   * reused with another body and 409 when the first request is still running.
   */
  async claim(scope: string, key: string, hash: string): Promise<StoredAnswer | null> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const claimed = await this.db
        .insertInto("api.idempotency_keys")
        .values({
          scope,
          key,
          request_hash: hash,
          state: "in_progress",
          status: null,
          body: null,
          claimed_at: new Date(),
        })
        .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
        .returning("key")
        .executeTakeFirst();
      if (claimed) return null;
      const row = await this.db
        .selectFrom("api.idempotency_keys")
        .selectAll()
        .where("scope", "=", scope)
        .where("key", "=", key)
        .executeTakeFirst();
      if (!row) continue;
      if (row.request_hash !== hash) {
        throw new AppError(
          422,
          "idempotency.key_reused",
          "This Idempotency-Key was already used with a different request",
        );
      }
      if (row.state === "done" && row.status !== null) return { status: row.status, body: row.body };
      const takenOver = await this.db
        .updateTable("api.idempotency_keys")
        .set({ claimed_at: new Date() })
        .where("scope", "=", scope)
        .where("key", "=", key)
        .where("state", "=", "in_progress")
        .where("claimed_at", "<", sql<Date>`now() - ${STALE_CLAIM}::interval`)
        .returning("key")
        .executeTakeFirst();
      if (takenOver) return null;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new AppError(
      409,
      "idempotency.in_progress",
      "A request with this Idempotency-Key is still being processed",
      {
        headers: { "retry-after": "1" },
      },
    );
  }

  async complete(scope: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.db
      .updateTable("api.idempotency_keys")
      .set({ state: "done", status: answer.status, body: JSON.stringify(answer.body) })
      .where("scope", "=", scope)
      .where("key", "=", key)
      .execute();
  }

  /** Forgets a claim whose request failed for a reason a retry may not meet (a dependency down). */
  async release(scope: string, key: string): Promise<void> {
    await this.db
      .deleteFrom("api.idempotency_keys")
      .where("scope", "=", scope)
      .where("key", "=", key)
      .execute();
  }
}
