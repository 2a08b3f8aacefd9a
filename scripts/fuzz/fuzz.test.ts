import { describe, expect, it } from "vitest";
import { fuzzTheApi } from "./harness";
import { OpenApiFuzzer } from "./openapi-fuzzer";

/*
 * The fuzzer in CI (issue 11): a fixed seed and a bounded count, so a failure reproduces with
 * `pnpm fuzz --requests N --seed S`. The full run is `pnpm fuzz --requests 20000`.
 */
describe("the API as the OpenAPI document describes it", () => {
  it("answers 3,000 generated and mutated requests with no 5xx and only documented statuses and shapes", async () => {
    const summary = await fuzzTheApi({ requests: Number(process.env.FUZZ_REQUESTS ?? 3000), seed: 20261204 });
    const findings = summary.findings.map(
      (f) =>
        `${f.kind} ${f.status} ${f.operation} as ${f.caller} (${f.mutation}): ${f.detail} — ${f.request.method} ${f.request.url.slice(0, 120)}`,
    );
    expect(findings).toEqual([]);
    expect(summary.serverErrors).toBe(0);
    expect(summary.mismatches).toBe(0);
    expect(Object.keys(summary.byOperation).length, "every operation was tried").toBe(summary.operations);
  }, 900_000);
});

describe("the fuzzer's own checks", () => {
  const document = {
    paths: {
      "/things": {
        get: {
          responses: {
            "200": {
              content: {
                "application/json": {
                  schema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] },
                },
              },
            },
          },
        },
      },
    },
  };
  const fuzzer = new OpenApiFuzzer(
    document,
    {
      dossierIds: [],
      codes: [],
      unitIds: [],
      procedureIds: [],
      callers: { anonymous: undefined },
      bodyLimitBytes: 1024,
    },
    1,
  );
  const operation = fuzzer.next().operation;
  const json = { "content-type": "application/json; charset=utf-8" };

  it("accepts a documented status whose body matches its schema", () => {
    expect(fuzzer.check(operation, { statusCode: 200, headers: json, body: '{"n":1}' })).toBeNull();
  });

  it("reports a 5xx, an undocumented status, a wrong shape and a wrong content type", () => {
    expect(fuzzer.check(operation, { statusCode: 503, headers: json, body: "{}" })?.kind).toBe("5xx");
    expect(fuzzer.check(operation, { statusCode: 404, headers: json, body: "{}" })?.kind).toBe(
      "undocumented status",
    );
    expect(fuzzer.check(operation, { statusCode: 200, headers: json, body: '{"n":"1"}' })?.kind).toBe(
      "schema mismatch",
    );
    expect(
      fuzzer.check(operation, { statusCode: 200, headers: { "content-type": "text/html" }, body: "<p>" })
        ?.kind,
    ).toBe("content type");
  });

  it("judges a request whose dot segments address another resource as that resource's", () => {
    const paged = new OpenApiFuzzer(
      {
        paths: {
          "/": { get: { responses: { "200": { content: { "text/html": {} } } } } },
          "/calendars/{year}": {
            get: {
              parameters: [{ name: "year", in: "path", required: true, schema: { type: "integer" } }],
              responses: { "400": { content: { "application/json": {} } } },
            },
          },
        },
      },
      {
        dossierIds: [],
        codes: [],
        unitIds: [],
        procedureIds: [],
        callers: { anonymous: undefined },
        bodyLimitBytes: 1024,
      },
      1,
    );
    const calendars = Array.from({ length: 50 }, () => paged.next().operation).find(
      (o) => o.path === "/calendars/{year}",
    );
    expect(calendars).toBeDefined();
    const op = calendars as NonNullable<typeof calendars>;
    const request = (url: string) => ({ method: "GET", url, headers: {} });
    // "/calendars/%2e%2e" is "/" by the URL rules: the page's 200 text/html is right for it.
    expect(paged.addressedOperation(request("/calendars/%2e%2e"), op)?.path).toBe("/");
    expect(paged.addressedOperation(request("/calendars/2026"), op)).toBe(op);
    expect(paged.addressedOperation(request("/calendars/%2e%2e/x"), op)).toBeNull();
  });
});
