import type { FeedbackRefusalCode, Refusal } from "@motcua/domain";

/** What every command answers (API.md). */
export interface CommandAnswer {
  dossierId: string;
  code: string;
  status: string;
  dueAt: string | null;
  /** dueAt falls in a year whose official calendar notice is not loaded (counted on the law's fixed days). */
  dueAtProvisional: boolean;
  revision: number;
  position: number;
}

/**
 * A field of the command's input a refusal is about, by its path in that input (`unitId`,
 * `actions.2.at`); the API says where in the request the input came from.
 */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Refusals about a date the caller named: bad input rather than a state rule. */
export type InvalidTimeCode =
  | "command.at_in_future"
  | "command.at_before_last_event"
  | "time.out_of_range"
  | "time.promised_at_too_far_ahead"
  | "time.step_due_at_too_far_ahead";

/** The dossier cannot be created or the command cannot apply again: it exists, or the id was used. */
export type AlreadyCode = "dossier.already_received" | "dossier.already_exists" | "dossier.command_replayed";

/**
 * Why a command was not carried out: an expected "no", as data. `kind` says what sort of "no" it is (the
 * API answers each kind with one status), `code` the stable rule a client can act on (API.md), `detail`
 * a sentence an officer can read.
 */
export type CommandRefusal =
  | {
      readonly kind: "NotFound";
      readonly code: "dossier.not_found" | "feedback.not_found";
      readonly detail: string;
    }
  | {
      readonly kind: "NotHeldByYourUnit";
      readonly code: "dossier.not_held_by_your_unit" | "dossier.not_your_unit" | "feedback.not_your_unit";
      readonly detail: string;
    }
  | {
      readonly kind: "RevisionConflict";
      readonly code: "dossier.revision_conflict" | "feedback.revision_conflict";
      readonly detail: string;
      /** The dossier's revision, when the caller named the one it expected (If-Match). */
      readonly revision?: number;
    }
  | {
      readonly kind: "UnknownReference";
      readonly code: "reference.unknown";
      readonly detail: string;
      readonly fields: readonly FieldIssue[];
    }
  /** Reference data the dossier relies on has disappeared since it was submitted. */
  | { readonly kind: "ReferenceGone"; readonly code: "reference.unknown"; readonly detail: string }
  | {
      readonly kind: "InvalidTime";
      readonly code: InvalidTimeCode;
      readonly detail: string;
      readonly fields: readonly FieldIssue[];
      /** Which imported action it is about. */
      readonly actionIndex?: number;
    }
  | {
      readonly kind: "NotAllowed";
      /** A decider rule (`Refusal.code`), or one of the `AlreadyCode`s. */
      readonly code: AlreadyCode | Refusal["code"] | FeedbackRefusalCode;
      readonly detail: string;
      readonly actionIndex?: number;
    };

export type CommandRefusalKind = CommandRefusal["kind"];
export type CommandRefusalCode = CommandRefusal["code"];

export type CommandResult =
  | { readonly ok: true; readonly answer: CommandAnswer }
  | { readonly ok: false; readonly refusal: CommandRefusal };

export const answered = (answer: CommandAnswer): CommandResult => ({ ok: true, answer });
export const refused = (refusal: CommandRefusal): CommandResult => ({ ok: false, refusal });

export const NOT_FOUND: CommandRefusal = {
  kind: "NotFound",
  code: "dossier.not_found",
  detail: "There is no such dossier",
};

/** Someone appended to the dossier between our read and our append. */
export const CONCURRENT_CHANGE: CommandRefusal = {
  kind: "RevisionConflict",
  code: "dossier.revision_conflict",
  detail: "The dossier changed meanwhile; reload it and retry",
};

/** The caller's If-Match names a revision the dossier is no longer (or not yet) at. */
export const staleRevision = (revision: number, expected: number): CommandRefusal => ({
  kind: "RevisionConflict",
  code: "dossier.revision_conflict",
  detail: `The dossier is at revision ${revision}, not ${expected}`,
  revision,
});

export const atInFuture = (fields: readonly FieldIssue[], detail: string): CommandRefusal => ({
  kind: "InvalidTime",
  code: "command.at_in_future",
  detail,
  fields,
});

/** Date refusals of the decider: the field they are about (null: the action's own time) and why. */
const DATE_REFUSALS: Readonly<Record<string, { field: string | null; message: string }>> = {
  "time.out_of_range": { field: null, message: "must lie between 2000-01-01 and 2099-12-31" },
  "time.promised_at_too_far_ahead": {
    field: "promisedAt",
    message: "must lie at most five years after the dossier's receipt",
  },
  "time.step_due_at_too_far_ahead": {
    field: "stepDueAt",
    message: "must lie at most five years after the dossier's receipt",
  },
};

/**
 * The decider's refusal as a command refusal: a dossier that does not exist, a bad time or a date too far
 * ahead (naming the field), else a state rule. `atField` names the action's time in the command's input;
 * its sibling fields share its parent.
 */
export function refusalOfDecision(
  refusal: Refusal,
  atField = "at",
  actionIndex?: number | undefined,
): CommandRefusal {
  const index = actionIndex === undefined ? {} : { actionIndex };
  if (refusal.code === "dossier.not_found") return NOT_FOUND;
  const dateRefusal = DATE_REFUSALS[refusal.code];
  if (dateRefusal !== undefined) {
    const parent = atField.split(".").slice(0, -1).join(".");
    const field =
      dateRefusal.field === null
        ? atField
        : parent === ""
          ? dateRefusal.field
          : `${parent}.${dateRefusal.field}`;
    return {
      kind: "InvalidTime",
      code: refusal.code as InvalidTimeCode,
      detail: refusal.message,
      fields: [{ field, message: dateRefusal.message }],
      ...index,
    };
  }
  if (refusal.code === "time.before_last_event") {
    return {
      kind: "InvalidTime",
      code: "command.at_before_last_event",
      detail: refusal.message,
      fields: [{ field: atField, message: "must not precede the dossier's last event" }],
      ...index,
    };
  }
  return { kind: "NotAllowed", code: refusal.code, detail: refusal.message, ...index };
}

/** A refusal thrown by the callers that want an answer or an exception (the services' handle, tests). */
export class CommandRefused extends Error {
  constructor(readonly refusal: CommandRefusal) {
    super(refusal.detail);
    this.name = "CommandRefused";
  }
}

export function answerOrThrow(outcome: CommandResult): CommandAnswer {
  if (!outcome.ok) throw new CommandRefused(outcome.refusal);
  return outcome.answer;
}
