import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../postgres";
import { startCpuMeter } from "./cost";

describe("CPU cost of a bench window", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase("benchcost");
  });
  afterAll(async () => {
    await database.drop();
  });

  it("counts this process's CPU and its Postgres backend's CPU separately", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const meter = await startCpuMeter({ databaseUrl: database.url });
      // Work on the server side only: the backend burns CPU, this process waits.
      await client.query("SELECT sum(sqrt(i)) FROM generate_series(1, 3000000) AS i");
      let spin = 0;
      const until = process.cpuUsage().user + 50_000;
      while (process.cpuUsage().user < until) spin += 1;
      const cost = await meter.stop();
      expect(spin).toBeGreaterThan(0);
      expect(cost.postgresMs).toBeGreaterThan(50);
      expect(cost.processMs).toBeGreaterThanOrEqual(50);
      expect(cost.seconds).toBeGreaterThan(0);
    } finally {
      await client.end();
    }
  });

  it("counts the backends of the named applications apart from the system's", async () => {
    const bench = new pg.Client({ connectionString: database.url, application_name: "bench-own" });
    const system = new pg.Client({ connectionString: database.url, application_name: "motcua" });
    await bench.connect();
    await system.connect();
    try {
      const meter = await startCpuMeter({ databaseUrl: database.url, postgresApart: ["bench-own"] });
      await bench.query("SELECT sum(sqrt(i)) FROM generate_series(1, 3000000) AS i");
      await system.query("SELECT 1");
      const cost = await meter.stop();
      expect(cost.postgresApartMs).toBeGreaterThan(50);
      expect(cost.postgresMs).toBeLessThan(cost.postgresApartMs);
    } finally {
      await bench.end();
      await system.end();
    }
  });
});
