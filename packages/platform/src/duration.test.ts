import { describe, expect, it } from "vitest";
import { parseDurationMs } from "./duration";

describe("parseDurationMs", () => {
  it("reads milliseconds and units", () => {
    expect(parseDurationMs("250")).toBe(250);
    expect(parseDurationMs("30s")).toBe(30_000);
    expect(parseDurationMs("1 minute")).toBe(60_000);
    expect(parseDurationMs("8h")).toBe(28_800_000);
    expect(parseDurationMs("1.5d")).toBe(129_600_000);
  });

  it("returns undefined for anything else", () => {
    for (const bad of ["", "soon", "-5s", "0", "5 fortnights"]) expect(parseDurationMs(bad)).toBeUndefined();
  });
});
