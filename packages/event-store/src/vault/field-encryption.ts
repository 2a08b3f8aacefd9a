import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomFillSync } from "node:crypto";
import { canonicalJson } from "../canonical-json";
import { EventIntegrityError, EventStoreConfigurationError } from "../errors";
import type { JsonObject, JsonValue } from "../types";

/** How a personal field is stored: ciphertext under the subject's data key, bound to the event and field. */
export interface EncryptedField {
  $encrypted: "aes-256-gcm";
  keyId: string;
  iv: string;
  tag: string;
  ciphertext: string;
  [extra: string]: JsonValue;
}

/** What a reader sees in place of a forgotten subject's data. */
export const erasedField = (): JsonObject => ({ erased: true });

const KEY_BYTES = 32;

export function parseMasterKey(input: string | Uint8Array): Buffer {
  const key = typeof input === "string" ? Buffer.from(input, "base64") : Buffer.from(input);
  if (key.length !== KEY_BYTES) {
    throw new EventStoreConfigurationError(
      `The vault master key must be ${KEY_BYTES} bytes (base64), got ${key.length}`,
    );
  }
  return key;
}

export const newDataKey = (): Buffer => randomBytes(KEY_BYTES);

const IV_BYTES = 12;
/** Fresh IVs for this many seals are drawn at once. */
const IVS_PER_DRAW = 256;
let ivs = Buffer.alloc(0);
let ivsUsed = 0;

/**
 * A random IV never handed out before: 12 bytes of the CSPRNG, as `randomBytes(12)` gave, but drawn 256 IVs
 * at a time — on Node 20 each `randomBytes` call costs ≈ 8 µs of CPU whatever its size (a crypto job per
 * call), and every personal value sealed took one. IVs are public (they are stored beside the ciphertext);
 * each draw is a new buffer, so an IV handed out is never written again.
 */
function nextIv(): Buffer {
  if (ivsUsed + IV_BYTES > ivs.length) {
    ivs = randomFillSync(Buffer.allocUnsafeSlow(IV_BYTES * IVS_PER_DRAW));
    ivsUsed = 0;
  }
  const iv = ivs.subarray(ivsUsed, ivsUsed + IV_BYTES);
  ivsUsed += IV_BYTES;
  return iv;
}

function seal(key: Buffer, plaintext: Buffer, aad: string): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = nextIv();
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function open(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, iv);
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

const keyAad = (keyId: string) => `motcua-dek-v1|${keyId}`;
const fieldAad = (keyId: string, eventId: string, field: string) =>
  `motcua-pii-v1|${keyId}|${eventId}|${field}`;

/** A data key wrapped by the master key: iv (12) ‖ tag (16) ‖ ciphertext (32). */
export function wrapDataKey(masterKey: Buffer, keyId: string, dataKey: Buffer): Buffer {
  const { iv, tag, ciphertext } = seal(masterKey, dataKey, keyAad(keyId));
  return Buffer.concat([iv, tag, ciphertext]);
}

export function unwrapDataKey(masterKey: Buffer, keyId: string, wrapped: Uint8Array): Buffer {
  const bytes = Buffer.from(wrapped);
  try {
    return open(masterKey, bytes.subarray(0, 12), bytes.subarray(12, 28), bytes.subarray(28), keyAad(keyId));
  } catch (cause) {
    throw new EventIntegrityError(`Data key ${keyId} does not unwrap: wrong vault master key?`, { cause });
  }
}

export function encryptField(
  dataKey: Buffer,
  keyId: string,
  eventId: string,
  field: string,
  value: JsonValue,
): EncryptedField {
  const { iv, tag, ciphertext } = seal(
    dataKey,
    Buffer.from(canonicalJson(value), "utf8"),
    fieldAad(keyId, eventId, field),
  );
  return {
    $encrypted: "aes-256-gcm",
    keyId,
    iv: iv.toString("base64"),
    tag: tag.toString("base64"),
    ciphertext: ciphertext.toString("base64"),
  };
}

export function decryptField(
  dataKey: Buffer,
  envelope: EncryptedField,
  eventId: string,
  field: string,
): JsonValue {
  let plaintext: Buffer;
  try {
    plaintext = open(
      dataKey,
      Buffer.from(envelope.iv, "base64"),
      Buffer.from(envelope.tag, "base64"),
      Buffer.from(envelope.ciphertext, "base64"),
      fieldAad(envelope.keyId, eventId, field),
    );
  } catch (cause) {
    throw new EventIntegrityError(`Personal field ${field} of event ${eventId} does not decrypt`, { cause });
  }
  return JSON.parse(plaintext.toString("utf8")) as JsonValue;
}

export function isEncryptedField(value: JsonValue | undefined): value is EncryptedField {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    value.$encrypted === "aes-256-gcm" &&
    typeof value.keyId === "string" &&
    typeof value.iv === "string" &&
    typeof value.tag === "string" &&
    typeof value.ciphertext === "string"
  );
}

/** One sealed value of a stored event's data and where it sits ("applicant", "documents.0.name"). */
export interface SealedValue {
  path: string;
  envelope: EncryptedField;
}

/** Every encrypted value of a stored event's data, at any depth, in document order. */
export function findEncryptedFields(data: JsonObject): SealedValue[] {
  const found: SealedValue[] = [];
  const walk = (value: JsonValue, path: string) => {
    if (isEncryptedField(value)) found.push({ path, envelope: value });
    else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, `${path}.${index}`);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, `${path}.${key}`);
    }
  };
  for (const [key, value] of Object.entries(data)) walk(value, key);
  return found;
}

/** `data` with every encrypted value left out (null in an array): what readers that omit personal data see. */
export function withoutEncryptedFields(data: JsonObject): JsonObject {
  return replaceEncryptedFields(data, () => undefined);
}

/**
 * Rebuilds `data` with each encrypted value replaced by what `open` returns for it (`undefined`: left out
 * of its object, or null in an array). Data without encrypted values comes back as the same object. The
 * path (`a.b.0`) is joined only for an encrypted value, and an object is copied only from its first
 * changed key: projections walk whole logs through here.
 */
export function replaceEncryptedFields(
  data: JsonObject,
  open: (envelope: EncryptedField, path: string) => JsonValue | undefined,
): JsonObject {
  const keys: string[] = [];
  const visit = (value: JsonValue): JsonValue | undefined => {
    if (typeof value !== "object" || value === null) return value;
    if (isEncryptedField(value)) return open(value, keys.join("."));
    if (Array.isArray(value)) {
      let changed = false;
      const items = value.map((item, index) => {
        keys.push(String(index));
        const next = visit(item);
        keys.pop();
        if (next !== item) changed = true;
        return next === undefined ? null : next;
      });
      return changed ? items : value;
    }
    return visitObject(value);
  };
  const visitObject = (object: JsonObject): JsonObject => {
    let out: JsonObject | null = null;
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      const item = object[key] as JsonValue;
      keys.push(key);
      const next = visit(item);
      keys.pop();
      if (out === null && next !== item) {
        // The first change: copy what came before it, then go on copying.
        out = {};
        for (const earlier in object) {
          if (earlier === key) break;
          if (Object.hasOwn(object, earlier)) out[earlier] = object[earlier] as JsonValue;
        }
      }
      if (out !== null && next !== undefined) out[key] = next;
    }
    return out ?? object;
  };
  return visitObject(data);
}

/**
 * A keyed digest under a key derived from a subject's data key (never the data key itself). Without the
 * key nobody can test a guess against it, however small the space of guesses (an ID number), and erasing
 * the subject's key destroys the ability to recompute it.
 */
export function subjectDigest(dataKey: Buffer, message: string): string {
  const digestKey = createHmac("sha256", dataKey).update("motcua-subject-digest-v1").digest();
  return createHmac("sha256", digestKey).update(message, "utf8").digest("hex");
}
