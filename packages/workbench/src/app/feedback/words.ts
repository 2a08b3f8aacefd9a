import type { Problem } from "../api";
import { fieldErrorWords, refusalWords } from "../vi";

/** A feedback's status in the words of the one-stop office. */
export const FEEDBACK_STATUS: Record<string, string> = {
  received: "Đã tiếp nhận",
  assigned: "Đang xử lý",
  answered: "Đã trả lời",
  closed: "Đã kết thúc",
};
export const feedbackStatusWords = (status: string) => FEEDBACK_STATUS[status] ?? status;

/** What the status means for the citizen following it. */
export const CITIZEN_FEEDBACK_NOTE: Record<string, string> = {
  received: "Phản ánh, kiến nghị đã được tiếp nhận và chờ đơn vị xử lý.",
  assigned: "Phản ánh, kiến nghị đã được giao cho cán bộ xử lý.",
  answered: "Đơn vị đã trả lời phản ánh, kiến nghị.",
  closed: "Việc xử lý phản ánh, kiến nghị đã kết thúc.",
};

const VIETNAMESE = /[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]/i;

/** The API says the rules of the feedback form in Vietnamese already; anything else is translated. */
function messageWords(message: string): string {
  if (!VIETNAMESE.test(message)) return fieldErrorWords(message);
  const text = message.trim();
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;
}

/** A refusal laid out for a form: messages by field (`about.unitId`), and one for the whole form. */
export function feedbackFormErrors(problem: Problem): {
  fields: Record<string, string>;
  form: string | null;
} {
  const fields: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    const path = error.path.replace(/^body\.?/, "");
    if (path !== "" && !(path in fields)) fields[path] = messageWords(error.message);
  }
  if (Object.keys(fields).length > 0) return { fields, form: null };
  if (problem.code.startsWith("feedback.") && problem.detail && VIETNAMESE.test(problem.detail)) {
    return { fields, form: messageWords(problem.detail) };
  }
  if (problem.status === 429) {
    return { fields, form: "Bạn đã gửi quá nhiều phản ánh trong thời gian ngắn; vui lòng thử lại sau." };
  }
  return { fields, form: refusalWords(problem) };
}
