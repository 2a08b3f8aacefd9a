import { InvalidEventError } from "./errors";

/**
 * JSON with object keys sorted (by UTF-16 code units) and no whitespace. Two equal values always give
 * the same text, and `canonicalJson(JSON.parse(text)) === text` for any text it produced — which is
 * what lets a reader recompute an event's hash from the stored JSON.
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, "$");
  return parts.join("");
}

function write(value: unknown, out: string[], path: string): void {
  if (value === null) {
    out.push("null");
    return;
  }
  switch (typeof value) {
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "number":
      if (!Number.isFinite(value)) throw new InvalidEventError(`Not JSON: a non-finite number at ${path}`);
      out.push(JSON.stringify(value));
      return;
    case "object": {
      if (Array.isArray(value)) {
        out.push("[");
        value.forEach((item, index) => {
          if (index > 0) out.push(",");
          if (item === undefined) throw new InvalidEventError(`Not JSON: undefined at ${path}[${index}]`);
          write(item, out, `${path}[${index}]`);
        });
        out.push("]");
        return;
      }
      const prototype = Object.getPrototypeOf(value);
      if (prototype !== Object.prototype && prototype !== null) {
        throw new InvalidEventError(
          `Not JSON: a ${prototype?.constructor?.name ?? "non-plain"} object at ${path}`,
        );
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      out.push("{");
      keys.forEach((key, index) => {
        if (index > 0) out.push(",");
        out.push(JSON.stringify(key), ":");
        write(record[key], out, `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`);
      });
      out.push("}");
      return;
    }
    default:
      throw new InvalidEventError(`Not JSON: a ${typeof value} at ${path}`);
  }
}
