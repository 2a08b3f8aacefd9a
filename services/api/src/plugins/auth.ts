import type { AuthConfig, Principal, Role } from "@motcua/platform";
import { principalClaimsSchema } from "@motcua/platform";
import type { FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import fp from "fastify-plugin";
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { AppError } from "../problem";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller; null until an auth hook (`requireRole`, `authenticate`) has run. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Verifies the request's bearer token, sets `request.principal` and returns it; throws 401/503. */
    authenticate(request: FastifyRequest): Promise<Principal>;
    /** The verified-token cache's counters since the process started (AUTH_TOKEN_CACHE). */
    tokenCacheStats(): TokenCacheStats;
  }
}

/** For a route's OpenAPI `security`: the route wants a bearer token. */
export const bearerSecurity = [{ bearerAuth: [] }];

const unauthorized = (
  code: string,
  detail: string,
  error: "invalid_request" | "invalid_token" = "invalid_token",
) =>
  new AppError(401, code, detail, {
    title: "Unauthorized",
    headers: { "www-authenticate": `Bearer realm="motcua", error="${error}"` },
  });

const jwksUnavailable = () =>
  new AppError(
    503,
    "auth.jwks_unavailable",
    "The identity provider's signing keys cannot be fetched; try again",
    {
      headers: { "retry-after": "5" },
    },
  );

function joseProblem(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return unauthorized("auth.token_expired", "The token has expired");
    case "ERR_JOSE_ALG_NOT_ALLOWED":
    case "ERR_JOSE_NOT_SUPPORTED":
      return unauthorized(
        "auth.algorithm_not_allowed",
        "The token is signed with an algorithm this server refuses",
      );
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return unauthorized(
        "auth.invalid_signature",
        "The token's signature does not verify with this server's keys",
      );
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const { claim, reason } = error as { claim?: string; reason?: string };
      if (claim === "exp")
        return unauthorized("auth.expiry_required", "The token must carry an expiry (exp)");
      if (claim === "iss")
        return unauthorized("auth.wrong_issuer", "The token was not issued by the expected issuer");
      if (claim === "aud")
        return unauthorized("auth.wrong_audience", "The token is not meant for this audience");
      if (claim === "nbf") return unauthorized("auth.token_not_yet_valid", "The token is not valid yet");
      return unauthorized(
        "auth.invalid_claims",
        `The token's ${claim ?? "claims"} claim is ${reason ?? "invalid"}`,
      );
    }
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return jwksUnavailable();
    default:
      return unauthorized("auth.malformed_token", "The bearer token is not a valid JWT");
  }
}

export type TokenVerifier = (token: string) => Promise<Principal>;

export interface TokenCacheStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
}

/** A remembered token is verified again after this long even before its expiry (a JWKS key may be withdrawn). */
const TOKEN_CACHE_TTL_MS = 60_000;

/**
 * Remembers the principal of each token `verify` accepted, so that a caller sending the same token
 * request after request is not verified (HMAC or RSA, claims, zod) every time: at most `capacity` tokens
 * (least recently used out first), each until its `exp` — the moment `jwtVerify` would start refusing it —
 * and at most TOKEN_CACHE_TTL_MS after it was verified. Refusals are not remembered: a bad token costs a
 * verification each time, as before. The key is the whole token, signature included, so only the very
 * text that verified is ever answered from here.
 */
export function cachedTokenVerifier(
  verify: TokenVerifier,
  capacity: number,
  now: () => number = Date.now,
): { verify: TokenVerifier; stats(): TokenCacheStats } {
  const entries = new Map<string, { principal: Principal; until: number }>();
  let hits = 0;
  let misses = 0;
  return {
    async verify(token) {
      const entry = entries.get(token);
      if (entry !== undefined) {
        entries.delete(token);
        if (now() < entry.until) {
          entries.set(token, entry); // most recently used last
          hits += 1;
          return entry.principal;
        }
      }
      misses += 1;
      const principal = await verify(token);
      if (capacity > 0) {
        const exp = expiryOf(token);
        const until = Math.min(exp ?? 0, now() + TOKEN_CACHE_TTL_MS);
        if (until > now()) {
          entries.set(token, { principal, until });
          if (entries.size > capacity) {
            const oldest = entries.keys().next();
            if (!oldest.done) entries.delete(oldest.value);
          }
        }
      }
      return principal;
    },
    stats: () => ({ size: entries.size, capacity, hits, misses }),
  };
}

/** The `exp` of a token that verified, in ms (jose required it); undefined if it cannot be read. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      exp?: unknown;
    };
    return typeof payload.exp === "number" ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies motcua bearer tokens: the algorithm must be on the configured allow-list (HS256 with the shared
 * secret in development, RS256 from the JWKS when one is configured; `none` never), `exp` is required,
 * issuer and audience are checked when configured, and the claims must name a role (and a unit for officers).
 */
export function createTokenVerifier(auth: AuthConfig): TokenVerifier {
  // Imported once: jose would otherwise import the raw secret through WebCrypto on every request.
  const secret =
    auth.jwtSecret === undefined
      ? undefined
      : globalThis.crypto.subtle.importKey(
          "raw",
          new TextEncoder().encode(auth.jwtSecret),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["verify"],
        );
  const jwks =
    auth.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(auth.jwksUrl), { timeoutDuration: 3_000, cooldownDuration: 30_000 });

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === "HS256" && secret !== undefined) return await secret;
    if (header.alg === "RS256" && jwks !== undefined) {
      try {
        return await jwks(header, token);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw error;
        throw jwksUnavailable();
      }
    }
    throw unauthorized(
      "auth.algorithm_not_allowed",
      "The token is signed with an algorithm this server refuses",
    );
  };

  const options: JWTVerifyOptions = {
    algorithms: [...auth.algorithms],
    requiredClaims: ["exp", "sub"],
    ...(auth.issuer === undefined ? {} : { issuer: auth.issuer }),
    ...(auth.audience === undefined ? {} : { audience: auth.audience }),
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, options));
    } catch (error) {
      throw joseProblem(error);
    }
    // jose requires exp; a far one (a token "valid until 2500") is refused like an expired one would be.
    if (typeof payload.exp === "number" && payload.exp * 1000 - Date.now() > auth.maxTokenLifetimeMs) {
      throw unauthorized(
        "auth.token_lifetime_too_long",
        `The token's expiry lies more than ${Math.round(auth.maxTokenLifetimeMs / 60_000)} minutes ahead; ask for a shorter-lived token`,
      );
    }
    const claims = principalClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0];
      const claim = String(issue?.path[0] ?? "claims");
      if (claim === "unitId" && payload.role === "officer") {
        throw unauthorized("auth.unit_required", "An officer's token must carry the officer's unitId");
      }
      throw unauthorized(
        "auth.invalid_claims",
        `The token's ${claim} claim ${issue?.message ?? "is invalid"}`,
      );
    }
    const { sub, name, role, unitId } = claims.data;
    return { sub, name: name ?? sub, role, unitId };
  };
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header === undefined || header === "") {
    throw unauthorized(
      "auth.missing_token",
      "Send a bearer token: Authorization: Bearer <JWT>",
      "invalid_request",
    );
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) {
    throw unauthorized(
      "auth.malformed_header",
      "The Authorization header must be: Bearer <JWT>",
      "invalid_request",
    );
  }
  return match[1];
}

export interface AuthPluginOptions {
  readonly auth: AuthConfig;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app, options) => {
    const verifier = cachedTokenVerifier(createTokenVerifier(options.auth), options.auth.tokenCacheSize);
    const { verify } = verifier;
    app.decorate("tokenCacheStats", verifier.stats);
    app.decorateRequest("principal", null);
    app.decorate("authenticate", async (request: FastifyRequest) => {
      if (request.principal !== null) return request.principal;
      const principal = await verify(bearerToken(request));
      request.principal = principal;
      return principal;
    });
  },
  { name: "motcua-auth", fastify: "5.x", dependencies: ["motcua-errors"] },
);

/** The onRequest hooks that demand a token, so the OpenAPI document can say which routes do. */
const tokenGuards = new WeakSet<object>();

/** Whether a route's onRequest hooks demand a bearer token (`authenticated` or `requireRole`). */
export function demandsToken(onRequest: unknown): boolean {
  const hooks = Array.isArray(onRequest) ? onRequest : [onRequest];
  return hooks.some((hook) => typeof hook === "function" && tokenGuards.has(hook));
}

/** An onRequest hook: any valid token will do. */
export const authenticated: onRequestAsyncHookHandler = async function authenticatedHook(request) {
  await request.server.authenticate(request);
};
tokenGuards.add(authenticated);

/**
 * An onRequest hook: a valid token whose role is one of `roles`, else 401 (no or bad token) or 403
 * `auth.role_not_allowed`. Unit-level rules (an officer acts only on its unit's dossiers) belong to the route.
 */
export function requireRole(...roles: readonly Role[]): onRequestAsyncHookHandler {
  const hook: onRequestAsyncHookHandler = async function requireRoleHook(request) {
    const principal = await request.server.authenticate(request);
    if (!roles.includes(principal.role)) {
      throw new AppError(
        403,
        "auth.role_not_allowed",
        `This is for ${roles.join(" or ")}; the token's role is ${principal.role}`,
      );
    }
  };
  tokenGuards.add(hook);
  return hook;
}

/** The caller of a route guarded by `requireRole`/`authenticated`, typed as present. */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) {
    throw unauthorized(
      "auth.missing_token",
      "Send a bearer token: Authorization: Bearer <JWT>",
      "invalid_request",
    );
  }
  return request.principal;
}
