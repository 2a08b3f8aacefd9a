import { VIETNAM_UTC_OFFSET_MINUTES } from "@motcua/domain";

/**
 * The notices the scheduler sends, and their Vietnamese wording. Citizen-facing notices are addressed
 * generically ("Ông/Bà"): a notice names the dossier by its code, never the person behind it, so the
 * outbox, the job payloads and the logs hold no personal data. The contact is looked up at send time.
 */
export const NOTICE_KINDS = [
  "receipt",
  "supplement_request",
  "apology",
  "result_ready",
  "overdue",
  "due_soon",
  "due_today",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Who a notice is for: the applicant of the dossier, or the unit holding it. */
export type RecipientKind = "applicant" | "unit";

export const RECIPIENT_OF: Readonly<Record<NoticeKind, RecipientKind>> = {
  receipt: "applicant",
  supplement_request: "applicant",
  apology: "applicant",
  result_ready: "applicant",
  overdue: "unit",
  due_soon: "unit",
  due_today: "unit",
};

/** What a notice says, as facts; the wording comes from `renderNotice`. Times are epoch milliseconds. */
export type NoticeFacts =
  | {
      kind: "receipt";
      code: string;
      unitName: string;
      receivedAt: number;
      dueAt: number | null;
      /** The due moment's year has no holiday notice loaded yet (absent in notices written before). */
      dueAtProvisional?: boolean;
    }
  | { kind: "supplement_request"; code: string; unitName: string; at: number; respondBy: number | null }
  | { kind: "apology"; code: string; unitName: string; dueAt: number | null; promisedAt: number }
  | {
      kind: "result_ready";
      code: string;
      unitName: string;
      at: number;
      /** The code the applicant rates the handling with (absent in notices written before ratings). */
      ratingCode?: string;
    }
  | { kind: "overdue"; code: string; unitName: string; dueAt: number }
  | { kind: "due_soon"; code: string; unitName: string; dueAt: number }
  | { kind: "due_today"; code: string; unitName: string; dueAt: number };

export interface RenderedNotice {
  readonly subject: string;
  readonly body: string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `dd/MM/yyyy HH:mm` in Asia/Ho_Chi_Minh (UTC+7 all year, no daylight saving since 1975). */
export function formatVietnamDateTime(ms: number): string {
  const d = new Date(ms + VIETNAM_UTC_OFFSET_MINUTES * 60_000);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `HH:mm` in Asia/Ho_Chi_Minh. */
export function formatVietnamTime(ms: number): string {
  return formatVietnamDateTime(ms).slice(11);
}

const LOOKUP = "Tra cứu tình trạng hồ sơ trên Cổng dịch vụ công bằng mã hồ sơ";

export function renderNotice(facts: NoticeFacts): RenderedNotice {
  const t = formatVietnamDateTime;
  switch (facts.kind) {
    case "receipt":
      return {
        subject: `Phiếu tiếp nhận và hẹn trả kết quả — hồ sơ ${facts.code}`,
        body:
          `Kính gửi Ông/Bà: ${facts.unitName} đã tiếp nhận hồ sơ ${facts.code} lúc ${t(facts.receivedAt)}. ` +
          (facts.dueAt === null
            ? "Thủ tục này không có ngày hẹn trả kết quả. "
            : `Ngày hẹn trả kết quả: ${t(facts.dueAt)}${
                facts.dueAtProvisional
                  ? ` (tạm tính: chưa có thông báo lịch nghỉ lễ, Tết năm ${new Date(
                      facts.dueAt + VIETNAM_UTC_OFFSET_MINUTES * 60_000,
                    ).getUTCFullYear()}, ngày hẹn có thể lùi theo lịch nghỉ được công bố)`
                  : ""
              }. `) +
          `${LOOKUP} ${facts.code}.`,
      };
    case "supplement_request":
      return {
        subject: `Yêu cầu bổ sung, hoàn thiện hồ sơ ${facts.code} (Mẫu 02)`,
        body:
          `Kính gửi Ông/Bà: ngày ${t(facts.at)}, ${facts.unitName} đề nghị bổ sung, hoàn thiện hồ sơ ${facts.code}. ` +
          "Nội dung cần bổ sung được nêu trong Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02). " +
          (facts.respondBy === null ? "" : `Đề nghị Ông/Bà bổ sung trước ${t(facts.respondBy)}. `) +
          "Thời hạn giải quyết được tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.",
      };
    case "apology":
      return {
        subject: `Thư xin lỗi và hẹn lại ngày trả kết quả — hồ sơ ${facts.code} (Mẫu 04)`,
        body:
          `Kính gửi Ông/Bà: ${facts.unitName} xin lỗi vì hồ sơ ${facts.code} chưa được giải quyết đúng hạn` +
          (facts.dueAt === null ? ". " : ` (hẹn trả ${t(facts.dueAt)}). `) +
          `Ngày hẹn trả kết quả mới: ${t(facts.promisedAt)}. Mong Ông/Bà thông cảm.`,
      };
    case "result_ready":
      return {
        subject: `Thông báo có kết quả giải quyết hồ sơ ${facts.code}`,
        body:
          `Kính gửi Ông/Bà: hồ sơ ${facts.code} đã có kết quả giải quyết lúc ${t(facts.at)}. ` +
          `Mời Ông/Bà nhận kết quả tại Bộ phận Một cửa của ${facts.unitName} hoặc theo hình thức đã đăng ký.` +
          (facts.ratingCode
            ? ` Sau khi nhận kết quả, mời Ông/Bà đánh giá mức độ hài lòng tại trang tra cứu hồ sơ ${facts.code} với mã đánh giá ${facts.ratingCode}.`
            : ""),
      };
    case "overdue":
      return {
        subject: `Cảnh báo: hồ sơ ${facts.code} đã quá hạn`,
        body:
          `Kính gửi ${facts.unitName}: hồ sơ ${facts.code} do đơn vị đang giải quyết đã quá hạn từ ${t(facts.dueAt)}. ` +
          "Đề nghị khẩn trương giải quyết và gửi thư xin lỗi, hẹn lại ngày trả kết quả (Mẫu 04) theo quy định.",
      };
    case "due_soon":
      return {
        subject: `Nhắc việc: hồ sơ ${facts.code} sắp đến hạn`,
        body:
          `Kính gửi ${facts.unitName}: hồ sơ ${facts.code} do đơn vị đang giải quyết sẽ đến hạn trả kết quả ` +
          `lúc ${t(facts.dueAt)} (còn không quá 24 giờ làm việc).`,
      };
    case "due_today":
      return {
        subject: `Nhắc việc: hồ sơ ${facts.code} đến hạn hôm nay`,
        body:
          `Kính gửi ${facts.unitName}: hồ sơ ${facts.code} do đơn vị đang giải quyết đến hạn trả kết quả ` +
          `hôm nay lúc ${formatVietnamTime(facts.dueAt)} (${t(facts.dueAt)}).`,
      };
    default: {
      const unexpected: never = facts;
      throw new Error(`unknown notice ${JSON.stringify(unexpected)}`);
    }
  }
}
