import { describe, expect, it } from "vitest";
import { manualClock, systemClock } from "./clock";

describe("clocks", () => {
  it("the system clock tells the current time", () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("a manual clock stays put until it is set or advanced", () => {
    const clock = manualClock("2025-03-03T08:00:00+07:00");
    expect(clock.now().toISOString()).toBe("2025-03-03T01:00:00.000Z");
    clock.advance(90 * 60_000);
    expect(clock.now().toISOString()).toBe("2025-03-03T02:30:00.000Z");
    clock.set("2025-12-31T23:59:59Z");
    expect(clock.now().toISOString()).toBe("2025-12-31T23:59:59.000Z");
  });

  it("a manual clock hands out copies, so callers cannot move it by mutating a date", () => {
    const clock = manualClock("2025-03-03T00:00:00Z");
    clock.now().setFullYear(1999);
    expect(clock.now().getUTCFullYear()).toBe(2025);
  });

  it("refuses an invalid instant", () => {
    expect(() => manualClock("not a date")).toThrow(RangeError);
  });
});
