import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";

/**
 * Signed tree heads (API.md "Audit: the transparency log"). node:crypto only, so `audit:verify` checks
 * them offline with nothing else loaded.
 */
export interface TreeHead {
  /** When it was signed (ISO 8601). */
  readonly at: string;
  /** The log position of the last leaf (0 for the empty tree). */
  readonly position: number;
  /** MTH of the first `treeSize` leaves, lowercase hex. */
  readonly rootHash: string;
  readonly treeSize: number;
}

export interface SignedTreeHead {
  readonly checkpoint: TreeHead;
  readonly algorithm: "ed25519";
  readonly keyId: string;
  /** Base64 Ed25519 signature over `treeHeadSigningInput(checkpoint)`. */
  readonly signature: string;
}

/**
 * The canonical JSON of a head (keys sorted, no spaces) — the same text the event store's canonicalJson
 * gives for this flat object (a test holds them together), written out here to stay dependency-free.
 */
export function treeHeadSigningInput(head: TreeHead): string {
  return JSON.stringify({
    at: head.at,
    position: head.position,
    rootHash: head.rootHash,
    treeSize: head.treeSize,
  });
}

/** The DER prefix that makes a 32-byte Ed25519 seed a PKCS#8 private key (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * The signing key from CHECKPOINT_SIGNING_KEY: an Ed25519 private key in PEM, or (the development default
 * the configuration derives) 32 bytes in base64 used as the key's seed.
 */
export function signingKeyFrom(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith("-----BEGIN")) {
    const key = createPrivateKey(trimmed);
    if (key.asymmetricKeyType !== "ed25519")
      throw new TypeError("CHECKPOINT_SIGNING_KEY: not an Ed25519 key");
    return key;
  }
  const seed = Buffer.from(trimmed, "base64");
  if (seed.length !== 32) {
    throw new TypeError(
      "CHECKPOINT_SIGNING_KEY: must be an Ed25519 private key in PEM (or 32 bytes, base64)",
    );
  }
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
}

export interface PublicKeyInfo {
  readonly keyId: string;
  readonly algorithm: "ed25519";
  readonly publicKeyPem: string;
}

/** keyId: the first 16 hex digits of SHA-256 over the public key's SPKI DER. */
export function publicKeyInfo(key: KeyObject): PublicKeyInfo {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  const der = publicKey.export({ type: "spki", format: "der" });
  return {
    keyId: createHash("sha256").update(der).digest("hex").slice(0, 16),
    algorithm: "ed25519",
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

export function signTreeHead(head: TreeHead, privateKey: KeyObject): SignedTreeHead {
  return {
    checkpoint: head,
    algorithm: "ed25519",
    keyId: publicKeyInfo(privateKey).keyId,
    signature: sign(null, Buffer.from(treeHeadSigningInput(head), "utf8"), privateKey).toString("base64"),
  };
}

/** True when the signature over the head holds under the public key (PEM or KeyObject). */
export function verifyTreeHeadSignature(signed: SignedTreeHead, publicKey: string | KeyObject): boolean {
  if (signed.algorithm !== "ed25519") return false;
  try {
    const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
    return verify(
      null,
      Buffer.from(treeHeadSigningInput(signed.checkpoint), "utf8"),
      key,
      Buffer.from(signed.signature, "base64"),
    );
  } catch {
    return false;
  }
}
