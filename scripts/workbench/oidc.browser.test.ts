import type { Server } from "node:http";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  type Harness,
  openContext,
  screenshot,
  seriousAccessibilityViolations,
  startHarness,
  UNITS,
} from "./harness";

/**
 * Production sign-in: OpenID Connect, authorization code with PKCE, against a real OpenID provider run
 * by the test (the `oidc-provider` package, its development login and consent pages). The API redeems
 * the code and then accepts the provider's ID token as it accepts any RS256 token: against the
 * provider's JWKS, issuer and audience.
 */
const CLIENT_ID = "motcua-workbench";
let h: Harness;
let idp: Server;
let issuer: string;

beforeAll(async () => {
  const idpPort = await freePort();
  const apiPort = await freePort();
  issuer = `http://127.0.0.1:${idpPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: "none",
        redirect_uris: [`http://127.0.0.1:${apiPort}/dang-nhap/oidc`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], profile: ["name", "role", "unitId"] },
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: "Nguyễn Văn Tỉnh", role: "officer", unitId: UNITS.wardA.unitId };
        },
      };
    },
  });
  idp = provider.listen(idpPort);
  h = await startHarness("wb_oidc", {
    port: apiPort,
    env: {
      AUTH_JWKS_URL: `${issuer}/jwks`,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: CLIENT_ID,
      AUTH_OIDC_ISSUER: issuer,
      AUTH_OIDC_CLIENT_ID: CLIENT_ID,
    },
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => (idp ? idp.close(resolve) : resolve(undefined)));
});

describe("signing in through the province's identity provider in Chromium", () => {
  it("runs the code flow with PKCE, keeps the token out of the address bar, and opens the officer's worklist", async () => {
    const { context, page, errors } = await openContext(h);
    const visited: string[] = [];
    page.on("request", (request) => visited.push(request.url()));
    try {
      await page.goto(`${h.base}/`);
      await page.getByRole("button", { name: "Đăng nhập bằng tài khoản của tỉnh" }).click();
      // The provider's own login and consent pages.
      await page.waitForURL((url) => url.origin === issuer);
      await page.locator('input[name="login"]').fill("can-bo-pdp");
      await page.locator('input[name="password"]').fill("mat-khau");
      await page.locator('button[type="submit"]').click();
      await page.locator('button[type="submit"]').click();
      // Back on the workbench: signed in, or a refusal said in words (which would fail here with its text).
      await page.locator("table.worklist, [role=alert]").first().waitFor();
      expect(await page.locator("[role=alert]").allTextContents()).toEqual([]);
      expect(await page.locator(".who").textContent()).toContain("Nguyễn Văn Tỉnh");
      await screenshot(page, "40-oidc-worklist-1366");

      // The authorization request carried a PKCE challenge; no address ever carried a token.
      const authorize = visited.find((u) => u.startsWith(issuer) && u.includes("code_challenge="));
      expect(authorize, visited.join("\n")).toContain("code_challenge_method=S256");
      for (const url of visited) expect(url).not.toMatch(/id_token|access_token|eyJ/);
      expect(page.url()).toBe(`${h.base}/`);
      const token = (await page.evaluate(
        "JSON.parse(sessionStorage.getItem('motcua.session')).token",
      )) as string;
      const claims = JSON.parse(Buffer.from(token.split(".")[1] as string, "base64url").toString());
      expect(claims).toMatchObject({
        iss: issuer,
        aud: CLIENT_ID,
        role: "officer",
        unitId: UNITS.wardA.unitId,
      });
      expect(JSON.parse(Buffer.from(token.split(".")[0] as string, "base64url").toString()).alg).toBe(
        "RS256",
      );

      // The sign-in page offers both here (development, with a provider configured); it passes axe.
      await page.goto(`${h.base}/dang-nhap`);
      await page.getByRole("button", { name: "Đăng nhập bằng tài khoản của tỉnh" }).waitFor();
      await screenshot(page, "41-sign-in-with-oidc-1366");
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      // The provider's development pages fetch fonts from the internet and have no favicon: not ours.
      expect(errors.filter((e) => e.includes(h.base))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
