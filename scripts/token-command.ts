import { parseArgs } from "node:util";
import { ConfigError, DevTokenError, loadConfig, roles, signDevToken } from "@motcua/platform";

export const tokenUsage = `Usage: pnpm run token --role <${roles.join("|")}> [--unit <unitId>] [--sub <id>] [--name <name>] [--ttl 8h]

Prints a development token signed with AUTH_JWT_SECRET (or the development default).
An officer needs --unit: officers act for the unit that holds the dossier.`;

export type TokenCommandResult =
  | { readonly ok: true; readonly token: string }
  | { readonly ok: false; readonly message: string };

/** `pnpm token`: parses the arguments, signs, and says what went wrong in words a user can act on. */
export async function runTokenCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<TokenCommandResult> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        role: { type: "string" },
        unit: { type: "string" },
        sub: { type: "string" },
        name: { type: "string" },
        ttl: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, message: `${(error as Error).message}\n\n${tokenUsage}` };
  }
  if (values.help === true) return { ok: false, message: tokenUsage };
  if (typeof values.role !== "string") return { ok: false, message: `--role is required.\n\n${tokenUsage}` };

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, message: error.message };
    throw error;
  }
  if (config.auth.jwtSecret === undefined) {
    return {
      ok: false,
      message:
        "NODE_ENV=production verifies RS256 tokens from AUTH_JWKS_URL only: get a token from the identity provider.",
    };
  }
  const str = (value: unknown) => (typeof value === "string" ? value : undefined);
  try {
    const token = await signDevToken(
      {
        role: values.role as never,
        unitId: str(values.unit),
        sub: str(values.sub),
        name: str(values.name),
        ttl: str(values.ttl),
        issuer: config.auth.issuer,
        audience: config.auth.audience,
      },
      config.auth.jwtSecret,
    );
    return { ok: true, token };
  } catch (error) {
    if (error instanceof DevTokenError) return { ok: false, message: error.message };
    throw error;
  }
}
