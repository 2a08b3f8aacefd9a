import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { canonicalJson } from "./canonical-json";
import type { EventStore } from "./types";

/**
 * The state of the whole log at a position: `headHash` chains every event hash in position order, so an
 * auditor holding a signed checkpoint can later prove that no event up to `position` was altered, removed
 * or re-ordered — even by someone able to recompute a stream's own hash chain.
 */
export interface LogCheckpoint {
  position: number;
  headHash: string;
  /** How many events the checkpoint covers. */
  events: number;
  /** When it was taken (ISO 8601). */
  at: string;
}

export interface SignedCheckpoint {
  checkpoint: LogCheckpoint;
  algorithm: "ed25519";
  /** Base64 Ed25519 signature over the canonical JSON of `checkpoint`. */
  signature: string;
}

const LOG_HASH_START = "motcua-log-v1";

const nextLogHash = (previous: string, position: number, eventHash: string): string =>
  createHash("sha256").update(`${previous}\n${position}\n${eventHash}`, "utf8").digest("hex");

/**
 * Computes the log checkpoint up to the store's safe head (or `upTo`), continuing from an earlier
 * checkpoint when given, so a daily checkpoint only reads that day's events.
 */
export async function computeLogCheckpoint(
  store: Pick<EventStore, "readAll" | "headPosition">,
  options: { at: Date | string; upTo?: number; previous?: LogCheckpoint },
): Promise<LogCheckpoint> {
  const upTo = options.upTo ?? (await store.headPosition());
  let headHash = options.previous?.headHash ?? LOG_HASH_START;
  let events = options.previous?.events ?? 0;
  let position = options.previous?.position ?? 0;
  for await (const event of store.readAll({ fromPosition: position })) {
    if (event.position > upTo) break;
    headHash = nextLogHash(headHash, event.position, event.hash);
    events += 1;
    position = event.position;
  }
  const at = typeof options.at === "string" ? options.at : options.at.toISOString();
  return { position: Math.max(position, upTo), headHash, events, at };
}

const signedBytes = (checkpoint: LogCheckpoint) =>
  Buffer.from(
    canonicalJson({
      at: checkpoint.at,
      events: checkpoint.events,
      headHash: checkpoint.headHash,
      position: checkpoint.position,
    }),
    "utf8",
  );

/** Signs with an Ed25519 private key (PEM or KeyObject) from configuration. */
export function signCheckpoint(checkpoint: LogCheckpoint, privateKey: string | KeyObject): SignedCheckpoint {
  const key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
  return {
    checkpoint,
    algorithm: "ed25519",
    signature: sign(null, signedBytes(checkpoint), key).toString("base64"),
  };
}

/** True when the signature is valid for this checkpoint under the public key (PEM or KeyObject). */
export function verifyCheckpointSignature(signed: SignedCheckpoint, publicKey: string | KeyObject): boolean {
  if (signed.algorithm !== "ed25519") return false;
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  try {
    return verify(null, signedBytes(signed.checkpoint), key, Buffer.from(signed.signature, "base64"));
  } catch {
    return false;
  }
}

/**
 * Recomputes the log up to a signed checkpoint's position and compares: valid only if the signature holds
 * and the log still hashes to the signed head.
 */
export async function verifyLogAgainstCheckpoint(
  store: Pick<EventStore, "readAll" | "headPosition">,
  signed: SignedCheckpoint,
  publicKey: string | KeyObject,
): Promise<{ valid: boolean; reason?: "signature" | "log_differs" }> {
  if (!verifyCheckpointSignature(signed, publicKey)) return { valid: false, reason: "signature" };
  const recomputed = await computeLogCheckpoint(store, {
    at: signed.checkpoint.at,
    upTo: signed.checkpoint.position,
  });
  const same =
    recomputed.headHash === signed.checkpoint.headHash && recomputed.events === signed.checkpoint.events;
  return same ? { valid: true } : { valid: false, reason: "log_differs" };
}

/** A fresh Ed25519 key pair as PEM, for setting up checkpoint signing. */
export function generateCheckpointKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}
