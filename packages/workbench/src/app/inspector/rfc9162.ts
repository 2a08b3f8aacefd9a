/**
 * RFC 9162 §2.1 in the browser, with WebCrypto only: an inspector's page checks the server's inclusion
 * proofs against the signed head itself instead of taking the server's word. Leaf hash = SHA-256(0x00 ‖
 * the event's 32-byte hash), node hash = SHA-256(0x01 ‖ left ‖ right).
 */

export const hexToBytes = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

export const bytesToHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export const leafHashOf = (eventHashHex: string) => sha256(LEAF, hexToBytes(eventHashHex));

/** §2.1.3.2: the root an inclusion proof leads to, or null when the proof has the wrong shape. */
export async function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  auditPath: readonly string[],
): Promise<string | null> {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const hex of auditPath) {
    const p = hexToBytes(hex);
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(NODE, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? bytesToHex(r) : null;
}

/** The canonical JSON a head's signature covers: keys sorted, no spaces. */
export const canonicalCheckpoint = (checkpoint: Record<string, unknown>): string =>
  JSON.stringify(
    Object.fromEntries(
      Object.keys(checkpoint)
        .sort()
        .map((k) => [k, checkpoint[k]]),
    ),
  );

/**
 * Checks a signed head's Ed25519 signature with WebCrypto; null when this browser cannot (Ed25519 is in
 * WebCrypto only in recent browsers), so the page says so instead of claiming either way.
 */
export async function verifyHeadSignature(
  head: { checkpoint: Record<string, unknown>; signature: string },
  publicKeyPem: string,
): Promise<boolean | null> {
  const der = Uint8Array.from(atob(publicKeyPem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "")), (c) =>
    c.charCodeAt(0),
  );
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null;
  }
  const signature = Uint8Array.from(atob(head.signature), (c) => c.charCodeAt(0));
  return crypto.subtle.verify(
    { name: "Ed25519" },
    key,
    signature,
    new TextEncoder().encode(canonicalCheckpoint(head.checkpoint)),
  );
}
