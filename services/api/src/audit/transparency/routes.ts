import type { KeyObject } from "node:crypto";
import type { EventStore } from "@motcua/event-store";
import {
  type AnyDb,
  consistencyProof,
  EVIDENCE_FORMAT,
  inclusionProof,
  latestSignedHead,
  leafIndexesOf,
  listSignedHeads,
  publicKeyInfo,
  rootHashAt,
  type SignedTreeHead,
  signedHeadOfSize,
} from "@motcua/transparency-log";
import { sql } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../../app";
import { requireRole } from "../../plugins/auth";
import { AppError, problemResponse } from "../../problem";

const hex = z.string().regex(/^[0-9a-f]*$/);
const signedHeadSchema = z.object({
  checkpoint: z.object({
    at: z.string(),
    position: z.number().int(),
    rootHash: hex,
    treeSize: z.number().int(),
  }),
  algorithm: z.literal("ed25519"),
  keyId: z.string(),
  signature: z.string(),
});
const publicKeySchema = z.object({
  keyId: z.string(),
  algorithm: z.literal("ed25519"),
  publicKeyPem: z.string(),
});
const proofEventSchema = z.object({
  position: z.number().int(),
  revision: z.number().int(),
  hash: hex,
  leafIndex: z.number().int(),
  auditPath: z.array(hex),
});
const storedEventSchema = proofEventSchema.extend({
  streamId: z.string(),
  eventId: z.string(),
  type: z.string(),
  schemaVersion: z.number().int(),
  prevHash: hex.nullable(),
  /** The data and metadata exactly as stored (personal fields as ciphertext), to recompute `hash`. */
  dataJson: z.string().optional(),
  metadataJson: z.string().optional(),
});

const positiveSize = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const params = z.object({ id: z.uuid() });

const badParameter = (parameter: string, message: string) =>
  new AppError(400, "request.invalid", `${parameter}: ${message}`, {
    title: "Invalid request",
    errors: [{ path: `query.${parameter}`, message }],
  });

const noHeadYet = () =>
  new AppError(404, "audit.no_signed_head", "No tree head has been signed yet (the scheduler signs them)");

export interface TransparencyRouteDeps {
  readonly db: AnyDb;
  readonly store: EventStore;
  readonly signingKey: KeyObject;
  /** The event store's Postgres schema when the events live in this database (the bundle then carries them as stored). */
  readonly eventStoreSchema?: string;
  readonly now: () => Date;
}

/**
 * The transparency log's reads (API.md "Audit: the transparency log"): heads and consistency proofs are
 * public (no personal data in them); inclusion proofs and evidence name a dossier, so auditors only.
 */
export function transparencyRoutes(deps: TransparencyRouteDeps): RouteSlice {
  const db = deps.db as AnyDb;
  const key = publicKeyInfo(deps.signingKey);

  /** The signed head a proof is against: the latest, or the one of `treeSize` (any size up to the latest). */
  const headFor = async (treeSize: number | undefined) => {
    const latest = await latestSignedHead(db);
    if (latest === null) throw noHeadYet();
    if (treeSize === undefined) return { treeSize: latest.checkpoint.treeSize, head: latest };
    if (treeSize > latest.checkpoint.treeSize) {
      throw badParameter(
        "treeSize",
        `must not exceed the latest signed head's size (${latest.checkpoint.treeSize})`,
      );
    }
    return { treeSize, head: await signedHeadOfSize(db, treeSize) };
  };

  const proofsFor = async (dossierId: string, treeSize: number) => {
    const events = [];
    for await (const event of deps.store.readStream(`dossier-${dossierId}`)) events.push(event);
    if (events.length === 0) throw new AppError(404, "dossier.not_found", "There is no such dossier");
    const leaves = await leafIndexesOf(
      db,
      events.map((e) => e.position),
    );
    const inTree = events.filter((e) => (leaves.get(e.position) ?? Number.POSITIVE_INFINITY) < treeSize);
    const out = [];
    for (const event of inTree) {
      const leafIndex = leaves.get(event.position) as number;
      const path = await inclusionProof(db, leafIndex, treeSize);
      out.push({ event, leafIndex, auditPath: path.map((h) => h.toString("hex")) });
    }
    return out;
  };

  const storedJson = async (dossierId: string) => {
    // As stored, not as read: readers see data decrypted and upcast, the hash covers the stored text.
    const found = new Map<number, { dataJson: string; metadataJson: string; schemaVersion: number }>();
    if (deps.eventStoreSchema === undefined) return found;
    const { rows } = await sql<{ position: string; data: string; metadata: string; schema_version: number }>`
      select position, data::text as data, metadata::text as metadata, schema_version
      from ${sql.table(`${deps.eventStoreSchema}.events`)} where stream_id = ${`dossier-${dossierId}`}`.execute(
      db,
    );
    for (const row of rows)
      found.set(Number(row.position), {
        dataJson: row.data,
        metadataJson: row.metadata,
        schemaVersion: row.schema_version,
      });
    return found;
  };

  return async (app) => {
    app.get(
      "/audit/public-key",
      {
        schema: {
          tags: ["audit"],
          summary: "The Ed25519 public key tree heads are signed with (public)",
          response: { 200: publicKeySchema },
        },
      },
      async () => key,
    );

    app.get(
      "/audit/checkpoints/latest",
      {
        schema: {
          tags: ["audit"],
          summary: "The latest signed tree head of the transparency log (public)",
          response: { 200: signedHeadSchema, 404: problemResponse("No head signed yet") },
        },
      },
      async () => {
        const latest = await latestSignedHead(db);
        if (latest === null) throw noHeadYet();
        return latest;
      },
    );

    app.get(
      "/audit/checkpoints",
      {
        schema: {
          tags: ["audit"],
          summary: "Signed tree heads, newest first (public); page with `before` = the last item's `at`",
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(500).default(50),
            before: z.iso.datetime({ offset: true }).optional(),
          }),
          response: {
            200: z.object({ items: z.array(signedHeadSchema) }),
            400: problemResponse("Bad query"),
          },
        },
      },
      async (request) => ({
        items: await listSignedHeads(db, {
          limit: request.query.limit,
          ...(request.query.before === undefined ? {} : { before: new Date(request.query.before) }),
        }),
      }),
    );

    app.get(
      "/audit/consistency",
      {
        schema: {
          tags: ["audit"],
          summary: "RFC 9162 consistency proof between two signed heads' tree sizes (public)",
          querystring: z.object({ from: positiveSize, to: positiveSize }),
          response: {
            200: z.object({ from: z.number().int(), to: z.number().int(), proof: z.array(hex) }),
            400: problemResponse("Bad sizes"),
          },
        },
      },
      async (request) => {
        const { from, to } = request.query;
        if (from > to) throw badParameter("from", "must not be greater than to");
        for (const [name, size] of [
          ["from", from],
          ["to", to],
        ] as const) {
          if ((await signedHeadOfSize(db, size)) === null) {
            throw badParameter(name, `no tree head of size ${size} was ever signed`);
          }
        }
        const proof = await consistencyProof(db, from, to);
        return { from, to, proof: proof.map((h) => h.toString("hex")) };
      },
    );

    app.get(
      "/dossiers/:id/proof",
      {
        onRequest: requireRole("auditor"),
        schema: {
          tags: ["audit"],
          summary:
            "Inclusion proofs of a dossier's events in the transparency log (RFC 9162), against a signed head",
          params,
          querystring: z.object({ treeSize: positiveSize.optional() }),
          response: {
            200: z.object({ treeSize: z.number().int(), rootHash: hex, events: z.array(proofEventSchema) }),
            400: problemResponse("Bad treeSize"),
            401: problemResponse("No or bad token"),
            403: problemResponse("Auditors only"),
            404: problemResponse("No such dossier, or no head signed yet"),
          },
        },
      },
      async (request) => {
        const { treeSize, head } = await headFor(request.query.treeSize);
        const proofs = await proofsFor(request.params.id, treeSize);
        const rootHash = head?.checkpoint.rootHash ?? (await rootHashAt(db, treeSize)).toString("hex");
        return {
          treeSize,
          rootHash,
          events: proofs.map(({ event, leafIndex, auditPath }) => ({
            position: event.position,
            revision: event.revision,
            hash: event.hash,
            leafIndex,
            auditPath,
          })),
        };
      },
    );

    app.get(
      "/dossiers/:id/evidence",
      {
        onRequest: requireRole("auditor"),
        schema: {
          tags: ["audit"],
          summary:
            "Evidence bundle for one dossier: its events, their inclusion proofs, the latest signed head and the public key; `pnpm audit:verify` checks it offline",
          params,
          response: {
            200: z.object({
              format: z.literal(EVIDENCE_FORMAT),
              dossierId: z.string(),
              generatedAt: z.string(),
              publicKey: publicKeySchema,
              signedHead: signedHeadSchema,
              events: z.array(storedEventSchema),
            }),
            401: problemResponse("No or bad token"),
            403: problemResponse("Auditors only"),
            404: problemResponse("No such dossier, or no head signed yet"),
          },
        },
      },
      async (request) => {
        const latest = await latestSignedHead(db);
        if (latest === null) throw noHeadYet();
        const head: SignedTreeHead = latest;
        const proofs = await proofsFor(request.params.id, head.checkpoint.treeSize);
        const stored = await storedJson(request.params.id);
        return {
          format: EVIDENCE_FORMAT,
          dossierId: request.params.id,
          generatedAt: deps.now().toISOString(),
          publicKey: key,
          signedHead: head,
          events: proofs.map(({ event, leafIndex, auditPath }) => ({
            position: event.position,
            revision: event.revision,
            hash: event.hash,
            leafIndex,
            auditPath,
            streamId: event.streamId,
            eventId: event.eventId,
            type: event.type,
            schemaVersion: event.schemaVersion,
            prevHash: event.prevHash,
            ...(stored.get(event.position) ?? {}),
          })),
        };
      },
    );
  };
}
