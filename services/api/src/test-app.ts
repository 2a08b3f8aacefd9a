import { Writable } from "node:stream";
import {
  type Config,
  createLogger,
  DEV_JWT_SECRET,
  type DevTokenClaims,
  type Logger,
  loadConfig,
  signDevToken,
} from "@motcua/platform";
import { type App, type AppDeps, buildApp } from "./app";

/** Support for the API's own tests: a quiet app on development config, and tokens for it. */

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: "silent", ...env });
}

export interface TestAppOptions extends Omit<AppDeps, "config"> {
  readonly env?: Record<string, string>;
}

export function buildTestApp(options: TestAppOptions = {}): Promise<App> {
  const { env, ...deps } = options;
  return buildApp({ defaultMetrics: false, ...deps, config: testConfig(env) });
}

export const devToken = (claims: DevTokenClaims, secret: string = DEV_JWT_SECRET): Promise<string> =>
  signDevToken(claims, secret);

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A logger whose lines a test can read back, to check what was (not) logged. */
export function capturedLogger(): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level: "info", destination });
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}
