import { createHash } from "node:crypto";

/** Fixed namespace for motcua event ids (a random UUID chosen once; never change it). */
const EVENT_ID_NAMESPACE = Buffer.from("5d0c7e1a9b3f4c2e8a6d1f0b7c3e9a24", "hex");

const formatUuid = (digest: Buffer): string => {
  const bytes = digest.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * The ids of the events appended by command `commandId`: name-based (RFC 9562 version 5) UUIDs of
 * `${commandId}#${index}`, so a retried command produces the same ids and the store recognises it.
 */
export function eventIdsFor(commandId: string, count: number): string[] {
  const prefix = createHash("sha1").update(EVENT_ID_NAMESPACE).update(`${commandId}#`, "utf8");
  return Array.from({ length: count }, (_, index) =>
    formatUuid(prefix.copy().update(String(index)).digest()),
  );
}

export const eventIdFor = (commandId: string, index: number): string =>
  formatUuid(createHash("sha1").update(EVENT_ID_NAMESPACE).update(`${commandId}#${index}`, "utf8").digest());
