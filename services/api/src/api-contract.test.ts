import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "./test-runtime";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime("contract");
});
afterAll(async () => {
  await rt?.dispose();
});

/** Every endpoint ../shared/API.md names for reference data, commands, import and audit. */
const CONTRACT: [string, string][] = [
  ["put", "/units/{unitId}"],
  ["put", "/procedures/{procedureId}"],
  ["put", "/calendars/{year}"],
  ["get", "/units"],
  ["get", "/procedures"],
  ["get", "/calendars/{year}"],
  ["post", "/dossiers"],
  ["post", "/dossiers/{id}/transfer"],
  ["post", "/dossiers/{id}/supplement-request"],
  ["post", "/dossiers/{id}/supplement-received"],
  ["post", "/dossiers/{id}/apology"],
  ["post", "/dossiers/{id}/resolve"],
  ["post", "/dossiers/{id}/return"],
  ["post", "/dossiers/{id}/withdraw"],
  ["post", "/dossiers/{id}/stop"],
  ["post", "/dossiers/import"],
  ["get", "/dossiers/{id}"],
  ["get", "/dossiers/{id}/history"],
  ["get", "/dossiers/{id}/state"],
  ["get", "/dossiers/{id}/verify"],
  ["get", "/health"],
  ["get", "/metrics"],
];

describe("the OpenAPI document", () => {
  it("describes every endpoint of the contract", async () => {
    const doc = (await rt.app.inject({ method: "GET", url: "/docs/json" })).json();
    for (const [method, path] of CONTRACT) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
  });

  it("documents the receive body's fields and the problem responses", async () => {
    const doc = (await rt.app.inject({ method: "GET", url: "/docs/json" })).json();
    const receive = doc.paths["/dossiers"].post;
    const schema = receive.requestBody.content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "dossierId",
        "procedureId",
        "unitId",
        "channel",
        "applicant",
        "documents",
        "at",
      ]),
    );
    expect(Object.keys(receive.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "409", "422"]),
    );
  });
});
