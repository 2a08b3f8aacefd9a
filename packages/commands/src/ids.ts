import { createHash, createHmac } from "node:crypto";

/** A name-based UUID (v5 layout over SHA-1): the same name always gives the same id. */
export function uuidFromName(namespace: string, name: string): string {
  const bytes = createHash("sha1").update(`${namespace}\u0000${name}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Whose key encrypts an applicant's data. With an ID number, a keyed hash of it: one key per person
 * across all their dossiers, so erasing the person erases them everywhere, while the id itself never
 * appears. Without one, the dossier's own applicant.
 */
export function applicantSubjectId(secret: Buffer, dossierId: string, idNumber: string | undefined): string {
  if (idNumber === undefined) return `dossier:${dossierId}`;
  return `person:${createHmac("sha256", secret).update(`applicant-id:${idNumber}`).digest("hex")}`;
}

/**
 * The fingerprint of a request that is about no known dossier (so no applicant's key exists to key it):
 * an HMAC under a key derived from the server's secret, never a bare hash a guess could be tested against.
 */
export function serverRequestFingerprint(secret: Buffer, message: string): string {
  const key = createHmac("sha256", secret).update("motcua-request-fingerprint-v1").digest();
  return `k1:${createHmac("sha256", key).update(message, "utf8").digest("hex")}`;
}
