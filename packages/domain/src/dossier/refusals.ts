/** Every rule the decider can refuse a command by (API.md lists them for clients). */
export type RefusalCode =
  | "apology.promised_at_not_after_due"
  | "apology.promised_at_not_in_future"
  | "apology.promised_at_outside_working_time"
  | "applicant.required"
  | "dossier.action_not_allowed"
  | "dossier.already_exists"
  | "dossier.already_overdue"
  | "dossier.already_received"
  | "dossier.already_resolved"
  | "dossier.already_returned"
  | "dossier.awaiting_payment"
  | "dossier.awaiting_supplement"
  | "dossier.id_mismatch"
  | "dossier.intake_refused"
  | "dossier.invalid_code"
  | "dossier.no_deadline"
  | "dossier.not_awaiting_payment"
  | "dossier.not_awaiting_supplement"
  | "dossier.not_found"
  | "dossier.not_pending"
  | "dossier.not_received"
  | "dossier.not_resolved"
  | "dossier.not_submitted"
  | "dossier.not_yet_due"
  | "dossier.stopped"
  | "dossier.supplement_window_open"
  | "dossier.target_unit_closed"
  | "dossier.target_unit_not_yet_open"
  | "dossier.transfer_off_path"
  | "dossier.transfer_to_same_unit"
  | "dossier.unit_closed"
  | "dossier.unit_not_competent"
  | "dossier.unit_not_yet_open"
  | "dossier.withdrawn"
  | "procedure.unknown"
  | "rating.already_rated"
  | "rating.code_invalid"
  | "rating.not_returned"
  | "result.already_issued_electronically"
  | "result.not_approved"
  | "sync.already_recorded"
  | "time.before_last_event"
  | "time.invalid"
  | "time.out_of_range"
  | "time.promised_at_too_far_ahead"
  | "time.step_due_at_too_far_ahead";

/** An expected "no": a stable code a client can act on, and a sentence an officer can read. */
export interface Refusal {
  readonly code: RefusalCode;
  readonly message: string;
}

export const refusal = (code: RefusalCode, message: string): Refusal => ({ code, message });

export type Decision<Event> =
  | { readonly ok: true; readonly events: readonly Event[] }
  | { readonly ok: false; readonly refusal: Refusal };

export const accept = <Event>(...events: Event[]): Decision<Event> => ({ ok: true, events });
export const refuse = <Event = never>(code: RefusalCode, message: string): Decision<Event> => ({
  ok: false,
  refusal: refusal(code, message),
});
