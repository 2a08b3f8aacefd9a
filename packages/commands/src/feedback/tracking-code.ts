import { createHmac, randomInt } from "node:crypto";
import { TRACKING_CODE_ALPHABET } from "@motcua/domain";

/** A fresh tracking code, `PA-XXXX-XXXX`: 40 bits from the operating system's CSPRNG. */
export function newTrackingCode(): string {
  const pick = () => TRACKING_CODE_ALPHABET[randomInt(TRACKING_CODE_ALPHABET.length)] as string;
  const group = () => Array.from({ length: 4 }, pick).join("");
  return `PA-${group()}-${group()}`;
}

/**
 * The feedback a tracking code opens: its id is an HMAC of the code under the server's secret, laid out
 * as a UUID. So the code needs no lookup table that could lag behind or be read off a database copy,
 * and an officer who sees the id cannot work the code out from it.
 */
export function feedbackIdOf(secret: Buffer, trackingCode: string): string {
  const bytes = createHmac("sha256", secret).update(`motcua-feedback-tracking-v1:${trackingCode}`).digest();
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
