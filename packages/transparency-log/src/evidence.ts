import { createPublicKey } from "node:crypto";
import { computeEventHash } from "@motcua/event-store/hash-chain";
import { leafHash, rootFromInclusionProof } from "./merkle";
import {
  type PublicKeyInfo,
  publicKeyInfo,
  type SignedTreeHead,
  verifyTreeHeadSignature,
} from "./signed-head";

/**
 * The evidence bundle `GET /dossiers/{id}/evidence` answers and `pnpm audit:verify` checks offline.
 * Pure (node:crypto only): no server, no database.
 */
export const EVIDENCE_FORMAT = "motcua-evidence-v1" as const;

export interface EvidenceEvent {
  position: number;
  revision: number;
  hash: string;
  leafIndex: number;
  auditPath: string[];
  streamId: string;
  eventId: string;
  type: string;
  schemaVersion: number;
  prevHash: string | null;
  dataJson?: string;
  metadataJson?: string;
}

export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  dossierId: string;
  generatedAt: string;
  publicKey: PublicKeyInfo;
  signedHead: SignedTreeHead;
  events: EvidenceEvent[];
}

export type EvidenceFailureReason =
  | "malformed"
  | "key_mismatch"
  | "signature"
  | "event_hash"
  | "chain"
  | "inclusion";

export interface EvidenceVerdict {
  readonly valid: boolean;
  /** What was checked, for the report. */
  readonly checked: { events: number; recomputedHashes: number; treeSize: number };
  readonly failure?: { reason: EvidenceFailureReason; detail: string; leafIndex?: number; position?: number };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks a bundle: the head's signature under the bundle's key (and under `trustedPublicKeyPem`, the key
 * the inspector kept, when given); each event's hash recomputed from its stored content where the bundle
 * carries it; the dossier's hash chain; and each event's inclusion proof up to the signed root.
 */
export function verifyEvidenceBundle(bundle: EvidenceBundle, trustedPublicKeyPem?: string): EvidenceVerdict {
  const checked = { events: 0, recomputedHashes: 0, treeSize: 0 };
  const fail = (
    reason: EvidenceFailureReason,
    detail: string,
    event?: { leafIndex: number; position: number },
  ): EvidenceVerdict => ({
    valid: false,
    checked,
    failure: { reason, detail, ...(event ? { leafIndex: event.leafIndex, position: event.position } : {}) },
  });
  if (
    bundle?.format !== EVIDENCE_FORMAT ||
    !Array.isArray(bundle.events) ||
    typeof bundle.signedHead?.checkpoint?.rootHash !== "string" ||
    typeof bundle.publicKey?.publicKeyPem !== "string"
  ) {
    return fail("malformed", `not a ${EVIDENCE_FORMAT} bundle`);
  }
  const head = bundle.signedHead.checkpoint;
  checked.treeSize = head.treeSize;
  let bundleKey: PublicKeyInfo;
  try {
    bundleKey = publicKeyInfo(createPublicKey(bundle.publicKey.publicKeyPem));
  } catch {
    return fail("malformed", "publicKey.publicKeyPem is not a public key");
  }
  if (bundleKey.keyId !== bundle.publicKey.keyId || bundleKey.keyId !== bundle.signedHead.keyId) {
    return fail("key_mismatch", "the head's keyId is not the bundle's public key");
  }
  if (trustedPublicKeyPem !== undefined) {
    const trusted = publicKeyInfo(createPublicKey(trustedPublicKeyPem));
    if (trusted.keyId !== bundleKey.keyId) {
      return fail(
        "key_mismatch",
        `the bundle is signed with key ${bundleKey.keyId}, not the trusted ${trusted.keyId}`,
      );
    }
  }
  if (!verifyTreeHeadSignature(bundle.signedHead, bundle.publicKey.publicKeyPem)) {
    return fail("signature", "the signature does not hold for this head under the public key");
  }
  if (!HEX64.test(head.rootHash))
    return fail("malformed", "signedHead.checkpoint.rootHash is not 32 bytes of hex");
  const root = Buffer.from(head.rootHash, "hex");

  const events = [...bundle.events].sort((a, b) => a.revision - b.revision);
  let previous: EvidenceEvent | null = null;
  for (const event of events) {
    checked.events += 1;
    if (!HEX64.test(event.hash) || !event.auditPath.every((h) => HEX64.test(h))) {
      return fail("malformed", "a hash is not 32 bytes of lowercase hex", event);
    }
    if (event.dataJson !== undefined && event.metadataJson !== undefined) {
      const recomputed = computeEventHash({
        prevHash: event.prevHash,
        streamId: event.streamId,
        revision: event.revision,
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        dataJson: event.dataJson,
        metadataJson: event.metadataJson,
      });
      checked.recomputedHashes += 1;
      if (recomputed !== event.hash) {
        return fail("event_hash", `revision ${event.revision}: its content does not hash to its hash`, event);
      }
    }
    const expectedPrev: string | null = previous === null ? null : previous.hash;
    const expectedRevision = previous === null ? 1 : previous.revision + 1;
    if (event.revision !== expectedRevision || event.prevHash !== expectedPrev) {
      return fail(
        "chain",
        `revision ${event.revision}: not linked to revision ${expectedRevision - 1}`,
        event,
      );
    }
    const computedRoot = rootFromInclusionProof(
      event.leafIndex,
      head.treeSize,
      leafHash(Buffer.from(event.hash, "hex")),
      event.auditPath.map((h) => Buffer.from(h, "hex")),
    );
    if (computedRoot === null || !computedRoot.equals(root)) {
      return fail(
        "inclusion",
        `revision ${event.revision}: its inclusion proof does not reach the signed root`,
        event,
      );
    }
    previous = event;
  }
  return { valid: true, checked };
}
