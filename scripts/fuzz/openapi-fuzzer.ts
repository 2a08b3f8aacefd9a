import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";

/*
 * A fuzzer driven by the served OpenAPI document: for each request it picks an operation and a caller,
 * builds the path, query, headers and body from the operation's schemas — valid, or with one part
 * mutated the way an attacker or a broken client would — and holds the answer to the document: no 5xx,
 * a status the operation documents, and a body matching that status's schema and content type.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header";
  readonly required?: boolean;
  readonly schema?: Schema;
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: Schema | undefined;
  readonly responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  readonly secured: boolean;
}

export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

export interface FuzzResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

/** Values of the system under test that make requests land on real things. */
export interface KnownValues {
  readonly dossierIds: readonly string[];
  readonly codes: readonly string[];
  readonly unitIds: readonly string[];
  readonly procedureIds: readonly string[];
  /** Authorization headers by caller; `anonymous` sends none. */
  readonly callers: Readonly<Record<string, string | undefined>>;
  /** A body just over the API's limit, to meet 413. */
  readonly bodyLimitBytes: number;
}

export interface Finding {
  readonly kind: "5xx" | "undocumented status" | "schema mismatch" | "content type";
  readonly operation: string;
  readonly caller: string;
  readonly mutation: string;
  readonly status: number;
  readonly detail: string;
  readonly request: FuzzRequest;
}

export interface FuzzSummary {
  readonly requests: number;
  readonly byStatus: Record<string, number>;
  readonly byOperation: Record<string, { requests: number; statuses: Record<string, number> }>;
  readonly serverErrors: number;
  readonly mismatches: number;
  readonly findings: readonly Finding[];
}

/** mulberry32: the same seed makes the same requests. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}
type Random = ReturnType<typeof random>;

/** Whether a concrete path fits an OpenAPI path template (`/dossiers/{id}`). */
function matchesTemplate(template: string, path: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(path);
}

/** Percent-encodes, writing a lone surrogate as the invalid UTF-8 bytes a careless client would send. */
const encode = (value: string): string => {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80";
  }
};

const uuid = (rnd: Random) =>
  Array.from({ length: 32 }, (_, i) =>
    i === 12 ? "4" : i === 16 ? "a" : Math.floor(rnd.next() * 16).toString(16),
  )
    .join("")
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");

/** Strings that break careless code: control characters, huge, odd scripts, dates at the ends of time. */
const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x".repeat(10_000),
  "Nguyễn Văn Ấn 😀🇻🇳",
  "'; DROP TABLE dossiers; --",
  "../../etc/passwd",
  "%00",
  "%ff",
  "9999-12-31T23:59:59Z",
  "0000-01-01T00:00:00Z",
  "+010000-01-01T00:00:00Z",
  "2025-02-30",
  "1e309",
  "-1",
  "NaN",
  "null",
  "__proto__",
  "\u202e\u0301",
];
const NASTY_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -(2 ** 53) - 2,
  [],
  {},
  [null],
  { __proto__: { polluted: true } } as unknown as Json,
  ...NASTY_STRINGS,
];

/** Field names whose values should usually be real things of the system. */
function knownFor(name: string, known: KnownValues): readonly string[] | undefined {
  if (/^(unitId|toUnitId|parentId|successorId)$/.test(name)) return known.unitIds;
  if (name === "procedureId") return known.procedureIds;
  if (name === "id" || name === "dossierId") return known.dossierIds;
  if (name === "code" || name === "dossierCode") return known.codes;
  return undefined;
}

export class OpenApiFuzzer {
  private readonly operations: Operation[];
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly rnd: Random;
  private readonly keysUsed: string[] = [];

  constructor(
    private readonly document: { paths: Record<string, Record<string, unknown>>; components?: Schema },
    private readonly known: KnownValues,
    seed: number,
  ) {
    this.rnd = random(seed);
    this.ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
    this.operations = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, raw] of Object.entries(item)) {
        const op = raw as {
          parameters?: Parameter[];
          requestBody?: { content?: Record<string, { schema?: Schema }> };
          responses?: Operation["responses"];
          security?: unknown[];
        };
        if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
        this.operations.push({
          method: method.toUpperCase(),
          path,
          parameters: op.parameters ?? [],
          body: op.requestBody?.content?.["application/json"]?.schema,
          responses: op.responses ?? {},
          secured: (op.security?.length ?? 0) > 0,
        });
      }
    }
  }

  get operationCount(): number {
    return this.operations.length;
  }

  private resolve(schema: Schema | undefined): Schema {
    let current = schema ?? {};
    for (let i = 0; i < 10 && typeof current.$ref === "string"; i++) {
      const ref = current.$ref as string;
      const parts = ref.replace(/^#\//, "").split("/");
      let target: unknown = this.document;
      for (const part of parts) target = (target as Record<string, unknown>)?.[part];
      current = (target as Schema) ?? {};
    }
    return current;
  }

  /** A value the schema admits (mostly), preferring the system's real ids for fields that name them. */
  private sample(schemaIn: Schema | undefined, name: string, depth = 0): Json {
    const schema = this.resolve(schemaIn);
    const rnd = this.rnd;
    // The read models here are never fed: any position above 0 waits 5 s for a 503 (documented, but
    // slow, and a 5xx the fuzzer would report), so waits are left to the read-position tests.
    if (name === "minPosition") return "0";
    const pool = knownFor(name, this.known);
    if (pool && pool.length > 0 && rnd.chance(0.8)) return rnd.pick(pool);
    if ("const" in schema) return schema.const as Json;
    if (Array.isArray(schema.enum)) return rnd.pick(schema.enum as Json[]);
    for (const key of ["anyOf", "oneOf"] as const) {
      if (Array.isArray(schema[key])) return this.sample(rnd.pick(schema[key] as Schema[]), name, depth);
    }
    if (Array.isArray(schema.allOf)) {
      const merged: Schema = {};
      for (const part of schema.allOf as Schema[]) Object.assign(merged, this.resolve(part));
      return this.sample(merged, name, depth);
    }
    let type = schema.type;
    if (Array.isArray(type)) type = rnd.pick(type);
    if (type === undefined && schema.properties) type = "object";
    switch (type) {
      case "null":
        return null;
      case "boolean":
        return rnd.chance(0.5);
      case "integer":
      case "number": {
        const min = typeof schema.minimum === "number" ? schema.minimum : 0;
        const max =
          typeof schema.maximum === "number" ? Math.min(schema.maximum, min + 1_000_000) : min + 100;
        const n = rnd.int(Math.ceil(min), Math.floor(max));
        return type === "number" && rnd.chance(0.2) ? n + 0.5 : n;
      }
      case "array": {
        if (depth > 4) return [];
        const min = typeof schema.minItems === "number" ? schema.minItems : 0;
        const count = rnd.int(min, Math.max(min, Math.min(3, Number(schema.maxItems ?? 3))));
        return Array.from({ length: count }, () => this.sample(schema.items as Schema, name, depth + 1));
      }
      case "object": {
        if (depth > 5) return {};
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set((schema.required ?? []) as string[]);
        const out: Record<string, Json> = {};
        for (const [key, child] of Object.entries(properties)) {
          if (required.has(key) || rnd.chance(0.5)) out[key] = this.sample(child, key, depth + 1);
        }
        return out;
      }
      default:
        return this.sampleString(schema, name);
    }
  }

  private sampleString(schema: Schema, name: string): string {
    const rnd = this.rnd;
    const format = schema.format;
    if (format === "uuid")
      return rnd.chance(0.5) && this.known.dossierIds.length ? rnd.pick(this.known.dossierIds) : uuid(rnd);
    if (format === "date-time" || /At$|^at$|dueBefore/.test(name)) {
      const day = rnd.int(1, 28);
      const month = rnd.int(1, 12);
      const year = rnd.pick([2024, 2025, 2025, 2025, 2026, 2000, 2099]);
      return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T0${rnd.int(7, 9)}:30:00+07:00`;
    }
    if (format === "date" || /^(from|to|date|validFrom|validTo)$/.test(name)) {
      return `2025-${String(rnd.int(1, 12)).padStart(2, "0")}-${String(rnd.int(1, 28)).padStart(2, "0")}`;
    }
    if (name === "idNumber") return rnd.pick(["019085001234", "012345678"]);
    if (name === "phone") return rnd.pick(["0912345678", "+84912345678"]);
    if (typeof schema.pattern === "string") {
      const candidates = [
        "1.009994",
        "000.00.12.H19",
        "abc",
        "2025-03-12",
        "08:00",
        "x1",
        ...this.known.codes,
        ...this.known.unitIds,
      ];
      const re = new RegExp(schema.pattern as string, "u");
      const fits = candidates.filter((c) => re.test(c));
      if (fits.length > 0) return rnd.pick(fits);
    }
    const min = Number(schema.minLength ?? 1);
    const max = Math.max(min, Math.min(Number(schema.maxLength ?? 40), 60));
    const alphabet = "abcdeghiklmnopqrstuvxyĐđÂâÊêÔôƠơƯưĂăÁáÀàẢảÃãẠạ ";
    const length = rnd.int(Math.max(1, min), max);
    return (
      Array.from({ length }, () => rnd.pick([...alphabet]))
        .join("")
        .trim() || "hồ sơ"
    );
  }

  /** One random leaf of a JSON value replaced by something nasty, or a key added or removed. */
  private mutateJson(value: Json): { value: Json; how: string } {
    const rnd = this.rnd;
    if (value === null || typeof value !== "object" || rnd.chance(0.1)) {
      return { value: rnd.pick(NASTY_VALUES), how: "body replaced" };
    }
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    const choice = rnd.next();
    if (!Array.isArray(value) && choice < 0.15) {
      return {
        value: {
          ...value,
          [rnd.pick(["unexpected", "__proto__", "constructor", "at"])]: rnd.pick(NASTY_VALUES),
        },
        how: "key added",
      };
    }
    if (!Array.isArray(value) && choice < 0.3 && entries.length > 0) {
      const [key] = rnd.pick(entries);
      const { [key]: _dropped, ...rest } = value;
      return { value: rest, how: `key ${key} removed` };
    }
    if (entries.length === 0) return { value: rnd.pick(NASTY_VALUES), how: "empty replaced" };
    const [key, child] = rnd.pick(entries);
    const inner =
      child !== null && typeof child === "object" && rnd.chance(0.6)
        ? this.mutateJson(child)
        : { value: rnd.pick(NASTY_VALUES), how: "leaf" };
    const copy: Json = Array.isArray(value) ? [...value] : { ...value };
    (copy as Record<string, Json>)[key] = inner.value;
    return { value: copy, how: `${key}: ${inner.how}` };
  }

  private pathValue(param: Parameter, mutate: boolean): string {
    const rnd = this.rnd;
    if (mutate) {
      return rnd.pick([
        "%00",
        "a%00b",
        "%ff",
        "a%ff",
        "Q".repeat(rnd.int(90, 400)),
        encode("Nguyễn 😀"),
        "-1",
        "0",
        "99999999999999999999",
        uuid(rnd),
        "%2e%2e",
        "%ED%A0%BD",
      ]);
    }
    return encode(String(this.sample(param.schema, param.name)));
  }

  /** The next request, with a note of which part (if any) was mutated. */
  next(): { operation: Operation; caller: string; mutation: string; request: FuzzRequest } {
    const rnd = this.rnd;
    const operation = rnd.pick(this.operations);
    const caller = rnd.pick(Object.keys(this.known.callers));
    const part = rnd.pick(["none", "none", "none", "path", "query", "headers", "body", "body", "raw"]);
    let mutation = part === "none" ? "valid" : part;

    let url = operation.path;
    for (const param of operation.parameters.filter((p) => p.in === "path")) {
      url = url.replace(`{${param.name}}`, this.pathValue(param, part === "path"));
    }
    const query: string[] = [];
    for (const param of operation.parameters.filter((p) => p.in === "query")) {
      if (param.required || rnd.chance(0.5)) {
        let value = String(this.sample(param.schema, param.name));
        if (part === "query" && rnd.chance(0.4)) value = String(rnd.pick(NASTY_VALUES));
        query.push(`${encode(param.name)}=${encode(value)}`);
      }
    }
    if (part === "query" && rnd.chance(0.4))
      query.push(
        `${rnd.pick(["unknown", "minPosition", "limit", "%00"])}=${rnd.pick(["0", "%00", "-5", "x"])}`,
      );
    if (query.length > 0) url += `?${query.join("&")}`;

    const headers: Record<string, string> = {};
    const authorization = this.known.callers[caller];
    if (authorization) headers.authorization = authorization;
    for (const param of operation.parameters.filter((p) => p.in === "header")) {
      if (param.name === "if-match" && rnd.chance(0.3)) headers["if-match"] = `"${rnd.int(0, 6)}"`;
      if (param.name === "idempotency-key" && rnd.chance(0.3)) {
        const key =
          this.keysUsed.length > 0 && rnd.chance(0.3) ? rnd.pick(this.keysUsed) : `fuzz-${rnd.int(0, 1e9)}`;
        this.keysUsed.push(key);
        headers["idempotency-key"] = key;
      }
    }
    if (part === "headers") {
      const [name, value] = rnd.pick([
        ["if-match", rnd.pick(['"1', '1"', '""', "W/", "*", '"99999999999999999999"', "-1"])],
        ["idempotency-key", "k".repeat(rnd.int(150, 400))],
        ["x-request-id", rnd.pick(["z".repeat(8192), "<script>", "ok-id"])],
        [
          "authorization",
          rnd.pick(["Bearer", "Bearer a.b.c", "Basic Zm9vOmJhcg==", `Bearer ${"x".repeat(5000)}`]),
        ],
        ["content-type", rnd.pick(["text/plain", "application/json; charset=latin1", "multipart/form-data"])],
      ] as const);
      headers[name] = value;
      mutation = `header ${name}`;
    }

    let payload: string | Buffer | undefined;
    if (operation.body !== undefined || operation.method === "POST" || operation.method === "PUT") {
      const valid = this.sample(operation.body, "body");
      if (part === "body") {
        const mutated = this.mutateJson(valid);
        payload = JSON.stringify(mutated.value);
        mutation = `body ${mutated.how}`;
      } else if (part === "raw") {
        const raw = rnd.pick(["invalid json", "utf8", "empty", "huge", "text"] as const);
        mutation = `raw ${raw}`;
        if (raw === "invalid json") payload = rnd.pick(['{"a":', "{'a':1}", "[1,]", "nul", '{"a":1}}']);
        else if (raw === "utf8")
          payload = Buffer.concat([
            Buffer.from('{"reason":"'),
            Buffer.from([0xc3, 0x28, 0xff]),
            Buffer.from('"}'),
          ]);
        else if (raw === "empty") payload = "";
        else if (raw === "huge")
          payload = JSON.stringify({ reason: "x".repeat(this.known.bodyLimitBytes + 10) });
        else {
          payload = "reason=x";
          headers["content-type"] = "text/plain";
        }
      } else {
        payload = JSON.stringify(valid);
      }
      if (headers["content-type"] === undefined) headers["content-type"] = "application/json";
    }
    return {
      operation,
      caller,
      mutation,
      request: { method: operation.method, url, headers, ...(payload === undefined ? {} : { payload }) },
    };
  }

  private validator(key: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components ?? {} });
      this.validators.set(key, validate);
    }
    return validate;
  }

  /** Holds an answer to the document; a finding when it breaks it. */
  check(operation: Operation, response: FuzzResponse): { kind: Finding["kind"]; detail: string } | null {
    const status = response.statusCode;
    if (status >= 500) return { kind: "5xx", detail: response.body.slice(0, 300) };
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    if (!documented) return { kind: "undocumented status", detail: response.body.slice(0, 300) };
    const content = documented.content;
    if (!content) return null;
    const type =
      String(response.headers["content-type"] ?? "")
        .split(";")[0]
        ?.trim() ?? "";
    const media = content[type];
    if (!media) {
      return {
        kind: "content type",
        detail: `${type || "(none)"} not among ${Object.keys(content).join(", ")}`,
      };
    }
    if (!media.schema || !/json/.test(type)) return null;
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      return { kind: "schema mismatch", detail: "the body is not JSON" };
    }
    const validate = this.validator(`${operation.method} ${operation.path} ${status} ${type}`, media.schema);
    if (validate(body)) return null;
    return { kind: "schema mismatch", detail: this.ajv.errorsText(validate.errors).slice(0, 300) };
  }

  /**
   * The operation a request addresses once its URL is normalized: its own, unless dot segments moved it
   * to another path (then the operation of that path and method, or null when none is documented).
   */
  addressedOperation(request: FuzzRequest, operation: Operation): Operation | null {
    const sent = request.url.split("?")[0] ?? "";
    const normalized = new URL(sent, "http://fuzz.invalid").pathname;
    if (normalized === sent) return operation;
    return (
      this.operations.find((o) => o.method === request.method && matchesTemplate(o.path, normalized)) ?? null
    );
  }

  /** Sends `count` requests through `send` and sums up what came back. */
  async run(
    count: number,
    send: (request: FuzzRequest) => Promise<FuzzResponse>,
    onProgress?: (done: number) => void,
  ): Promise<FuzzSummary> {
    const byStatus: Record<string, number> = {};
    const byOperation: FuzzSummary["byOperation"] = {};
    const findings: Finding[] = [];
    let serverErrors = 0;
    let mismatches = 0;
    for (let i = 0; i < count; i++) {
      const { operation, caller, mutation, request } = this.next();
      const response = await send(request);
      const name = `${operation.method} ${operation.path}`;
      byStatus[response.statusCode] = (byStatus[response.statusCode] ?? 0) + 1;
      const op = byOperation[name] ?? { requests: 0, statuses: {} };
      byOperation[name] = op;
      op.requests += 1;
      op.statuses[response.statusCode] = (op.statuses[response.statusCode] ?? 0) + 1;
      // A path parameter of "%2e%2e" is a dot segment: by the URL rules (RFC 3986 §5.2.4, WHATWG URL) the
      // request addresses another resource ("/calendars/%2e%2e" is "/"), so it is judged as that one's.
      const addressed = this.addressedOperation(request, operation);
      const problem = addressed
        ? this.check(addressed, response)
        : response.statusCode >= 500
          ? { kind: "5xx" as const, detail: response.body.slice(0, 300) }
          : null;
      if (problem) {
        if (problem.kind === "5xx") serverErrors += 1;
        else mismatches += 1;
        if (findings.length < 200) {
          findings.push({
            ...problem,
            operation: name,
            caller,
            mutation,
            status: response.statusCode,
            request,
          });
        }
      }
      if (onProgress && (i + 1) % 500 === 0) onProgress(i + 1);
    }
    return { requests: count, byStatus, byOperation, serverErrors, mismatches, findings };
  }
}
