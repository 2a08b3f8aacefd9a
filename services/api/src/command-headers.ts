import type { Principal } from "@motcua/platform";
import { z } from "zod";
import { AppError } from "./problem";

/**
 * The headers every command accepts (API.md): `Idempotency-Key` — a retry with the same key and body
 * returns the first answer; `If-Match: "<revision>"` — a stale revision is 409 and appends nothing.
 * Put `commandHeaders` in a route's `schema.headers`; read the revision with `expectedRevision`.
 */
export const commandHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200, "must be at most 200 characters")
    .optional()
    .meta({ description: "Retries with the same key and body return the first answer and append nothing" }),
  "if-match": z
    .string()
    .regex(/^(?:W\/)?(?:"\d{1,15}"|\d{1,15})$/, 'must be a revision like "3"')
    .optional()
    .meta({ description: 'The revision the caller last saw, e.g. "3"; a stale one is 409' }),
});

/** The revision in `If-Match: "3"` (quotes optional), or undefined when the header is absent. */
export function expectedRevision(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  // Quoted or bare, never half-quoted (`"1` or `1"` is a malformed header, not revision 1).
  const match = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(ifMatch.trim());
  const digits = match?.[1] ?? match?.[2];
  if (digits === undefined) {
    throw new AppError(400, "request.invalid", 'If-Match must be a revision like "3"', {
      title: "Invalid request",
      errors: [{ path: "headers.if-match", message: 'must be a revision like "3"' }],
    });
  }
  return Number(digits);
}

/**
 * `at` (when an action really happened) is for admins migrating history; anyone else sending it gets
 * 403 `command.at_not_allowed` (API.md). Whether `at` fits the dossier's history is the domain's call.
 */
export function assertMayBackdate(principal: Principal, at: unknown): void {
  if (at !== undefined && principal.role !== "admin") {
    throw new AppError(403, "command.at_not_allowed", "Only an admin migrating history may set `at`");
  }
}
