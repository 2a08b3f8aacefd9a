import type { Readable } from "node:stream";
import { createTestRuntime, receiveBody, UNITS } from "@motcua/api/test-runtime";
import { ensureWorkbenchBuilt } from "@motcua/workbench";
import { type FuzzRequest, type FuzzSummary, OpenApiFuzzer } from "./openapi-fuzzer";

export interface FuzzOptions {
  readonly requests: number;
  readonly seed: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const BODY_LIMIT_BYTES = 65_536;

/**
 * The whole API in-process on a throw-away Postgres database (and the machine's Redis for nothing but
 * what the runtime asks), a few dossiers in it, then `requests` fuzzed requests through `app.inject` as
 * admin, officer, auditor, analyst and anonymous. The database is dropped afterwards.
 */
export async function fuzzTheApi(options: FuzzOptions): Promise<FuzzSummary & { operations: number }> {
  // GET / is the workbench's page: built, as `pnpm start` and `pnpm test` build it, before the API reads it.
  await ensureWorkbenchBuilt();
  const rt = await createTestRuntime("fuzz", {
    env: { RATE_LIMIT_PUBLIC_MAX: "1000000", BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) },
  });
  try {
    const officer = await rt.auth("officer", UNITS.communeA.unitId);
    const dossierIds: string[] = [];
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await rt.app.inject({
        method: "POST",
        url: "/dossiers",
        payload: receiveBody(),
        headers: officer,
      });
      if (answer.statusCode !== 201) throw new Error(`seeding a dossier failed: ${answer.body}`);
      dossierIds.push(answer.json().dossierId);
      codes.push(answer.json().code);
    }
    const resolved = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${dossierIds[0]}/resolve`,
      payload: { outcome: "approved" },
      headers: officer,
    });
    if (resolved.statusCode !== 200) throw new Error(`seeding a resolution failed: ${resolved.body}`);

    const document = (await rt.app.inject({ method: "GET", url: "/docs/json" })).json();
    const fuzzer = new OpenApiFuzzer(
      document,
      {
        dossierIds,
        codes,
        unitIds: Object.values(UNITS).map((u) => u.unitId),
        procedureIds: ["permit", "land"],
        callers: {
          admin: (await rt.auth("admin")).authorization,
          officer: officer.authorization,
          auditor: (await rt.auth("auditor")).authorization,
          analyst: (await rt.auth("analyst")).authorization,
          anonymous: undefined,
        },
        bodyLimitBytes: BODY_LIMIT_BYTES,
      },
      options.seed,
    );
    const send = async (request: FuzzRequest) => {
      // As a stream: a server-sent event stream (`GET /reports/live`) never ends, so its answer is judged
      // on its status, headers and first event, then the client goes away as a board's would.
      const response = await rt.app.inject({
        method: request.method as "GET",
        url: request.url,
        headers: request.headers,
        payloadAsStream: true,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      });
      const stream = response.stream();
      const streaming = String(response.headers["content-type"] ?? "").startsWith("text/event-stream");
      const body = streaming ? await firstChunk(stream) : await wholeBody(stream);
      return { statusCode: response.statusCode, headers: response.headers, body };
    };
    const summary = await fuzzer.run(options.requests, send, (done) =>
      options.onProgress?.(done, options.requests),
    );
    return { ...summary, operations: fuzzer.operationCount };
  } finally {
    await rt.dispose();
  }
}

async function wholeBody(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function firstChunk(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    stream.once("data", (chunk: Buffer) => {
      stream.destroy();
      resolve(String(chunk));
    });
    stream.once("error", reject);
    stream.once("end", () => resolve(""));
  });
}
