import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "services/*/src/**/*.test.ts", "scripts/**/*.test.ts"],
    // The fault suite runs on its own (`pnpm test:faults`, a step of its own in CI): minutes, and its own services;
    // so does the cluster suite (`pnpm test:cluster`).
    exclude: [...configDefaults.exclude, "scripts/faults/**", "scripts/cluster/**"],
    // Integration tests create their own Postgres databases and Redis prefixes; a generous
    // timeout covers database creation on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
