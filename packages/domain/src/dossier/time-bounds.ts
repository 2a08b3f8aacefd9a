import { MS_PER_DAY, parseInstant } from "../time/local-time";
import type { DossierCommand } from "./commands";
import { type Decision, refuse } from "./refusals";
import type { DossierState } from "./state";
import { isWithinActionSpan } from "./values";

/**
 * How far ahead of receipt a promised moment (apology) or a step deadline (forward) may lie: five years,
 * counted as 1,827 days so that two leap days fit. A dossier's own limit is at most 3,650 days only in
 * theory; in practice no appointment is set years ahead, and an unbounded one once halted a projection.
 */
export const MAX_DAYS_AHEAD_OF_RECEIPT = 1_827;

/**
 * The time bounds the decider keeps whatever reached it: the action's moment inside the span people may
 * name (2000–2099), and dates a command names no more than five years after the dossier's receipt. The
 * schemas refuse most of these at the edge; this keeps every decided event projectable.
 */
export function timeBoundRefusal(
  command: DossierCommand,
  state: DossierState,
  now: number,
): Decision<never> | null {
  if (!isWithinActionSpan(now)) {
    return refuse("time.out_of_range", "the time of the action must lie between 2000-01-01 and 2099-12-31");
  }
  if (state.status === "none" || state.status === "submitted" || state.status === "refused") return null;
  const latest = parseInstant(state.receivedAt) + MAX_DAYS_AHEAD_OF_RECEIPT * MS_PER_DAY;
  const named =
    command.type === "IssueApology"
      ? {
          field: "promisedAt",
          code: "time.promised_at_too_far_ahead" as const,
          value: command.data.promisedAt,
        }
      : command.type === "ForwardDossier" && command.data.stepDueAt !== undefined
        ? {
            field: "stepDueAt",
            code: "time.step_due_at_too_far_ahead" as const,
            value: command.data.stepDueAt,
          }
        : null;
  if (named === null) return null;
  const instant = parseInstant(named.value);
  if (instant > latest || !isWithinActionSpan(instant)) {
    return refuse(
      named.code,
      `${named.field} must lie at most five years (${MAX_DAYS_AHEAD_OF_RECEIPT} days) after the dossier's receipt`,
    );
  }
  return null;
}
