import { createHash } from "node:crypto";
import { z } from "zod";
import { parseDurationMs } from "./duration";

/**
 * The HS256 secret development tokens are signed with when AUTH_JWT_SECRET is not set.
 * Public on purpose: it only ever works outside production.
 */
export const DEV_JWT_SECRET = "motcua-development-only-jwt-secret-do-not-use-in-production";

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

export const nodeEnvironments = ["development", "test", "production"] as const;
export type NodeEnvironment = (typeof nodeEnvironments)[number];

export type JwtAlgorithm = "HS256" | "RS256";

export type EventStoreConfig =
  | { readonly kind: "postgres" }
  | { readonly kind: "eventstoredb"; readonly url: string };

export interface AuthConfig {
  /** HS256 secret; undefined in production, where only RS256 tokens from the JWKS are accepted. */
  readonly jwtSecret: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** The only algorithms a token may be signed with; everything else (`none` included) is refused. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** A token whose `exp` lies further ahead than this is refused: a leaked token must not live for years. */
  readonly maxTokenLifetimeMs: number;
  /**
   * How many verified tokens an API process remembers (least recently used out first; 0: verify every
   * request). A remembered token is trusted until its `exp`, and at most a minute after it was verified.
   */
  readonly tokenCacheSize: number;
  /**
   * The province's identity provider, for the workbench's sign-in (OpenID Connect, authorization code with
   * PKCE); its ID tokens are then verified like any RS256 token (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE).
   */
  readonly oidc?: { readonly issuer: string; readonly clientId: string };
}

export interface HttpConfig {
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly rateLimit: {
    readonly max: number;
    readonly windowMs: number;
    /** The stricter budget for the unauthenticated `/public/*` routes. */
    readonly publicMax: number;
  };
}

export interface Config {
  readonly nodeEnv: NodeEnvironment;
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  /** Undefined means "start or find a local Postgres" (scripts/services.ts). */
  readonly databaseUrl: string | undefined;
  /**
   * Read replicas of DATABASE_URL (DATABASE_READ_URL, comma-separated) for worklists, reports and
   * indicators; empty when every read goes to the primary.
   */
  readonly databaseReadUrls: readonly string[];
  /**
   * Undefined means "start or find a local Redis" (scripts/services.ts). Behind Sentinel (REDIS_SENTINELS
   * and REDIS_SENTINEL_NAME) it is a `redis+sentinel://host:port,host:port/name` address that platform's
   * `createRedis` understands (see `redisSentinelUrl`).
   */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly eventStore: EventStoreConfig;
  readonly auth: AuthConfig;
  /** 32 bytes that wrap every applicant's personal-data key. */
  readonly vaultMasterKey: Buffer;
  readonly checkpointSigningKey: string;
  /** Keys the rating codes printed on form 01 (an HMAC of the dossier id): never stored in events. */
  readonly ratingCodeSecret: Buffer;
  /** The transparency log's signed heads: how often (when the log has grown) and where they are published. */
  readonly audit: { readonly checkpointIntervalMs: number; readonly publishDir: string };
  readonly logLevel: LogLevel;
  readonly projectionPartitions: number;
  /** Dossiers whose folded state an API process keeps between commands (0: none). */
  readonly commandCacheDossiers: number;
  /** Units, procedures and schedules an API process keeps for commands (a few seconds each). */
  readonly commandCacheReference: number;
  readonly http: HttpConfig;
  /** Feedback (phản ánh, kiến nghị): its legal handling time, and the public form's own rate limit. */
  readonly feedback: {
    /** FEEDBACK_HANDLING_WORKING_DAYS, default 10 (Decree 20/2008/NĐ-CP as amended by Decree 92/2017/NĐ-CP). */
    readonly handlingWorkingDays: number;
    /** FEEDBACK_RATE_LIMIT_MAX feedback per FEEDBACK_RATE_LIMIT_WINDOW per client address (default 5 per hour). */
    readonly rateLimitMax: number;
    readonly rateLimitWindowMs: number;
  };
  /** Citizens' ratings: the public rating form's own rate limit (every attempt counts, a wrong code too). */
  readonly ratings: {
    /** RATING_RATE_LIMIT_MAX attempts per RATING_RATE_LIMIT_WINDOW per client address (default 10 per hour). */
    readonly rateLimitMax: number;
    readonly rateLimitWindowMs: number;
  };
  /**
   * The grading bands of the Decision 766 rankings: the lowest total score of `xuất sắc`, `tốt`, `khá`
   * and `trung bình`, descending; below the last is `yếu` (`SCORE_766_BANDS`, e.g. "90,80,65,50").
   */
  readonly score766Bands: readonly [number, number, number, number];
  /** Development defaults that were used, to be logged once at start. */
  readonly warnings: readonly string[];
}

export interface ConfigProblem {
  readonly variable: string;
  readonly rule: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration (environment variables):\n${problems.map((p) => `  ${p.variable}: ${p.rule}`).join("\n")}`,
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );

const urlWithScheme = (schemes: readonly string[], what: string) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    },
    `must be ${what} URL (${schemes.map((s) => `${s}://`).join(", ")})`,
  );

const durationMs = (min: number, max: number) =>
  z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({
        code: "custom",
        message: `must be a duration from ${min} ms to ${max} ms, in milliseconds or like "1 minute", "30s"`,
      });
      return z.NEVER;
    }
    return ms;
  });

const envSchema = z.object({
  NODE_ENV: z
    .enum(nodeEnvironments, { error: `must be one of ${nodeEnvironments.join(", ")}` })
    .default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORT: wholeNumber(0, 65535).default(3000),
  DATABASE_URL: urlWithScheme(["postgres", "postgresql"], "a Postgres").optional(),
  DATABASE_READ_URL: z
    .string()
    .transform((text, ctx) => {
      const urls = text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
      const bad = urls.some((url) => {
        try {
          return !["postgres:", "postgresql:"].includes(new URL(url).protocol);
        } catch {
          return true;
        }
      });
      if (bad || urls.length === 0 || urls.length > 16) {
        ctx.addIssue({
          code: "custom",
          message: "must be 1 to 16 Postgres URLs (postgres://), separated by commas",
        });
        return z.NEVER;
      }
      return urls;
    })
    .optional(),
  REDIS_URL: urlWithScheme(["redis", "rediss"], "a Redis").optional(),
  REDIS_SENTINELS: z
    .string()
    .transform((text, ctx) => {
      const sentinels = parseHostPorts(text);
      if (sentinels === undefined) {
        ctx.addIssue({
          code: "custom",
          message: "must be 1 to 16 host:port pairs separated by commas (e.g. s1:26379,s2:26379,s3:26379)",
        });
        return z.NEVER;
      }
      return sentinels;
    })
    .optional(),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-' (the master's name)")
    .optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:-]{1,64}$/, "must be 1 to 64 letters, digits, '_', '-' or ':'")
    .default("motcua"),
  EVENT_STORE: z
    .enum(["postgres", "eventstoredb"], { error: "must be postgres or eventstoredb" })
    .default("postgres"),
  EVENTSTORE_URL: urlWithScheme(
    ["esdb", "esdb+discover", "kurrentdb", "kurrentdb+discover", "kurrent", "kurrent+discover"],
    "an EventStoreDB connection",
  ).optional(),
  AUTH_JWT_SECRET: z.string().optional(),
  AUTH_JWKS_URL: urlWithScheme(["https", "http"], "an http(s)").optional(),
  AUTH_ISSUER: z.string().optional(),
  AUTH_AUDIENCE: z.string().optional(),
  AUTH_OIDC_ISSUER: urlWithScheme(["https", "http"], "an http(s)").optional(),
  AUTH_OIDC_CLIENT_ID: z.string().optional(),
  AUTH_MAX_TOKEN_LIFETIME: durationMs(60_000, 31 * 86_400_000).default(86_400_000),
  AUTH_TOKEN_CACHE: wholeNumber(0, 1_000_000).default(10_000),
  VAULT_MASTER_KEY: z.string().optional(),
  CHECKPOINT_SIGNING_KEY: z.string().optional(),
  RATING_CODE_SECRET: z.string().optional(),
  AUDIT_CHECKPOINT_INTERVAL: durationMs(1_000, 86_400_000).default(600_000),
  AUDIT_PUBLISH_DIR: z.string().default(".motcua/audit-heads"),
  LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(", ")}` }).default("info"),
  PROJECTION_PARTITIONS: wholeNumber(1, 256).default(8),
  COMMAND_CACHE_DOSSIERS: wholeNumber(0, 10_000_000).default(10_000),
  COMMAND_CACHE_REFERENCE: wholeNumber(100, 10_000_000).default(20_000),
  BODY_LIMIT_BYTES: wholeNumber(1_024, 100 * 1024 * 1024).default(1024 * 1024),
  REQUEST_TIMEOUT_MS: wholeNumber(100, 600_000).default(15_000),
  RATE_LIMIT_MAX: wholeNumber(1, 1_000_000).default(1_000),
  RATE_LIMIT_WINDOW: durationMs(1_000, 86_400_000).default(60_000),
  RATE_LIMIT_PUBLIC_MAX: wholeNumber(1, 1_000_000).default(60),
  FEEDBACK_HANDLING_WORKING_DAYS: wholeNumber(1, 60).default(10),
  FEEDBACK_RATE_LIMIT_MAX: wholeNumber(1, 1_000_000).default(5),
  FEEDBACK_RATE_LIMIT_WINDOW: durationMs(1_000, 86_400_000).default(3_600_000),
  RATING_RATE_LIMIT_MAX: wholeNumber(1, 1_000_000).default(10),
  RATING_RATE_LIMIT_WINDOW: durationMs(1_000, 86_400_000).default(3_600_000),
  SCORE_766_BANDS: z
    .string()
    .default("90,80,65,50")
    .transform((text, ctx) => {
      const bands = text.split(",").map((part) => Number(part.trim()));
      const valid =
        bands.length === 4 &&
        bands.every(
          (b, i) => Number.isFinite(b) && b >= 0 && b <= 100 && (i === 0 || b < (bands[i - 1] as number)),
        );
      if (!valid) {
        ctx.addIssue({
          code: "custom",
          message:
            "must be four scores from 100 down to 0, strictly descending, separated by commas (the lowest of xuất sắc, tốt, khá, trung bình), e.g. 90,80,65,50",
        });
        return z.NEVER;
      }
      return bands as [number, number, number, number];
    }),
});

const VAULT_KEY_RULE =
  "must be exactly 32 bytes encoded as base64 (generate one with `openssl rand -base64 32`)";

function decodeVaultKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === 32 ? bytes : undefined;
}

/** A development-only key, derived so that every developer's machine agrees on it. */
const deriveDevelopmentKey = (purpose: string): Buffer =>
  createHash("sha256").update(`motcua development ${purpose}; never used in production`).digest();

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `host:port,host:port` (1 to 16 pairs), or undefined when any pair is not one. */
export function parseHostPorts(text: string): HostPort[] | undefined {
  const parts = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  if (parts.length === 0 || parts.length > 16) return undefined;
  const pairs: HostPort[] = [];
  for (const part of parts) {
    const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(part);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) return undefined;
    pairs.push({ host: (match[1] as string).replace(/^\[|\]$/g, ""), port });
  }
  return pairs;
}

export interface RedisSentinelTarget {
  readonly sentinels: readonly HostPort[];
  /** The master's name the sentinels monitor. */
  readonly name: string;
  readonly password?: string;
  readonly db?: number;
}

const SENTINEL_SCHEME = "redis+sentinel://";

/**
 * Redis behind Sentinel written as one address, so that everything handed a Redis URL (BullMQ's queues
 * and workers, the rate limits, the scheduler) takes it unchanged: `redis+sentinel://h1:p1,h2:p2/name`
 * (`?password=…&db=N` when given). `createRedis` reads it back with `parseRedisSentinelUrl`.
 */
export function redisSentinelUrl(target: RedisSentinelTarget): string {
  const hosts = target.sentinels
    .map((s) => `${s.host.includes(":") ? `[${s.host}]` : s.host}:${s.port}`)
    .join(",");
  const query = new URLSearchParams();
  if (target.password !== undefined) query.set("password", target.password);
  if (target.db !== undefined) query.set("db", String(target.db));
  const search = query.size > 0 ? `?${query.toString()}` : "";
  return `${SENTINEL_SCHEME}${hosts}/${encodeURIComponent(target.name)}${search}`;
}

/** The sentinels and master name of a `redis+sentinel://` address; undefined for any other address. */
export function parseRedisSentinelUrl(url: string): RedisSentinelTarget | undefined {
  if (!url.startsWith(SENTINEL_SCHEME)) return undefined;
  const rest = url.slice(SENTINEL_SCHEME.length);
  const [path = "", search = ""] = rest.split("?", 2);
  const slash = path.indexOf("/");
  if (slash < 0) return undefined;
  const sentinels = parseHostPorts(path.slice(0, slash));
  const name = decodeURIComponent(path.slice(slash + 1));
  if (sentinels === undefined || name === "") return undefined;
  const query = new URLSearchParams(search);
  const password = query.get("password");
  const db = query.get("db");
  return {
    sentinels,
    name,
    ...(password === null ? {} : { password }),
    ...(db === null ? {} : { db: Number(db) }),
  };
}

/**
 * Reads and validates the environment. Every bad value is reported at once, each naming its variable
 * and the rule it breaks, never the value itself (it may be a secret).
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= command`.
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== "") present[key] = value;
  }

  const parsed = envSchema.safeParse(present);
  const problems: ConfigProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0] ?? "environment"), rule: issue.message });
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const warnings: string[] = [];

  let eventStore: EventStoreConfig = { kind: "postgres" };
  if (e.EVENT_STORE === "eventstoredb") {
    if (e.EVENTSTORE_URL === undefined) {
      problems.push({ variable: "EVENTSTORE_URL", rule: "is required when EVENT_STORE=eventstoredb" });
    } else {
      eventStore = { kind: "eventstoredb", url: e.EVENTSTORE_URL };
    }
  }

  let jwtSecret: string | undefined;
  if (production) {
    if (e.AUTH_JWT_SECRET !== undefined && e.AUTH_JWT_SECRET.length < 32) {
      problems.push({
        variable: "AUTH_JWT_SECRET",
        rule: "must be at least 32 characters when NODE_ENV=production",
      });
    } else if (e.AUTH_JWT_SECRET !== undefined) {
      warnings.push("AUTH_JWT_SECRET is set, but production verifies only RS256 tokens from AUTH_JWKS_URL");
    }
    if (e.AUTH_JWKS_URL === undefined) {
      problems.push({
        variable: "AUTH_JWKS_URL",
        rule: "is required when NODE_ENV=production (production verifies RS256 tokens against a JWKS)",
      });
    }
  } else if (e.AUTH_JWT_SECRET === undefined) {
    jwtSecret = DEV_JWT_SECRET;
    warnings.push("AUTH_JWT_SECRET is not set: using the public development secret (never in production)");
  } else {
    jwtSecret = e.AUTH_JWT_SECRET;
  }
  if ((e.AUTH_OIDC_ISSUER === undefined) !== (e.AUTH_OIDC_CLIENT_ID === undefined)) {
    problems.push({
      variable: e.AUTH_OIDC_ISSUER === undefined ? "AUTH_OIDC_ISSUER" : "AUTH_OIDC_CLIENT_ID",
      rule: "AUTH_OIDC_ISSUER and AUTH_OIDC_CLIENT_ID go together",
    });
  }
  const algorithms: JwtAlgorithm[] = [];
  if (jwtSecret !== undefined) algorithms.push("HS256");
  if (e.AUTH_JWKS_URL !== undefined) algorithms.push("RS256");

  let vaultMasterKey: Buffer = deriveDevelopmentKey("vault master key");
  if (e.VAULT_MASTER_KEY !== undefined) {
    const decoded = decodeVaultKey(e.VAULT_MASTER_KEY);
    if (decoded === undefined) problems.push({ variable: "VAULT_MASTER_KEY", rule: VAULT_KEY_RULE });
    else vaultMasterKey = decoded;
  } else if (production) {
    problems.push({
      variable: "VAULT_MASTER_KEY",
      rule: `is required when NODE_ENV=production and ${VAULT_KEY_RULE}`,
    });
  } else {
    warnings.push(
      "VAULT_MASTER_KEY is not set: using a development key derived from a fixed phrase; personal data is not protected",
    );
  }

  let checkpointSigningKey = deriveDevelopmentKey("checkpoint signing key").toString("base64");
  if (e.CHECKPOINT_SIGNING_KEY !== undefined) {
    if (production && e.CHECKPOINT_SIGNING_KEY.length < 32) {
      problems.push({
        variable: "CHECKPOINT_SIGNING_KEY",
        rule: "must be at least 32 characters when NODE_ENV=production",
      });
    }
    checkpointSigningKey = e.CHECKPOINT_SIGNING_KEY;
  } else if (production) {
    problems.push({
      variable: "CHECKPOINT_SIGNING_KEY",
      rule: "is required when NODE_ENV=production (at least 32 characters)",
    });
  } else {
    warnings.push("CHECKPOINT_SIGNING_KEY is not set: using a development key derived from a fixed phrase");
  }

  let ratingCodeSecret = deriveDevelopmentKey("rating code secret");
  if (e.RATING_CODE_SECRET !== undefined) {
    if (production && e.RATING_CODE_SECRET.length < 32) {
      problems.push({
        variable: "RATING_CODE_SECRET",
        rule: "must be at least 32 characters when NODE_ENV=production",
      });
    }
    ratingCodeSecret = Buffer.from(e.RATING_CODE_SECRET, "utf8");
  } else if (production) {
    problems.push({
      variable: "RATING_CODE_SECRET",
      rule: "is required when NODE_ENV=production (at least 32 characters)",
    });
  } else {
    warnings.push(
      "RATING_CODE_SECRET is not set: using a development key derived from a fixed phrase; rating codes can be forged",
    );
  }

  let redisUrl = e.REDIS_URL;
  if ((e.REDIS_SENTINELS === undefined) !== (e.REDIS_SENTINEL_NAME === undefined)) {
    problems.push({
      variable: e.REDIS_SENTINELS === undefined ? "REDIS_SENTINELS" : "REDIS_SENTINEL_NAME",
      rule: "REDIS_SENTINELS and REDIS_SENTINEL_NAME go together",
    });
  } else if (e.REDIS_SENTINELS !== undefined && e.REDIS_SENTINEL_NAME !== undefined) {
    // REDIS_URL, when set too, gives the password and database of the master (its host is ignored).
    const data = e.REDIS_URL === undefined ? undefined : new URL(e.REDIS_URL);
    redisUrl = redisSentinelUrl({
      sentinels: e.REDIS_SENTINELS,
      name: e.REDIS_SENTINEL_NAME,
      ...(data?.password ? { password: decodeURIComponent(data.password) } : {}),
      ...(data && /^\/\d+$/.test(data.pathname) ? { db: Number(data.pathname.slice(1)) } : {}),
    });
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    nodeEnv: e.NODE_ENV,
    production,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrls: e.DATABASE_READ_URL ?? [],
    redisUrl,
    redisPrefix: e.REDIS_PREFIX,
    eventStore,
    auth: {
      jwtSecret,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      algorithms,
      maxTokenLifetimeMs: e.AUTH_MAX_TOKEN_LIFETIME,
      tokenCacheSize: e.AUTH_TOKEN_CACHE,
      ...(e.AUTH_OIDC_ISSUER !== undefined && e.AUTH_OIDC_CLIENT_ID !== undefined
        ? { oidc: { issuer: e.AUTH_OIDC_ISSUER, clientId: e.AUTH_OIDC_CLIENT_ID } }
        : {}),
    },
    vaultMasterKey,
    checkpointSigningKey,
    ratingCodeSecret,
    audit: { checkpointIntervalMs: e.AUDIT_CHECKPOINT_INTERVAL, publishDir: e.AUDIT_PUBLISH_DIR },
    logLevel: e.LOG_LEVEL,
    projectionPartitions: e.PROJECTION_PARTITIONS,
    commandCacheDossiers: e.COMMAND_CACHE_DOSSIERS,
    commandCacheReference: e.COMMAND_CACHE_REFERENCE,
    http: {
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW, publicMax: e.RATE_LIMIT_PUBLIC_MAX },
    },
    feedback: {
      handlingWorkingDays: e.FEEDBACK_HANDLING_WORKING_DAYS,
      rateLimitMax: e.FEEDBACK_RATE_LIMIT_MAX,
      rateLimitWindowMs: e.FEEDBACK_RATE_LIMIT_WINDOW,
    },
    ratings: { rateLimitMax: e.RATING_RATE_LIMIT_MAX, rateLimitWindowMs: e.RATING_RATE_LIMIT_WINDOW },
    score766Bands: e.SCORE_766_BANDS,
    warnings,
  };
}

/**
 * For command-line entry points: the validated configuration, or every problem with it on stderr and
 * exit code 1 — one message per bad variable, never a stack trace.
 */
export function loadConfigOrExit(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
