import { randomUUID } from "node:crypto";
import type pg from "pg";
import { EventIntegrityError } from "../errors";
import { assertSchemaName } from "../postgres/identifiers";
import { toStoreError } from "../postgres/pg-errors";
import { newDataKey, parseMasterKey, unwrapDataKey, wrapDataKey } from "./field-encryption";

export interface SubjectKey {
  keyId: string;
  dataKey: Buffer;
}

/**
 * Per-subject data keys (AES-256), wrapped by the master key and kept in Postgres, one row per subject.
 * Destroying the row is the erasure: without it the subject's ciphertexts cannot be opened by anyone.
 */
export interface KeyVault {
  /** The subject's key, created on first use. */
  keyForSubject(subjectId: string): Promise<SubjectKey>;
  /** Unwraps a stored wrapped key (cached by key id). */
  unwrap(keyId: string, wrapped: Uint8Array): Buffer;
  /** The data keys that still exist among `keyIds`; forgotten ones are absent. Always asks the database. */
  existingKeys(keyIds: readonly string[]): Promise<Map<string, Buffer>>;
  /** Drops any cached key of the subject (after the database said it is gone). */
  evictSubject(subjectId: string): void;
  forget(subjectId: string): Promise<void>;
  /** The subject's key id if the subject has a key now; never creates one. Always asks the database. */
  keyIdOf(subjectId: string): Promise<string | null>;
}

/** A data key made in memory, not stored yet: the append that first uses it stores it (`PostgresKeyVault`). */
export interface NewSubjectKey extends SubjectKey {
  readonly wrapped: Buffer;
}

/** The vault as the Postgres store uses it: keys can also be made here and stored with an append. */
export interface PostgresKeyVault extends KeyVault {
  /** The subject's key if this process knows it (and the knowledge is fresh); never asks the database. */
  cachedKey(subjectId: string): SubjectKey | undefined;
  /** A fresh data key, wrapped, for a subject that has none as far as this process knows. Stores nothing. */
  newKey(): NewSubjectKey;
  /** After an append stored `key` as the subject's: keep it as `keyForSubject` would. */
  remember(subjectId: string, key: NewSubjectKey): void;
}

export interface PostgresKeyVaultOptions {
  pool: pg.Pool;
  schema: string;
  /** 32 bytes, or their base64. */
  masterKey: string | Uint8Array;
  /** How long a subject → key lookup is trusted without asking the database again. */
  subjectCacheTtlMs?: number;
  maxCachedKeys?: number;
}

export const keyVaultTableSql = (schema: string): string => {
  assertSchemaName(schema);
  return `
CREATE TABLE IF NOT EXISTS ${schema}.subject_keys (
  key_id uuid PRIMARY KEY,
  subject_id text NOT NULL UNIQUE,
  wrapped_key bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`;
};

/** Creates the key table on its own (for the EventStoreDB adapter; the Postgres store's migration includes it). */
export async function migratePostgresKeyVault(pool: pg.Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; ${keyVaultTableSql(schema)}`);
  } catch (error) {
    throw toStoreError(error, "vault.migrate");
  }
}

/** Insertion-ordered map that forgets its oldest entries past a size. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.has(key)) this.delete(key);
    super.set(key, value);
    while (this.size > this.limit) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return this;
  }
}

export function createPostgresKeyVault(options: PostgresKeyVaultOptions): PostgresKeyVault {
  const { pool, schema } = options;
  assertSchemaName(schema);
  const masterKey = parseMasterKey(options.masterKey);
  const ttlMs = options.subjectCacheTtlMs ?? 60_000;
  const limit = options.maxCachedKeys ?? 10_000;
  const bySubject = new BoundedMap<string, SubjectKey & { expiresAt: number }>(limit);
  const byKeyId = new BoundedMap<string, { wrapped: string; dataKey: Buffer }>(limit);

  const unwrap = (keyId: string, wrapped: Uint8Array): Buffer => {
    const wrappedHex = Buffer.from(wrapped).toString("hex");
    const cached = byKeyId.get(keyId);
    if (cached && cached.wrapped === wrappedHex) return cached.dataKey;
    const dataKey = unwrapDataKey(masterKey, keyId, wrapped);
    byKeyId.set(keyId, { wrapped: wrappedHex, dataKey });
    return dataKey;
  };

  const query = async <R extends pg.QueryResultRow>(operation: string, text: string, values: unknown[]) => {
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      throw toStoreError(error, operation);
    }
  };

  return {
    unwrap,

    cachedKey(subjectId) {
      const cached = bySubject.get(subjectId);
      return cached && cached.expiresAt > Date.now()
        ? { keyId: cached.keyId, dataKey: cached.dataKey }
        : undefined;
    },

    newKey() {
      const keyId = randomUUID();
      const dataKey = newDataKey();
      return { keyId, dataKey, wrapped: wrapDataKey(masterKey, keyId, dataKey) };
    },

    remember(subjectId, { keyId, dataKey, wrapped }) {
      bySubject.set(subjectId, { keyId, dataKey, expiresAt: Date.now() + ttlMs });
      byKeyId.set(keyId, { wrapped: wrapped.toString("hex"), dataKey });
    },

    async keyForSubject(subjectId) {
      const cached = bySubject.get(subjectId);
      if (cached && cached.expiresAt > Date.now()) return { keyId: cached.keyId, dataKey: cached.dataKey };
      const keyId = randomUUID();
      const dataKey = newDataKey();
      const wrapped = wrapDataKey(masterKey, keyId, dataKey);
      let row: { key_id: string; wrapped_key: Buffer } | undefined;
      // Insert a fresh key unless the subject already has one, and read back whichever exists. When another
      // session inserts concurrently, this statement's snapshot misses its row: ask again.
      for (let attempt = 0; row === undefined && attempt < 5; attempt += 1) {
        const { rows } = await query<{ key_id: string; wrapped_key: Buffer }>(
          "vault.key_for_subject",
          `WITH inserted AS (
             INSERT INTO ${schema}.subject_keys (key_id, subject_id, wrapped_key) VALUES ($1, $2, $3)
             ON CONFLICT (subject_id) DO NOTHING
             RETURNING key_id, wrapped_key)
           SELECT key_id, wrapped_key FROM inserted
           UNION ALL
           SELECT key_id, wrapped_key FROM ${schema}.subject_keys WHERE subject_id = $2
           LIMIT 1`,
          [keyId, subjectId, wrapped],
        );
        row = rows[0];
      }
      if (row === undefined) throw new EventIntegrityError("The vault could not create or find a data key");
      const key = { keyId: row.key_id, dataKey: unwrap(row.key_id, row.wrapped_key) };
      bySubject.set(subjectId, { ...key, expiresAt: Date.now() + ttlMs });
      return key;
    },

    async existingKeys(keyIds) {
      const found = new Map<string, Buffer>();
      if (keyIds.length === 0) return found;
      const { rows } = await query<{ key_id: string; wrapped_key: Buffer }>(
        "vault.existing_keys",
        `SELECT key_id, wrapped_key FROM ${schema}.subject_keys WHERE key_id = ANY($1::uuid[])`,
        [[...new Set(keyIds)]],
      );
      for (const row of rows) found.set(row.key_id, unwrap(row.key_id, row.wrapped_key));
      return found;
    },

    evictSubject(subjectId) {
      const cached = bySubject.get(subjectId);
      bySubject.delete(subjectId);
      if (cached) byKeyId.delete(cached.keyId);
    },

    async keyIdOf(subjectId) {
      const { rows } = await query<{ key_id: string }>(
        "vault.key_id_of",
        `SELECT key_id FROM ${schema}.subject_keys WHERE subject_id = $1`,
        [subjectId],
      );
      return rows[0]?.key_id ?? null;
    },

    async forget(subjectId) {
      const { rows } = await query<{ key_id: string }>(
        "vault.forget",
        `DELETE FROM ${schema}.subject_keys WHERE subject_id = $1 RETURNING key_id`,
        [subjectId],
      );
      bySubject.delete(subjectId);
      for (const row of rows) byKeyId.delete(row.key_id);
    },
  };
}
