/**
 * How a pending dossier stands against its deadline, as the API judges it (`overdue`, `dueSoon`: within
 * the next 24 working hours); the page only picks the colour. One judgement, the API's.
 */
export type DueState = "overdue" | "due-soon" | "in-time";

export const dueState = (d: { overdue: boolean; dueSoon?: boolean }): DueState =>
  d.overdue ? "overdue" : d.dueSoon ? "due-soon" : "in-time";

export const DUE_STATE_WORDS: Record<DueState, string> = {
  overdue: "Quá hạn",
  "due-soon": "Sắp đến hạn",
  "in-time": "Trong hạn",
};
