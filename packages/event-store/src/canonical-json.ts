import { InvalidEventError } from "./errors";

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace. Two equal values always give
 * the same text, and `canonicalJson(JSON.parse(text)) === text` for any text it produced — which is
 * what lets a reader recompute an event's hash from the stored JSON. Canonical text never contains a raw
 * control character (JSON escapes them), which the Postgres adapter relies on to batch texts in one
 * parameter.
 */
export function canonicalJson(value: unknown): string {
  try {
    return writeFast(value);
  } catch (error) {
    if (error !== NOT_JSON) throw error;
    throw new InvalidEventError(`Not JSON: ${notJsonAt(value, "$") ?? "a value JSON cannot hold"}`);
  }
}

/** Thrown by `writeFast` on anything that is not JSON; `notJsonAt` then finds where, for the message. */
const NOT_JSON = Symbol("not JSON");

/**
 * `"key":` for each key written: events repeat the same few dozen property names, so their quoted forms are
 * kept (short keys only, at most QUOTED_KEYS_MAX of them) instead of running JSON.stringify on each again.
 */
const quotedKeys = new Map<string, string>();
const QUOTED_KEYS_MAX = 4096;
const quotedKey = (key: string): string => {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (key.length <= 64 && quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(key, quoted);
  }
  return quoted;
};

/** The canonical text, without building the path of every value on the way (only errors need it). */
function writeFast(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) {
        let out = "[";
        for (let index = 0; index < value.length; index += 1) {
          const item: unknown = value[index];
          if (item === undefined) throw NOT_JSON;
          out += index > 0 ? `,${writeFast(item)}` : writeFast(item);
        }
        return `${out}]`;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) throw NOT_JSON;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += first ? quotedKey(key) + writeFast(item) : `,${quotedKey(key)}${writeFast(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw NOT_JSON;
  }
}

/** Where `value` first stops being JSON, in the order `writeFast` visits it, or null when it is JSON. */
function notJsonAt(value: unknown, path: string): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : `a non-finite number at ${path}`;
  if (typeof value !== "object") return `a ${typeof value} at ${path}`;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      if (item === undefined) return `undefined at ${path}[${index}]`;
      // Array items keep their array's path, as the messages always have.
      const inner = notJsonAt(item, path);
      if (inner !== null) return inner;
    }
    return null;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    return `a ${prototype?.constructor?.name ?? "non-plain"} object at ${path}`;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    const inner = notJsonAt(item, `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`);
    if (inner !== null) return inner;
  }
  return null;
}
