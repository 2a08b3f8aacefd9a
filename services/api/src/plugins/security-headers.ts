import type { IncomingMessage, ServerResponse } from "node:http";
import fp from "fastify-plugin";
import helmet, { type HelmetOptions } from "helmet";

/**
 * helmet's security headers (CSP, HSTS, X-Frame-Options, nosniff, …, and no X-Powered-By) on every answer.
 *
 * helmet's middleware is built once, at start. `@fastify/helmet` rebuilt it on every request — parsing the
 * CSP directives again each time — and added an async hook per request for its `reply.helmet` and
 * `reply.cspNonce` decorators, which nothing here uses (no CSP nonces, no per-route helmet options): ≈ 2–3 %
 * of the API's CPU per command under `pnpm bench:commands`.
 *
 * With options that hold no function (no nonce, no directive computed per request) helmet writes the same
 * headers on every response, so it runs once, at start, on a stand-in response that records them, and each
 * request gets them as Fastify reply headers: ≈ 2 % of the API's CPU per command went to running helmet's
 * middlewares and Node's `setHeader` (which validates and stores each of the 12 headers, that `writeHead`
 * then walks again) on every request. A route's own value for one of them still wins, as before (it is
 * set later); Node never sets the X-Powered-By that helmet removes. Options with a function keep helmet's
 * middleware per request.
 */
export const securityHeadersPlugin = fp<HelmetOptions>(
  async (app, options) => {
    const applyHeaders = helmet(options);
    const fixed = holdsFunction(options) ? undefined : headersWritten(applyHeaders);
    if (fixed !== undefined) {
      app.addHook("onRequest", (_request, reply, done) => {
        reply.headers(fixed);
        done();
      });
      return;
    }
    app.addHook("onRequest", (request, reply, done) => {
      // helmet throws its errors rather than passing them on (since 8.1); `next` only ever continues.
      applyHeaders(request.raw, reply.raw, () => done());
    });
  },
  { name: "motcua-security-headers", fastify: "5.x" },
);

function holdsFunction(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null) return false;
  return Object.values(value).some(holdsFunction);
}

type HeaderValue = string | number | string[];
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The headers a middleware sets on a response (lower-case names), when it only sets and removes headers. */
function headersWritten(middleware: Middleware): Record<string, HeaderValue> | undefined {
  const headers: Record<string, HeaderValue> = {};
  let finished = false;
  const response = {
    setHeader(name: string, value: HeaderValue) {
      headers[name.toLowerCase()] = value;
      return response;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  try {
    middleware({ headers: {} } as IncomingMessage, response as unknown as ServerResponse, (error) => {
      finished = error === undefined || error === null;
    });
  } catch {
    return undefined;
  }
  return finished ? headers : undefined;
}
