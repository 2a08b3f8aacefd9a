/**
 * `pnpm test:eventstoredb`: the EventStore contract suite against real EventStoreDB servers, 23.10 then
 * 24.10, each started from infra/docker-compose.yml (service `eventstoredb-test`, insecure, in memory, on
 * 127.0.0.1:2114) and removed afterwards. Needs a Docker engine that can pull images, and the local
 * Postgres (the personal-data vault lives there). Without an engine it fails at once, in one line.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The images' own tags: 23.10 is published only under its full name. */
const SERVERS = [
  { version: "23.10", image: "eventstore/eventstore:23.10.0-bookworm-slim" },
  { version: "24.10", image: "eventstore/eventstore:24.10" },
] as const;
const SERVICE = "eventstoredb-test";
const SERVER_URL = "esdb://127.0.0.1:2114?tls=false";
const root = fileURLToPath(new URL("../../..", import.meta.url));
const composeFile = "infra/docker-compose.yml";

const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}, quiet = false) =>
  spawnSync(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: quiet ? "pipe" : "inherit",
    encoding: "utf8",
    timeout: 15 * 60_000,
  });

const firstLine = (text: string | null | undefined) =>
  (text ?? "")
    .split("\n")
    .find((line) => line.trim() !== "")
    ?.trim() ?? "";

function fail(reason: string): never {
  console.error(`test:eventstoredb: ${reason}`);
  process.exit(1);
}

const engine = run("docker", ["info", "--format", "{{.ServerVersion}}"], {}, true);
if (engine.error || engine.status !== 0) {
  fail(
    `no Docker engine here (${firstLine(engine.stderr) || engine.error?.message || "docker info failed"}); the suite did NOT run — start a server yourself and run EVENTSTORE_URL=esdb://localhost:2113?tls=false pnpm vitest run packages/event-store/src/eventstoredb`,
  );
}
// Compose v2 as a docker plugin, else the standalone docker-compose.
const compose: [string, string[]] =
  run("docker", ["compose", "version"], {}, true).status === 0
    ? ["docker", ["compose"]]
    : run("docker-compose", ["version"], {}, true).status === 0
      ? ["docker-compose", []]
      : fail("Docker is running but has no compose (install the docker compose plugin)");

const results: string[] = [];
let failed = false;
for (const { version, image } of SERVERS) {
  const env = { EVENTSTORE_TEST_IMAGE: image };
  const composeArgs = (...args: string[]) => [...compose[1], "-f", composeFile, "--profile", "test", ...args];
  console.log(`\n=== EventStoreDB ${version}: starting ${env.EVENTSTORE_TEST_IMAGE} on ${SERVER_URL}`);
  try {
    const up = run(compose[0], composeArgs("up", "-d", "--wait", SERVICE), env);
    if (up.status !== 0) {
      results.push(`EventStoreDB ${version}: server did not start (docker compose up exited ${up.status})`);
      failed = true;
      continue;
    }
    const suite = run("pnpm", ["vitest", "run", "packages/event-store/src/eventstoredb"], {
      EVENTSTORE_URL: SERVER_URL,
    });
    const passed = suite.status === 0;
    failed ||= !passed;
    results.push(
      `EventStoreDB ${version}: contract suite ${passed ? "passed" : `FAILED (exit ${suite.status})`}`,
    );
  } finally {
    run(compose[0], composeArgs("rm", "--stop", "--force", "-v", SERVICE), env);
  }
}
console.log(`\n${results.join("\n")}`);
process.exit(failed ? 1 : 0);
