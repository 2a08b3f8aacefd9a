import { defineConfig } from "vitest/config";

/** `pnpm test:cluster`: the cluster suite alone (it runs its own servers and system processes). */
export default defineConfig({
  test: {
    include: ["scripts/cluster/**/*.test.ts"],
    // Deadlines for a loaded machine, not the expected time (about 8 minutes on a quiet 2-core machine).
    testTimeout: 600_000,
    hookTimeout: 400_000,
    pool: "forks",
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
