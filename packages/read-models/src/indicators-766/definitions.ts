/**
 * Decision 766/QĐ-TTg (2022): the six groups the national portal (dichvucong.gov.vn, "Chỉ số phục vụ")
 * publishes monthly, and each sub-indicator, defined once. Formulas follow VPCP's "Mô tả công thức tính
 * chỉ số 766" (the portal's formula description, read in public copies of it); the points of each
 * sub-indicator follow the portal's score table (transparency 6/4/2/6, digitisation 6/4/2/2/4/2/2,
 * satisfaction 6/6/6, progress 20, payment 10 as 6A + min(2, 2.5B) + min(2, 2.5C)); where the public
 * texts give no split (online service: 12), the split is motcua's and says so.
 */

export const GROUPS_766 = [
  "transparency",
  "progress",
  "online",
  "payment",
  "digitisation",
  "satisfaction",
] as const;
export type Group766 = (typeof GROUPS_766)[number];

/** Each group's points: 18 + 20 + 12 + 10 + 22 + 18 = 100. */
export const GROUP_MAX_766: Readonly<Record<Group766, number>> = {
  transparency: 18,
  progress: 20,
  online: 12,
  payment: 10,
  digitisation: 22,
  satisfaction: 18,
};

export const GROUP_NAMES_766: Readonly<Record<Group766, string>> = {
  transparency: "Công khai, minh bạch",
  progress: "Tiến độ, kết quả giải quyết",
  online: "Cung cấp dịch vụ trực tuyến",
  payment: "Thanh toán trực tuyến",
  digitisation: "Số hóa hồ sơ",
  satisfaction: "Mức độ hài lòng",
};

export interface SubIndicator766 {
  /** The number in VPCP's formula description (1.1 … 5.4); P.A–P.C for the payment group's terms. */
  readonly id: string;
  readonly group: Group766;
  /** Points; 0 for figures the portal shows without scoring them. */
  readonly max: number;
  /**
   * The rate that earns the full points (the formula description's "đạt từ 80% trở lên sẽ đạt điểm tối
   * đa"): score = max × min(1, rate / target). 1 where the text names none.
   */
  readonly target: number;
  readonly name: string;
  /** The formula, in Vietnamese (as the description words it) and in English. */
  readonly formula: string;
  readonly formulaEn: string;
  /** Where the figures come from in motcua. */
  readonly source: string;
  /** What motcua does not hold for it (empty when it holds everything). */
  readonly lacks: string;
}

const d = (s: SubIndicator766) => s;

/** Every sub-indicator, in the portal's order. */
export const SUB_INDICATORS_766: readonly SubIndicator766[] = [
  d({
    id: "1.1",
    group: "transparency",
    max: 6,
    target: 1,
    name: "Tỷ lệ thủ tục hành chính công bố đúng hạn",
    formula: "Số TTHC công bố đúng hạn / Tổng số TTHC đã công bố trong kỳ × 100%",
    formulaEn: "procedures announced on time / procedures announced in the period",
    source: "Cơ sở dữ liệu quốc gia về TTHC",
    lacks:
      "Quyết định công bố TTHC và ngày hiệu lực văn bản pháp lý không có trong motcua (CSDL quốc gia về TTHC)",
  }),
  d({
    id: "1.2",
    group: "transparency",
    max: 4,
    target: 1,
    name: "Tỷ lệ TTHC được cập nhật, công khai đúng hạn",
    formula:
      "Số TTHC công khai đúng hạn trên CSDL QG về TTHC / Tổng số TTHC phải cập nhật, công khai trong kỳ × 100%",
    formulaEn:
      "procedures published on time in the national procedure database / procedures due for publication",
    source: "Cơ sở dữ liệu quốc gia về TTHC",
    lacks: "Ngày công khai TTHC trên CSDL quốc gia về TTHC không có trong motcua",
  }),
  d({
    id: "1.3",
    group: "transparency",
    max: 2,
    target: 1,
    name: "Tỷ lệ TTHC công khai đầy đủ các bộ phận tạo thành",
    formula: "Số TTHC có đầy đủ bộ phận tạo thành (NĐ 63/2010, k.2 Đ.8) / Tổng số TTHC đã công khai × 100%",
    formulaEn:
      "procedures published with every constituent part (Decree 63/2010 art. 8.2) / procedures published",
    source: "Cơ sở dữ liệu quốc gia về TTHC",
    lacks: "Danh mục thủ tục của motcua không có trình tự, cách thức, thành phần hồ sơ, đối tượng thực hiện",
  }),
  d({
    id: "1.4",
    group: "transparency",
    max: 6,
    target: 1,
    name: "Tỷ lệ hồ sơ đồng bộ lên Cổng Dịch vụ công quốc gia",
    formula: "Số hồ sơ đã đồng bộ có ngày tiếp nhận trong kỳ / Tổng số hồ sơ tiếp nhận trong kỳ × 100%",
    formulaEn:
      "dossiers received in the period and synchronised with the national portal / dossiers received",
    source: "Sự kiện DossierSyncedToNationalPortal (bộ kết nối Cổng DVCQG ghi nhận) / DossierReceived",
    lacks: "Cần bộ kết nối ghi nhận mỗi lần đồng bộ; chưa có lần ghi nhận nào thì báo thiếu dữ liệu",
  }),
  d({
    id: "2.1",
    group: "progress",
    max: 20,
    target: 1,
    name: "Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn",
    formula:
      "Số hồ sơ đã và đang xử lý trước hạn, đúng hạn, trong hạn / Tổng số hồ sơ được tiếp nhận, xử lý trong kỳ; yêu cầu bổ sung hơn 01 lần tính quá hạn",
    formulaEn:
      "20 × (finished in the period neither late nor asked for supplements twice + pending at the end neither overdue nor asked twice) / (finished + pending)",
    source: "report_counts (06a): finished_late_766, late766 spans",
    lacks: "",
  }),
  d({
    id: "2.2",
    group: "progress",
    max: 0,
    target: 1,
    name: "Thời gian giải quyết TTHC trung bình (ngày làm việc, không chấm điểm)",
    formula: "Tổng thời gian giải quyết các hồ sơ / Tổng số hồ sơ đã giải quyết",
    formulaEn: "mean working days from the clock's start to resolution, pauses excluded (shown, not scored)",
    source: "report_counts (06a): resolution_working_minutes / resolutions",
    lacks: "",
  }),
  d({
    id: "3.1",
    group: "online",
    max: 2,
    target: 0.8,
    name: "Tỷ lệ TTHC cung cấp dịch vụ công trực tuyến",
    formula:
      "Số TTHC có DVCTT một phần, toàn trình / Tổng số TTHC thuộc thẩm quyền; đạt từ 80% được điểm tối đa",
    formulaEn:
      "procedures offered online (full or partial) / procedures the unit may receive; full points at 80 %",
    source: "Danh mục thủ tục (onlineService, cấp tiếp nhận)",
    lacks: "Điểm thành phần trong nhóm 12 điểm chưa được công bố: motcua chia 2 / 4 / 6",
  }),
  d({
    id: "3.2",
    group: "online",
    max: 4,
    target: 1,
    name: "Tỷ lệ dịch vụ công trực tuyến có phát sinh hồ sơ",
    formula: "Số DVCTT có hồ sơ tiếp nhận trực tuyến trong kỳ / Số DVCTT của đơn vị",
    formulaEn:
      "procedures offered online that received an online dossier in the period / procedures offered online",
    source: "Danh mục thủ tục + DossierReceived (kênh trực tuyến) theo thủ tục",
    lacks: "Điểm thành phần trong nhóm 12 điểm chưa được công bố: motcua chia 2 / 4 / 6",
  }),
  d({
    id: "3.3",
    group: "online",
    max: 6,
    target: 0.5,
    name: "Tỷ lệ hồ sơ nộp trực tuyến",
    formula:
      "Số hồ sơ tiếp nhận trực tuyến trong kỳ / Tổng số hồ sơ tiếp nhận trong kỳ × Tỷ lệ đồng bộ hồ sơ; đạt từ 50% được điểm tối đa",
    formulaEn:
      "online receipts / receipts × the synchronisation rate (1.4) when recorded; full points at 50 %",
    source: "DossierReceived (kênh), DossierSyncedToNationalPortal",
    lacks:
      "Không kiểm được điều kiện kết quả điện tử của TTHC yêu cầu giấy tờ; chưa có dữ liệu đồng bộ thì không nhân tỷ lệ đồng bộ",
  }),
  d({
    id: "P.A",
    group: "payment",
    max: 6,
    target: 1,
    name: "Tỷ lệ hồ sơ thanh toán trực tuyến (3.6), hệ số A",
    formula: "A = Số hồ sơ được thanh toán trực tuyến / Tổng số hồ sơ có phí, lệ phí; điểm = 6A",
    formulaEn: "A = fee payments made online / fee payments recorded; 6A",
    source: "FeePaid (method) theo tháng tiếp nhận của hồ sơ",
    lacks: "Lần nộp phí ghi trước khi có trường method không rõ hình thức: tính là không trực tuyến",
  }),
  d({
    id: "P.B",
    group: "payment",
    max: 2,
    target: 0.8,
    name: "Tỷ lệ TTHC có nghĩa vụ tài chính được tích hợp thanh toán trực tuyến (3.5), hệ số B",
    formula:
      "B = Số TTHC có hồ sơ thanh toán trực tuyến / Số TTHC có phí, lệ phí phát sinh hồ sơ; điểm = min(2; 2,5B)",
    formulaEn: "B = procedures with an online payment / procedures with fees requested; min(2, 2.5B)",
    source: "FeeRequested, FeePaid (method) theo thủ tục",
    lacks: "Danh mục thủ tục không ghi mức phí: TTHC có phí được nhận biết qua hồ sơ có yêu cầu nộp phí",
  }),
  d({
    id: "P.C",
    group: "payment",
    max: 2,
    target: 0.8,
    name: "Tỷ lệ thanh toán trực tuyến qua Cổng DVCQG (nền tảng thanh toán tập trung), hệ số C",
    formula:
      "C = Số hồ sơ thanh toán trực tuyến trên Cổng DVCQG / Số hồ sơ thanh toán trực tuyến; điểm = min(2; 2,5C)",
    formulaEn:
      "C = online payments through the national portal / online payments; min(2, 2.5C), capped so the group is 10",
    source: "FeePaid (method = online_national_portal)",
    lacks: "",
  }),
  d({
    id: "4.1",
    group: "digitisation",
    max: 6,
    target: 1,
    name: "Tỷ lệ hồ sơ có cấp kết quả giải quyết TTHC điện tử",
    formula: "Số hồ sơ có kết quả điện tử / Tổng số hồ sơ có kết quả giải quyết × 100%",
    formulaEn: "dossiers whose result was issued electronically / dossiers resolved with a result (approved)",
    source: "ElectronicResultIssued / DossierResolved (approved), theo tháng tiếp nhận",
    lacks: "Chưa có lần ghi nhận kết quả điện tử nào thì báo thiếu dữ liệu",
  }),
  d({
    id: "4.2",
    group: "digitisation",
    max: 4,
    target: 0.8,
    name: "Tỷ lệ hồ sơ TTHC thực hiện số hóa hồ sơ",
    formula:
      "Số hồ sơ số hóa thành phần hồ sơ khi tiếp nhận / Tổng số hồ sơ tiếp nhận × 100%; đạt từ 80% được điểm tối đa",
    formulaEn: "dossiers with every document digitised at intake / dossiers received; full points at 80 %",
    source: "DossierReceived (documents.digitized)",
    lacks: "Điều kiện kèm kết quả điện tử của cùng hồ sơ chưa được đối chiếu từng hồ sơ",
  }),
  d({
    id: "4.3",
    group: "digitisation",
    max: 2,
    target: 0.8,
    name: "Tỷ lệ hồ sơ khai thác, sử dụng lại thông tin, dữ liệu số hóa",
    formula:
      "Số hồ sơ có ít nhất 1 thành phần sử dụng lại dữ liệu số hóa / Tổng số hồ sơ tiếp nhận × 100%; đạt từ 80% được điểm tối đa",
    formulaEn:
      "dossiers with at least one document reused from digitised data / dossiers received; full at 80 %",
    source: "DossierReceived (documents.reused)",
    lacks: "Hồ sơ tiếp nhận trước khi có trường reused không được tính là tái sử dụng",
  }),
  d({
    id: "4.4",
    group: "digitisation",
    max: 2,
    target: 1,
    name: "Tỷ lệ hồ sơ số hóa có kết nối, chia sẻ dữ liệu phục vụ tái sử dụng",
    formula: "Số hồ sơ có tệp lấy từ kho dữ liệu cá nhân trên Cổng DVCQG / Tổng số hồ sơ tiếp nhận × 100%",
    formulaEn:
      "dossiers with a document taken from the citizen's data store on the national portal / dossiers received",
    source: "—",
    lacks: "motcua không kết nối kho dữ liệu cá nhân, tổ chức của Cổng DVCQG",
  }),
  d({
    id: "4.5a",
    group: "digitisation",
    max: 4,
    target: 1,
    name: "Tỷ lệ TTHC triển khai kết nối, chia sẻ dữ liệu dân cư",
    formula:
      "Số TTHC có kết nối CSDL quốc gia về dân cư / Tổng số TTHC có đối tượng thực hiện là người dân × 100%",
    formulaEn: "procedures connected to the national population database / procedures for citizens",
    source: "—",
    lacks: "motcua không kết nối CSDL quốc gia về dân cư, VNeID",
  }),
  d({
    id: "4.5b",
    group: "digitisation",
    max: 2,
    target: 1,
    name: "Tỷ lệ hồ sơ sử dụng dữ liệu từ CSDL quốc gia về dân cư",
    formula: "Số hồ sơ có tài khoản xác thực VNeID hoặc dữ liệu lấy từ CSDL dân cư / Tổng số hồ sơ × 100%",
    formulaEn: "dossiers using VNeID or population-database data / dossiers",
    source: "—",
    lacks: "motcua không kết nối CSDL quốc gia về dân cư, VNeID",
  }),
  d({
    id: "4.6",
    group: "digitisation",
    max: 2,
    target: 1,
    name: "Phần điểm còn lại của nhóm số hóa theo bảng điểm của Cổng",
    formula: "Bảng điểm của Cổng DVCQG có 2 điểm chưa có mô tả công thức công khai",
    formulaEn: "two points of the portal's score table without a published formula",
    source: "—",
    lacks: "Chưa có công thức công khai",
  }),
  d({
    id: "5.1",
    group: "satisfaction",
    max: 0,
    target: 1,
    name: "Tỷ lệ phản ánh, kiến nghị theo phân loại (không chấm điểm)",
    formula:
      "Số PAKN được phân loại theo quy định, chính sách, thủ tục hoặc hành vi cán bộ / Tổng số PAKN trong kỳ",
    formulaEn: "feedback classified / feedback received in the period (shown, not scored)",
    source: "Mô hình đọc phản ánh, kiến nghị (feedback)",
    lacks: "Phản ánh, kiến nghị trong motcua chưa được phân loại",
  }),
  d({
    id: "5.2",
    group: "satisfaction",
    max: 6,
    target: 1,
    name: "Tiến độ xử lý phản ánh, kiến nghị",
    formula: "Số PAKN đã và đang xử lý đúng hạn, trong hạn / Tổng số PAKN được tiếp nhận, xử lý trong kỳ",
    formulaEn:
      "feedback answered by its deadline in the period / (answered + become overdue unanswered in the period); full points when none",
    source: "feedbackSummary (answeredOnTime, answered, overdue)",
    lacks: "Phản ánh đang xử lý trong hạn ở cuối kỳ chưa được tính vào tử số",
  }),
  d({
    id: "5.3",
    group: "satisfaction",
    max: 6,
    target: 1,
    name: "Tỷ lệ hài lòng trong xử lý phản ánh, kiến nghị",
    formula: "(Tổng số PAKN − số bị phản hồi không hài lòng hoặc quá hạn) / Tổng số PAKN × 100%",
    formulaEn:
      "(feedback received − answered late or overdue) / feedback received in the period; full points when none",
    source: "feedbackSummary (received, answeredLate, overdue)",
    lacks: "Người gửi chưa đánh giá được câu trả lời (thích / không thích)",
  }),
  d({
    id: "5.4",
    group: "satisfaction",
    max: 6,
    target: 0.9,
    name: "Tỷ lệ hài lòng trong tiếp nhận, giải quyết TTHC",
    formula:
      "100% − (Tỷ lệ hồ sơ giải quyết quá hạn + Tỷ lệ hồ sơ có phản ánh, kiến nghị hoặc đánh giá không hài lòng); đạt từ 90% được điểm tối đa",
    formulaEn:
      "1 − (late rate (2.1) + share of dossiers rated unsatisfied or with feedback); full points at 90 %",
    source: "report_counts (2.1) + mô hình đọc đánh giá (ratings) + phản ánh (feedback)",
    lacks: "Cần mô hình đọc đánh giá của người dân",
  }),
];

/** The points each sub-indicator earns for a rate: max × min(1, rate / target), in hundredths. */
export function pointsFor(sub: SubIndicator766, rate: number): number {
  const bounded = Math.max(0, Math.min(1, rate / sub.target));
  return Math.round(sub.max * bounded * 100);
}
