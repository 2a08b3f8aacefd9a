import { hash } from "node:crypto";

/** Fixed namespace for motcua event ids (a random UUID chosen once; never change it). */
const EVENT_ID_NAMESPACE = Buffer.from("5d0c7e1a9b3f4c2e8a6d1f0b7c3e9a24", "hex");

/** "89ab"[n]: the variant's hex digit (binary 10xx) for the digest's two low bits of that nibble. */
const VARIANT_DIGITS = "89ab";

/**
 * The UUID of a SHA-1 digest in hex: its first 16 bytes with the version nibble set to 5 and the variant
 * bits to 10 (RFC 9562), formatted straight from the hex (no Buffer per id).
 */
const formatUuid = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${
    VARIANT_DIGITS[Number.parseInt(hex.charAt(16), 16) & 0x3] ?? "8"
  }${hex.slice(17, 20)}-${hex.slice(20, 32)}`;

/** Namespace and name are written here (ids are made one at a time, synchronously): no Buffer per id. */
const SCRATCH = Buffer.alloc(EVENT_ID_NAMESPACE.length + 1024);
EVENT_ID_NAMESPACE.copy(SCRATCH, 0);

/** SHA-1 of the namespace and `name` in hex, in one call (`crypto.hash`: no Hash object per id). */
const nameDigest = (name: string): string => {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8 (a pair of them 4): then `name` surely fits.
  if (name.length * 3 <= SCRATCH.length - EVENT_ID_NAMESPACE.length) {
    const written = SCRATCH.write(name, EVENT_ID_NAMESPACE.length, "utf8");
    return hash("sha1", SCRATCH.subarray(0, EVENT_ID_NAMESPACE.length + written), "hex");
  }
  const input = Buffer.allocUnsafe(EVENT_ID_NAMESPACE.length + Buffer.byteLength(name, "utf8"));
  EVENT_ID_NAMESPACE.copy(input, 0);
  input.write(name, EVENT_ID_NAMESPACE.length, "utf8");
  return hash("sha1", input, "hex");
};

/**
 * The ids of the events appended by command `commandId`: name-based (RFC 9562 version 5) UUIDs of
 * `${commandId}#${index}`, so a retried command produces the same ids and the store recognises it.
 */
export function eventIdsFor(commandId: string, count: number): string[] {
  const ids = new Array<string>(count);
  for (let index = 0; index < count; index += 1) ids[index] = eventIdFor(commandId, index);
  return ids;
}

export const eventIdFor = (commandId: string, index: number): string =>
  formatUuid(nameDigest(`${commandId}#${index}`));
