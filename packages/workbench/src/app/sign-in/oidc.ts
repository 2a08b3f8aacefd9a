import { api, isProblem } from "../api";
import { forgetReferenceData } from "../reference";
import { type Role, saveSession } from "../session";
import { refusalWords } from "../vi";

/**
 * OpenID Connect, authorization code with PKCE: the verifier and the state stay in this tab's
 * sessionStorage; the provider sends back a one-time code, which the API redeems for the ID token.
 */
const PENDING = "motcua.oidc.pending";

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const randomToken = () => base64url(crypto.getRandomValues(new Uint8Array(32)));

export const redirectUri = () => `${globalThis.location.origin}/dang-nhap/oidc`;

export async function startOidcSignIn(
  options: { authorizationEndpoint: string; clientId: string },
  next: string,
) {
  const verifier = randomToken();
  const state = randomToken();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, next }));
  const url = new URL(options.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: redirectUri(),
    scope: "openid profile",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
  }).toString();
  globalThis.location.assign(url.toString());
}

/** Back from the provider: check the state, redeem the code, keep the session; returns where to go, or an error. */
export async function finishOidcSignIn(
  search: URLSearchParams,
): Promise<{ next: string } | { error: string }> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as {
    verifier: string;
    state: string;
    next: string;
  } | null;
  sessionStorage.removeItem(PENDING);
  const code = search.get("code");
  if (search.get("error")) return { error: "Hệ thống xác thực của tỉnh từ chối đăng nhập." };
  if (!pending || !code || search.get("state") !== pending.state)
    return { error: "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại." };
  const answer = await api.POST("/auth/oidc/token", {
    body: { code, codeVerifier: pending.verifier, redirectUri: redirectUri() },
  });
  if (!answer.data)
    return { error: isProblem(answer.error) ? refusalWords(answer.error) : "Không đăng nhập được." };
  const payload = atob((answer.data.token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(payload, (c) => c.charCodeAt(0)))) as {
    name?: string;
    role?: Role;
    unitId?: string;
    unitName?: string;
    sub: string;
  };
  if (!claims.role) return { error: "Tài khoản chưa được phân quyền trong hệ thống Một cửa." };
  forgetReferenceData();
  saveSession({
    token: answer.data.token,
    expiresAt: answer.data.expiresAt,
    role: claims.role,
    name: claims.name ?? claims.sub,
    ...(claims.unitId ? { unitId: claims.unitId } : {}),
    ...(claims.unitName ? { unitName: claims.unitName } : {}),
  });
  return { next: pending.next.startsWith("/") ? pending.next : "/" };
}
