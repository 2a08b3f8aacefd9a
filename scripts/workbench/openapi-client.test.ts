import { describe, expect, it } from "vitest";
import { committedTypes, servedDocument, typesOf } from "./openapi-client";

describe("the workbench's typed client", () => {
  it("was generated from the OpenAPI document the API serves now (else run `pnpm workbench:client`)", async () => {
    const fresh = await typesOf(await servedDocument());
    expect(fresh === (await committedTypes()), "packages/workbench/src/api/schema.ts is stale").toBe(true);
  }, 120_000);
});
