import { SignJWT } from "jose";
import { parseDurationMs } from "./duration";
import { isRole, type Role, roles } from "./principal";

export interface DevTokenClaims {
  readonly role: Role;
  readonly unitId?: string | undefined;
  readonly sub?: string | undefined;
  readonly name?: string | undefined;
  /** Lifetime like `8h`, `15m`, `3600s`; default 8 hours. */
  readonly ttl?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

export class DevTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DevTokenError";
  }
}

/**
 * Signs an HS256 token the development server accepts. For tests, demos and `pnpm token`; production
 * verifies RS256 tokens from the identity provider's JWKS instead.
 */
export async function signDevToken(
  claims: DevTokenClaims,
  secret: string,
  now: Date = new Date(),
): Promise<string> {
  if (!isRole(claims.role)) {
    throw new DevTokenError(`unknown role "${String(claims.role)}": use one of ${roles.join(", ")}`);
  }
  if (claims.role === "officer" && (claims.unitId === undefined || claims.unitId === "")) {
    throw new DevTokenError("an officer token needs a unit: pass --unit <unitId>");
  }
  const ttlMs = parseDurationMs(claims.ttl ?? "8h");
  if (ttlMs === undefined)
    throw new DevTokenError(`bad ttl "${claims.ttl}": use a duration like 8h, 30m or 3600s`);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const sub = claims.sub ?? `dev-${claims.role}${claims.unitId === undefined ? "" : `-${claims.unitId}`}`;
  const payload: Record<string, string> = {
    role: claims.role,
    name: claims.name ?? `Development ${claims.role}`,
  };
  if (claims.unitId !== undefined) payload.unitId = claims.unitId;
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.ceil(ttlMs / 1000));
  if (claims.issuer !== undefined) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
