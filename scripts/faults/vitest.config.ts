import { defineConfig } from "vitest/config";

/** `pnpm test:faults`: the fault suite alone (it runs its own Postgres, Redis and system processes). */
export default defineConfig({
  test: {
    include: ["scripts/faults/**/*.test.ts"],
    // Deadlines for a machine under load, not the expected time: on a quiet 2-core machine the suite takes a few minutes.
    testTimeout: 420_000,
    hookTimeout: 240_000,
    pool: "forks",
    fileParallelism: false,
  },
});
