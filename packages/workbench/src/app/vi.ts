import type { Problem } from "./api";

/** The officer's vocabulary: every word a person reads on the workbench comes from here. */

export const STATUS: Record<string, string> = {
  submitted: "Chờ tiếp nhận (nộp trực tuyến)",
  refused: "Từ chối tiếp nhận",
  received: "Đã tiếp nhận",
  processing: "Đang giải quyết",
  awaiting_supplement: "Chờ bổ sung hồ sơ",
  awaiting_payment: "Chờ thực hiện nghĩa vụ tài chính",
  resolved: "Đã có kết quả",
  returned: "Đã trả kết quả",
  withdrawn: "Đã rút hồ sơ",
  stopped: "Dừng xử lý",
};
export const statusWords = (status: string): string => STATUS[status] ?? status;

export const CHANNEL: Record<string, string> = {
  direct: "Trực tiếp tại Bộ phận Một cửa",
  online: "Trực tuyến",
  postal: "Qua dịch vụ bưu chính",
};

export const TIMELINESS: Record<string, string> = {
  early: "Trước hạn",
  on_time: "Đúng hạn",
  late: "Quá hạn",
};

export const ROLE: Record<string, string> = {
  officer: "Cán bộ",
  auditor: "Thanh tra",
  analyst: "Cán bộ tổng hợp",
  admin: "Quản trị hệ thống",
  portal: "Cổng dịch vụ công",
  system: "Hệ thống",
  citizen: "Người nộp hồ sơ",
};

export const LEVEL: Record<string, string> = {
  province: "Cấp tỉnh",
  department: "Sở, ngành",
  district: "Cấp huyện",
  commune: "Cấp xã",
  ward: "Cấp xã",
};

export const TIME_LIMIT_UNIT: Record<string, string> = {
  working_days: "ngày làm việc",
  calendar_days: "ngày",
  working_hours: "giờ làm việc",
  same_day: "trong ngày",
  none: "không hẹn ngày trả",
};

export function timeLimitWords(limit: { value: number; unit: string } | undefined): string {
  if (!limit) return "";
  if (limit.unit === "same_day") return "Trong ngày";
  if (limit.unit === "none") return "Không hẹn ngày trả";
  return `${limit.value} ${TIME_LIMIT_UNIT[limit.unit] ?? limit.unit}`;
}

/** What each event says in the timeline ("tiếp nhận hồ sơ"). */
export const EVENT: Record<string, string> = {
  DossierSubmitted: "nộp hồ sơ trực tuyến",
  DossierIntakeRefused: "từ chối tiếp nhận hồ sơ",
  DossierReceived: "tiếp nhận hồ sơ",
  DossierForwarded: "chuyển hồ sơ đến cơ quan giải quyết",
  DossierTransferred: "chuyển hồ sơ liên thông",
  SupplementRequested: "yêu cầu bổ sung hồ sơ",
  SupplementReceived: "nhận hồ sơ bổ sung",
  SupplementMissed: "hết hạn bổ sung, dừng xử lý",
  FeeRequested: "yêu cầu thực hiện nghĩa vụ tài chính",
  FeePaid: "ghi nhận đã nộp phí, lệ phí",
  ApologyIssued: "gửi văn bản xin lỗi và hẹn lại ngày trả kết quả",
  DossierResolved: "giải quyết xong hồ sơ",
  ResultReturned: "trả kết quả",
  DossierWithdrawn: "rút hồ sơ theo đề nghị của người nộp",
  DossierStopped: "dừng xử lý hồ sơ",
  DossierBecameOverdue: "hồ sơ quá hạn giải quyết",
  ApplicantErased: "xóa dữ liệu cá nhân của người nộp",
  DossierRated: "người nộp đánh giá mức độ hài lòng",
  ElectronicResultIssued: "ghi nhận đã cấp kết quả giải quyết điện tử",
  DossierSyncedToNationalPortal: "ghi nhận đã đồng bộ hồ sơ lên Cổng Dịch vụ công quốc gia",
};
export const eventWords = (type: string): string => EVENT[type] ?? type;

export const OUTCOME: Record<string, string> = { approved: "chấp thuận", rejected: "từ chối" };
export const RETURN_METHOD: Record<string, string> = {
  counter: "tại Bộ phận Một cửa",
  postal: "qua bưu chính",
  online: "trực tuyến",
};

/** Refusals the API names by code, said as an officer would read them. */
const REFUSAL: Record<string, string> = {
  "dossier.action_not_allowed": "Thao tác này không được phép ở trạng thái hiện tại của hồ sơ.",
  "dossier.already_received": "Hồ sơ đã được tiếp nhận.",
  "dossier.already_resolved": "Hồ sơ đã có kết quả giải quyết.",
  "dossier.already_returned": "Hồ sơ đã được trả kết quả.",
  "dossier.awaiting_supplement": "Hồ sơ đang chờ người nộp bổ sung.",
  "dossier.awaiting_payment": "Hồ sơ đang chờ thực hiện nghĩa vụ tài chính.",
  "dossier.not_awaiting_supplement": "Hồ sơ không ở trạng thái chờ bổ sung.",
  "dossier.not_awaiting_payment": "Hồ sơ không ở trạng thái chờ nộp phí.",
  "dossier.not_resolved": "Hồ sơ chưa có kết quả giải quyết để trả.",
  "dossier.not_submitted": "Chỉ hồ sơ nộp trực tuyến chưa tiếp nhận mới có thể từ chối tiếp nhận.",
  "dossier.not_received": "Hồ sơ đã nộp nhưng chưa được tiếp nhận.",
  "dossier.not_pending": "Hồ sơ không còn đang giải quyết.",
  "dossier.not_found": "Không tìm thấy hồ sơ.",
  "dossier.withdrawn": "Hồ sơ đã được rút theo đề nghị của người nộp.",
  "dossier.stopped": "Hồ sơ đã dừng xử lý.",
  "dossier.intake_refused": "Hồ sơ đã bị từ chối tiếp nhận.",
  "dossier.transfer_off_path": "Đơn vị nhận không nằm trên quy trình liên thông của thủ tục này.",
  "dossier.transfer_to_same_unit": "Hồ sơ đang ở chính đơn vị này.",
  "dossier.target_unit_closed": "Đơn vị nhận đã ngừng hoạt động.",
  "dossier.target_unit_not_yet_open": "Đơn vị nhận chưa bắt đầu hoạt động.",
  "dossier.unit_closed": "Đơn vị đã ngừng hoạt động, không tiếp nhận hồ sơ.",
  "dossier.unit_not_yet_open": "Đơn vị chưa bắt đầu hoạt động.",
  "dossier.unit_not_competent": "Đơn vị không có thẩm quyền tiếp nhận thủ tục này.",
  "dossier.no_deadline": "Thủ tục này không hẹn ngày trả kết quả.",
  "dossier.supplement_window_open": "Người nộp vẫn còn trong thời hạn bổ sung.",
  "dossier.not_held_by_your_unit": "Hồ sơ không do đơn vị của bạn đang giữ.",
  "apology.promised_at_not_in_future": "Thời điểm hẹn lại phải sau thời điểm hiện tại.",
  "apology.promised_at_not_after_due": "Thời điểm hẹn lại phải sau hạn giải quyết theo quy định.",
  "apology.promised_at_outside_working_time": "Thời điểm hẹn lại phải trong giờ làm việc.",
  "applicant.required": "Vui lòng nhập họ tên người nộp hồ sơ.",
  "dossier.already_overdue": "Hồ sơ đã được ghi nhận quá hạn.",
  "dossier.not_yet_due": "Hồ sơ chưa đến hạn.",
  "dossier.revision_conflict":
    "Hồ sơ vừa được người khác cập nhật. Trang đã tải lại; hãy kiểm tra rồi thao tác lại.",
  "dossier.not_your_unit": "Hồ sơ không do đơn vị của bạn đang giữ.",
  "time.before_last_event": "Thời điểm thao tác không được trước thao tác gần nhất của hồ sơ.",
  "time.out_of_range": "Thời điểm không hợp lệ.",
  "reference.unknown": "Không có đơn vị hoặc thủ tục này.",
  "time.promised_at_too_far_ahead": "Thời điểm hẹn lại quá xa.",
  "idempotency.key_reused": "Yêu cầu này đã được gửi với nội dung khác; hãy tải lại trang.",
  "revision.conflict": "Hồ sơ vừa được người khác cập nhật. Trang đã tải lại; hãy kiểm tra rồi thao tác lại.",
  "unit.unknown": "Không có đơn vị này.",
  "procedure.unknown": "Không có thủ tục này.",
  "dev_sign_in.disabled": "Đăng nhập thử chỉ dùng trong môi trường phát triển.",
  "auth.forbidden": "Bạn không có quyền thực hiện thao tác này.",
  "rate_limit.exceeded": "Quá nhiều yêu cầu; vui lòng thử lại sau ít phút.",
};

export function refusalWords(problem: Problem): string {
  const known = REFUSAL[problem.code];
  if (known) return known;
  if (problem.status === 409) return REFUSAL["revision.conflict"] as string;
  if (problem.status === 403) return "Bạn không có quyền thực hiện thao tác này.";
  if (problem.status === 404) return "Không tìm thấy.";
  if (problem.status === 429) return REFUSAL["rate_limit.exceeded"] as string;
  if (problem.status >= 500) return "Hệ thống đang bận hoặc gián đoạn; vui lòng thử lại.";
  return `Không thực hiện được (mã lỗi: ${problem.code}).`;
}

/** A validation message from the API (zod's English), said in Vietnamese for the field it names. */
export function fieldErrorWords(message: string): string {
  const m = message.toLowerCase();
  // Reference data (units, procedures).
  if (m.includes("must not be before validfrom"))
    return "Ngày hết hiệu lực không được trước ngày bắt đầu hiệu lực.";
  if (m.includes("its own parent") || m.includes("the parent is the unit itself"))
    return "Đơn vị không thể trực thuộc chính nó hoặc đơn vị cấp dưới của nó.";
  if (m.includes("with a successor must say when it ended"))
    return "Đơn vị có đơn vị kế thừa phải có ngày hết hiệu lực.";
  if (/unit \S+ does not exist/.test(m)) return "Không có đơn vị này.";
  if (m.includes("is already used by unit")) return "Mã này đã được đơn vị khác sử dụng.";
  if (m.includes("may contain only letters, digits and '.'"))
    return "Mã chỉ gồm chữ cái, chữ số và dấu chấm.";
  if (m.includes("may contain only letters, digits")) return "Mã chỉ gồm chữ cái, chữ số và các dấu . - _";
  if (m.includes("lower-case level name")) return "Cấp phải là tên cấp viết thường, ví dụ commune.";
  if (m.includes("must be a number") || m.includes("expected number")) return "Vui lòng nhập một số.";
  if (m.includes("must not be negative")) return "Không được là số âm.";
  if (m.includes("must say why")) return "Vui lòng nêu lý do.";
  if (/ is not in \d{4}/.test(m)) return "Có ngày không thuộc năm đã chọn.";
  if (m.includes("listed twice")) return "Có ngày bị nhập trùng.";
  if (m.includes("empty")) return "Vui lòng nhập thông tin này.";
  if (m.includes("required") || m.includes("received undefined")) return "Vui lòng nhập thông tin này.";
  if (m.includes("too small") || m.includes(">=1 character") || m.includes("at least"))
    return "Vui lòng nhập thông tin này.";
  if (m.includes("too big") || m.includes("at most")) return "Nội dung quá dài.";
  if (m.includes("datetime") || m.includes("date")) return "Ngày giờ không hợp lệ.";
  if (m.includes("no such unit")) return "Không có đơn vị này.";
  return "Giá trị không hợp lệ.";
}

const TIME_ZONE = "Asia/Ho_Chi_Minh";
const parts = (iso: string) => {
  const values = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return values as Record<"year" | "month" | "day" | "hour" | "minute", string>;
};

/** "14:05 04/12/2026", in the domain's time zone whatever the browser's. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const p = parts(iso);
  return `${p.hour}:${p.minute} ${p.day}/${p.month}/${p.year}`;
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "—";
  const p = parts(iso);
  return `${p.day}/${p.month}/${p.year}`;
}

/** Form 01's wording: "14 giờ 05 phút, ngày 04/12/2026". */
export function slipDateTime(iso: string | null | undefined): string {
  if (!iso) return "Không hẹn ngày trả";
  const p = parts(iso);
  return `${p.hour} giờ ${p.minute} phút, ngày ${p.day}/${p.month}/${p.year}`;
}

/** A datetime-local input's value ("2026-12-04T14:05") as an ISO time in the domain's zone. */
export const localInputToIso = (value: string): string => `${value}:00+07:00`;

/** An ISO time as a datetime-local input's value, in the domain's zone. */
export function isoToLocalInput(iso: string): string {
  const p = parts(iso);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
