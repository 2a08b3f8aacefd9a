import fp from "fastify-plugin";
import helmet, { type HelmetOptions } from "helmet";

/**
 * helmet's security headers (CSP, HSTS, X-Frame-Options, nosniff, …, and no X-Powered-By) on every answer.
 *
 * helmet's middleware is built once, at start. `@fastify/helmet` rebuilt it on every request — parsing the
 * CSP directives again each time — and added an async hook per request for its `reply.helmet` and
 * `reply.cspNonce` decorators, which nothing here uses (no CSP nonces, no per-route helmet options): ≈ 2–3 %
 * of the API's CPU per command under `pnpm bench:commands`. The headers are the same: the same helmet
 * runs with the same options on the raw response, as before.
 */
export const securityHeadersPlugin = fp<HelmetOptions>(
  async (app, options) => {
    const applyHeaders = helmet(options);
    app.addHook("onRequest", (request, reply, done) => {
      // helmet throws its errors rather than passing them on (since 8.1); `next` only ever continues.
      applyHeaders(request.raw, reply.raw, () => done());
    });
  },
  { name: "motcua-security-headers", fastify: "5.x" },
);
