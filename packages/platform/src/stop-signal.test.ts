import { describe, expect, it } from "vitest";
import { createStopSignal } from "./stop-signal";

describe("a stop signal", () => {
  it("naps for the time asked while running", async () => {
    const signal = createStopSignal();
    const started = Date.now();
    await signal.nap(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(signal.stopped).toBe(false);
  });

  it("wakes every sleeper at once on stop, and never sleeps after it", async () => {
    const signal = createStopSignal();
    const started = Date.now();
    const sleeping = Promise.all([signal.nap(10_000), signal.nap(20_000)]);
    signal.stop();
    await sleeping;
    await signal.nap(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(signal.stopped).toBe(true);
  });
});
