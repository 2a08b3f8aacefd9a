import type { Problem } from "./api";
import { fieldErrorWords, refusalWords } from "./vi";

/** A refusal laid out for a form: messages by field (`applicant.name`), and one for the whole form. */
export interface FormErrors {
  readonly fields: Readonly<Record<string, string>>;
  readonly form: string | null;
}

export const noErrors: FormErrors = { fields: {}, form: null };

/**
 * The API names the field it refuses (`body.applicant.name`); the form shows the Vietnamese words next to
 * that field. A refusal that names no field (a rule of the dossier's state) goes next to the button.
 */
/** Refusals of a rule about one field's value (not the request's shape): shown next to that field. */
const FIELD_OF_CODE: readonly [RegExp, string][] = [
  [/^apology\.promised_at_|^time\.promised_at_/, "promisedAt"],
  [/^dossier\.(transfer_off_path|transfer_to_same_unit|target_unit_)/, "toUnitId"],
  [/^dossier\.unit_not_competent$|^procedure\.unknown$/, "procedureId"],
  [/^applicant\.required$/, "applicant.name"],
];

export function formErrorsOf(problem: Problem): FormErrors {
  const fields: Record<string, string> = {};
  const field = FIELD_OF_CODE.find(([pattern]) => pattern.test(problem.code))?.[1];
  if (field && (problem.errors ?? []).length === 0)
    return { fields: { [field]: refusalWords(problem) }, form: null };
  for (const error of problem.errors ?? []) {
    const path = error.path.replace(/^body\.?/, "");
    if (path !== "" && !(path in fields)) fields[path] = fieldErrorWords(error.message);
  }
  const named = Object.keys(fields).length > 0;
  return { fields, form: named ? null : refusalWords(problem) };
}
