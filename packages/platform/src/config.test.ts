import { describe, expect, it } from "vitest";
import { ConfigError, DEV_JWT_SECRET, loadConfig, parseRedisSentinelUrl } from "./config";

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the configuration to be refused");
};

const strongProductionEnv = {
  NODE_ENV: "production",
  AUTH_JWKS_URL: "https://login.example.test/.well-known/jwks.json",
  VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString("base64"),
  CHECKPOINT_SIGNING_KEY: "c".repeat(40),
  RATING_CODE_SECRET: "r".repeat(40),
};

describe("loadConfig", () => {
  it("runs with nothing set, on development defaults it warns about", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      host: "127.0.0.1",
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      redisPrefix: "motcua",
      eventStore: { kind: "postgres" },
      projectionPartitions: 8,
      auth: { jwtSecret: DEV_JWT_SECRET, algorithms: ["HS256"] },
    });
    expect(config.vaultMasterKey).toHaveLength(32);
    expect(config.warnings.join("\n")).toMatch(/AUTH_JWT_SECRET/);
    expect(config.warnings.join("\n")).toMatch(/VAULT_MASTER_KEY/);
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ PORT: "", HOST: "  " })).toMatchObject({ port: 3000, host: "127.0.0.1" });
  });

  it("reads every setting it is given", () => {
    const config = loadConfig({
      HOST: "0.0.0.0",
      PORT: "8080",
      DATABASE_URL: "postgres://u:p@db:5432/motcua",
      REDIS_URL: "redis://cache:6379",
      EVENT_STORE: "eventstoredb",
      EVENTSTORE_URL: "esdb://es:2113?tls=false",
      AUTH_JWT_SECRET: "s".repeat(32),
      AUTH_ISSUER: "motcua-idp",
      AUTH_AUDIENCE: "motcua-api",
      LOG_LEVEL: "debug",
      PROJECTION_PARTITIONS: "16",
      BODY_LIMIT_BYTES: "2048",
      REQUEST_TIMEOUT_MS: "5000",
      RATE_LIMIT_MAX: "50",
      RATE_LIMIT_WINDOW: "30s",
      RATE_LIMIT_PUBLIC_MAX: "5",
      REDIS_PREFIX: "province-a",
    });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 8080,
      databaseUrl: "postgres://u:p@db:5432/motcua",
      redisUrl: "redis://cache:6379",
      eventStore: { kind: "eventstoredb", url: "esdb://es:2113?tls=false" },
      auth: {
        jwtSecret: "s".repeat(32),
        issuer: "motcua-idp",
        audience: "motcua-api",
        algorithms: ["HS256"],
      },
      logLevel: "debug",
      projectionPartitions: 16,
      redisPrefix: "province-a",
      http: {
        bodyLimitBytes: 2048,
        requestTimeoutMs: 5000,
        rateLimit: { max: 50, windowMs: 30_000, publicMax: 5 },
      },
    });
  });

  it("names every bad variable and its rule at once, without echoing the value", () => {
    const problems = problemsOf({
      PORT: "eighty",
      DATABASE_URL: "mysql://secret-password@db/x",
      EVENT_STORE: "kafka",
      LOG_LEVEL: "loud",
      PROJECTION_PARTITIONS: "0",
      RATE_LIMIT_WINDOW: "soon",
      VAULT_MASTER_KEY: "dG9vIHNob3J0",
    });
    const byVariable = Object.fromEntries(problems.map((p) => [p.variable, p.rule]));
    expect(Object.keys(byVariable).sort()).toEqual(
      [
        "DATABASE_URL",
        "EVENT_STORE",
        "LOG_LEVEL",
        "PORT",
        "PROJECTION_PARTITIONS",
        "RATE_LIMIT_WINDOW",
      ].sort(),
    );
    expect(byVariable.PORT).toMatch(/whole number from 0 to 65535/);
    expect(byVariable.DATABASE_URL).toMatch(/postgres:\/\//);
    expect(byVariable.EVENT_STORE).toBe("must be postgres or eventstoredb");
    expect(byVariable.PROJECTION_PARTITIONS).toMatch(/from 1 to 256/);
    expect(JSON.stringify(problems)).not.toContain("secret-password");
  });

  it("reports a vault key that is not 32 base64 bytes", () => {
    expect(problemsOf({ VAULT_MASTER_KEY: "dG9vIHNob3J0" })).toEqual([
      { variable: "VAULT_MASTER_KEY", rule: expect.stringMatching(/32 bytes encoded as base64/) },
    ]);
  });

  it("requires EVENTSTORE_URL when the event store is EventStoreDB", () => {
    expect(problemsOf({ EVENT_STORE: "eventstoredb" })).toEqual([
      { variable: "EVENTSTORE_URL", rule: "is required when EVENT_STORE=eventstoredb" },
    ]);
  });

  it("takes the identity provider for the workbench's sign-in as an issuer and a client id, together", () => {
    const config = loadConfig({
      AUTH_OIDC_ISSUER: "https://id.example.gov.vn",
      AUTH_OIDC_CLIENT_ID: "motcua",
    });
    expect(config.auth.oidc).toEqual({ issuer: "https://id.example.gov.vn", clientId: "motcua" });
    expect(loadConfig({}).auth.oidc).toBeUndefined();
    expect(() => loadConfig({ AUTH_OIDC_ISSUER: "https://id.example.gov.vn" })).toThrow(
      /AUTH_OIDC_CLIENT_ID/,
    );
  });

  it("refuses development defaults in production", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      "AUTH_JWKS_URL",
      "CHECKPOINT_SIGNING_KEY",
      "RATING_CODE_SECRET",
      "VAULT_MASTER_KEY",
    ]);
  });

  it("refuses a short JWT secret in production", () => {
    expect(problemsOf({ ...strongProductionEnv, AUTH_JWT_SECRET: "short" })).toEqual([
      { variable: "AUTH_JWT_SECRET", rule: "must be at least 32 characters when NODE_ENV=production" },
    ]);
  });

  it("verifies only RS256 tokens from the JWKS in production", () => {
    const config = loadConfig(strongProductionEnv);
    expect(config.production).toBe(true);
    expect(config.auth).toMatchObject({ jwtSecret: undefined, algorithms: ["RS256"] });
    expect(config.warnings).toEqual([]);
  });

  it("accepts both HS256 and RS256 in development when a JWKS is configured", () => {
    const config = loadConfig({ AUTH_JWKS_URL: "http://127.0.0.1:9999/jwks.json" });
    expect(config.auth.algorithms).toEqual(["HS256", "RS256"]);
  });

  it("reads one or more read replicas from DATABASE_READ_URL", () => {
    expect(loadConfig({}).databaseReadUrls).toEqual([]);
    expect(
      loadConfig({ DATABASE_READ_URL: "postgres://r1:5432/motcua, postgresql://u:p@r2:5433/motcua" })
        .databaseReadUrls,
    ).toEqual(["postgres://r1:5432/motcua", "postgresql://u:p@r2:5433/motcua"]);
    const problems = problemsOf({ DATABASE_READ_URL: "postgres://r1/motcua,mysql://secret@r2/x" });
    expect(problems).toEqual([
      { variable: "DATABASE_READ_URL", rule: expect.stringMatching(/Postgres URLs/) },
    ]);
    expect(JSON.stringify(problems)).not.toContain("secret");
  });

  it("reaches Redis through Sentinel with REDIS_SENTINELS and REDIS_SENTINEL_NAME", () => {
    const config = loadConfig({
      REDIS_SENTINELS: "s1:26379, s2:26380,10.0.0.3:26381",
      REDIS_SENTINEL_NAME: "motcua",
      REDIS_URL: "redis://:p%40ss@ignored:6379/2",
    });
    expect(config.redisUrl).toMatch(/^redis\+sentinel:\/\//);
    expect(parseRedisSentinelUrl(config.redisUrl as string)).toEqual({
      sentinels: [
        { host: "s1", port: 26379 },
        { host: "s2", port: 26380 },
        { host: "10.0.0.3", port: 26381 },
      ],
      name: "motcua",
      password: "p@ss",
      db: 2,
    });
    expect(parseRedisSentinelUrl("redis://cache:6379")).toBeUndefined();
  });

  it("names a Sentinel setting that is wrong or alone", () => {
    expect(problemsOf({ REDIS_SENTINELS: "s1:26379" })).toEqual([
      { variable: "REDIS_SENTINEL_NAME", rule: "REDIS_SENTINELS and REDIS_SENTINEL_NAME go together" },
    ]);
    expect(problemsOf({ REDIS_SENTINEL_NAME: "motcua" })).toEqual([
      { variable: "REDIS_SENTINELS", rule: "REDIS_SENTINELS and REDIS_SENTINEL_NAME go together" },
    ]);
    const problems = problemsOf({ REDIS_SENTINELS: "s1:26379,s2", REDIS_SENTINEL_NAME: "a b" });
    expect(problems.map((p) => p.variable).sort()).toEqual(["REDIS_SENTINELS", "REDIS_SENTINEL_NAME"]);
  });
});
