import { createHmac, timingSafeEqual } from "node:crypto";
import { type Actor, type DecisionContext, decide, type RatingScores } from "@motcua/domain";
import type { CommandDeps, CommandRequest } from "./command-request";
import { uuidFromName } from "./ids";
import { asReceived, loadDossier } from "./load-dossier";
import { type CommandResult, NOT_FOUND, refusalOfDecision, refused } from "./outcomes";
import { appendDecided, subjectOf } from "./record-events";

/** Crockford's base 32: no I, L, O, U, so a code read off paper is hard to mistype. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 10 characters, 50 bits: with the public rate limit, far beyond guessing. */
const CODE_LENGTH = 10;

/**
 * The rating code of a dossier, printed on form 01 and sent with the "result ready" notice: an HMAC of
 * the dossier id under the server's secret (`RATING_CODE_SECRET`), so it can be printed again at any
 * time, nothing secret is stored, and knowing a dossier's code (on the slip, in the QR) tells nothing of
 * its rating code. Written `XXXXX-XXXXX`.
 */
export function ratingCodeOf(secret: Buffer, dossierId: string): string {
  const digest = createHmac("sha256", secret)
    .update(`motcua-rating-code-v1:${dossierId.toLowerCase()}`)
    .digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 8)) bits = (bits << 8n) | BigInt(byte);
  let code = "";
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[Number((bits >> BigInt(59 - 5 * i)) & 31n)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** A code as typed: case, spaces and dashes ignored, O read as 0 and I or L as 1 (Crockford). */
export const normalizeRatingCode = (typed: string): string =>
  typed.toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");

/** Whether `typed` is the dossier's rating code, compared in constant time. */
export function ratingCodeMatches(secret: Buffer, dossierId: string, typed: string): boolean {
  const expected = Buffer.from(normalizeRatingCode(ratingCodeOf(secret, dossierId)));
  const given = Buffer.from(normalizeRatingCode(typed));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Who rates: the applicant, unnamed (the code proves they hold the slip, not who they are). */
export const CITIZEN_ACTOR: Actor = { id: "citizen", role: "citizen", unitId: null };

export interface RatingInput {
  readonly ratingCode: string;
  readonly scores: RatingScores;
  readonly comment?: string | undefined;
}

/**
 * The applicant rates their returned dossier from the public page: the rating code is checked first (a
 * wrong one is refused the same whatever the dossier's state, so a guess learns nothing), then the
 * decider allows one rating of a returned dossier. The comment is sealed under the applicant's key.
 */
export async function rateDossier(
  deps: CommandDeps & { readonly ratingCodeSecret: Buffer },
  dossierId: string,
  input: RatingInput,
  correlationId: string,
): Promise<CommandResult> {
  const loaded = await loadDossier(deps.store, dossierId);
  const dossier = asReceived(loaded.state);
  if (loaded.revision === 0 || !dossier) return refused(NOT_FOUND);
  if (!ratingCodeMatches(deps.ratingCodeSecret, dossierId, input.ratingCode)) {
    return refused({
      kind: "NotAllowed",
      code: "rating.code_invalid",
      detail: "The rating code does not match this dossier",
    });
  }
  const context: DecisionContext = {
    now: deps.now().toISOString(),
    actor: CITIZEN_ACTOR,
    schedule: await deps.reference.schedule(dossier.receivingUnitId),
  };
  const decision = decide(
    {
      type: "RateDossier",
      data: { scores: input.scores, ...(input.comment ? { comment: input.comment } : {}) },
    },
    loaded.state,
    context,
  );
  if (!decision.ok) return refused(refusalOfDecision(decision.refusal));
  const request: CommandRequest = {
    principal: { sub: CITIZEN_ACTOR.id, name: "Người nộp hồ sơ", role: "portal", unitId: undefined },
    // One rating per dossier: a second attempt is refused by the decider, never appended twice.
    commandId: uuidFromName("motcua.rating", dossierId),
    correlationId,
  };
  return appendDecided(deps, {
    dossierId,
    events: decision.events,
    expected: loaded.revision,
    request,
    subjectId: subjectOf(deps, dossierId, loaded.events),
    actor: CITIZEN_ACTOR,
    from: loaded.state,
  });
}
