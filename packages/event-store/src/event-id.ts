import { hash } from "node:crypto";

/** Fixed namespace for motcua event ids (a random UUID chosen once; never change it). */
const EVENT_ID_NAMESPACE = Buffer.from("5d0c7e1a9b3f4c2e8a6d1f0b7c3e9a24", "hex");

const formatUuid = (digest: Buffer): string => {
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** SHA-1 of the namespace and `name`, in one call (`crypto.hash`: no Hash object per id). */
const nameDigest = (name: string): Buffer => {
  const nameBytes = Buffer.byteLength(name, "utf8");
  const input = Buffer.allocUnsafe(EVENT_ID_NAMESPACE.length + nameBytes);
  EVENT_ID_NAMESPACE.copy(input, 0);
  input.write(name, EVENT_ID_NAMESPACE.length, "utf8");
  return hash("sha1", input, "buffer");
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
