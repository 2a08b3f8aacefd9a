import { defineConfig } from "vitest/config";

/** `pnpm test:faults`: the fault suite alone (it runs its own Postgres, Redis and system processes). */
export default defineConfig({
  test: {
    include: ["scripts/faults/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: "forks",
    fileParallelism: false,
  },
});
