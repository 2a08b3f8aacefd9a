import { z } from "zod";
import type { RouteSlice } from "../app";
import { AppError, problemResponse } from "../problem";

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

const unavailable = () =>
  new AppError(503, "auth.oidc_unavailable", "The identity provider does not answer; try again", {
    headers: { "retry-after": "5" },
  });

/**
 * How the workbench signs people in. `GET /auth/sign-in-options` says which ways this installation offers:
 * the development list (never in production) and/or the province's identity provider (OpenID Connect).
 * For the provider, the browser runs the authorization code flow with PKCE (it alone holds the verifier)
 * and hands the code here: `POST /auth/oidc/token` redeems it at the provider's token endpoint, server to
 * server, so the page's CSP needs no other origin than this one. The answer is the provider's ID token,
 * which the API then verifies like any RS256 token (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE).
 */
export function oidcSignInRoutes(deps: {
  oidc: { issuer: string; clientId: string } | undefined;
  developmentSignIn: boolean;
  fetch?: typeof fetch;
}): RouteSlice {
  const fetchImpl = deps.fetch ?? fetch;
  let discovery: Promise<Discovery> | null = null;
  const discover = (issuer: string): Promise<Discovery> => {
    discovery ??= fetchImpl(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(5_000),
    })
      .then(async (r) => {
        if (!r.ok) throw unavailable();
        return (await r.json()) as Discovery;
      })
      .catch((error: unknown) => {
        discovery = null;
        throw error instanceof AppError ? error : unavailable();
      });
    return discovery;
  };

  return async (app) => {
    app.get(
      "/auth/sign-in-options",
      {
        schema: {
          tags: ["development"],
          summary: "How the workbench signs people in here: the development list and/or OpenID Connect",
          response: {
            200: z.object({
              development: z.boolean(),
              oidc: z
                .object({ issuer: z.string(), clientId: z.string(), authorizationEndpoint: z.string() })
                .nullable(),
            }),
            503: problemResponse("The identity provider does not answer"),
          },
        },
      },
      async () => ({
        development: deps.developmentSignIn,
        oidc: deps.oidc
          ? {
              issuer: deps.oidc.issuer,
              clientId: deps.oidc.clientId,
              authorizationEndpoint: (await discover(deps.oidc.issuer)).authorization_endpoint,
            }
          : null,
      }),
    );

    app.post(
      "/auth/oidc/token",
      {
        schema: {
          tags: ["development"],
          summary: "Redeems an authorization code (with its PKCE verifier) at the identity provider",
          body: z
            .object({
              code: z.string().min(1).max(2_000),
              codeVerifier: z.string().min(43).max(128),
              redirectUri: z.url(),
            })
            .strict(),
          response: {
            200: z.object({ token: z.string(), expiresAt: z.string() }),
            400: problemResponse("Invalid input"),
            401: problemResponse("The identity provider refused the code"),
            404: problemResponse("No identity provider configured"),
            503: problemResponse("The identity provider does not answer"),
          },
        },
      },
      async (request) => {
        const oidc = deps.oidc;
        if (!oidc) throw new AppError(404, "auth.oidc_not_configured", "No identity provider is configured");
        const { token_endpoint } = await discover(oidc.issuer);
        const response = await fetchImpl(token_endpoint, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code: request.body.code,
            redirect_uri: request.body.redirectUri,
            client_id: oidc.clientId,
            code_verifier: request.body.codeVerifier,
          }),
          signal: AbortSignal.timeout(5_000),
        }).catch(() => {
          throw unavailable();
        });
        if (response.status >= 500) throw unavailable();
        const answer = (await response.json().catch(() => ({}))) as {
          id_token?: string;
          expires_in?: number;
        };
        if (!response.ok || typeof answer.id_token !== "string")
          throw new AppError(401, "auth.oidc_refused", "The identity provider refused the sign-in");
        const payload = JSON.parse(
          Buffer.from(answer.id_token.split(".")[1] ?? "", "base64url").toString(),
        ) as {
          exp?: number;
        };
        return {
          token: answer.id_token,
          expiresAt: new Date((payload.exp ?? Math.floor(Date.now() / 1000) + 300) * 1000).toISOString(),
        };
      },
    );
  };
}
