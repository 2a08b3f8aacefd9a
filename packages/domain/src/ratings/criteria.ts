import { z } from "zod";

/**
 * What a citizen is asked when rating a returned dossier: the criteria of the satisfaction assessment
 * ("Đánh giá mức độ hài lòng") the provincial and national public service portals put to applicants, as
 * set out by Decree 61/2018/NĐ-CP art. 33 on evaluating how administrative procedures are handled (as
 * amended by Decree 107/2021/NĐ-CP) — e.g. the form of Thừa Thiên Huế's portal,
 * https://dichvucong.thuathienhue.gov.vn/mucdo-hailong. Each is scored 1 (very dissatisfied) to 5 (very
 * satisfied). Ids are stable English codes (they name read-model columns); labels are what the page shows.
 */
export const RATING_CRITERIA = [
  { id: "overall", label: "Đánh giá tổng thể dịch vụ", optional: false },
  {
    id: "convenience",
    label: "Mức độ thuận tiện khi sử dụng dịch vụ (dễ sử dụng, thời gian đáp ứng)",
    optional: false,
  },
  { id: "punctuality", label: "Mức độ đúng hạn trong xử lý, trả kết quả", optional: false },
  {
    id: "staff_conduct",
    label:
      "Thái độ của cán bộ, công chức (nhiệt tình, không nhũng nhiễu, gây phiền hà, cách giao tiếp khi hướng dẫn, xử lý hồ sơ)",
    optional: false,
  },
  {
    id: "total_time",
    label: "Tổng thời gian giải quyết thủ tục so với thời gian pháp luật quy định",
    optional: false,
  },
  {
    id: "agency_time",
    label: "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết so với quy định",
    optional: false,
  },
  {
    id: "contact_rounds",
    label: "Số lần phải liên hệ với nơi tiếp nhận để hoàn thiện hồ sơ",
    optional: false,
  },
  {
    id: "agencies_contacted",
    label: "Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ",
    optional: false,
  },
  {
    id: "one_stop",
    label: "Việc tiếp nhận hồ sơ, giải quyết, trả kết quả tại Bộ phận Một cửa",
    optional: false,
  },
  { id: "disclosure", label: "Mức độ công khai thủ tục hành chính", optional: false },
  {
    id: "feedback_handling",
    label: "Việc tiếp thu, giải trình các ý kiến phản ánh, kiến nghị của tổ chức, cá nhân",
    optional: true,
  },
  {
    id: "online_service",
    label: "Tiến độ và chất lượng dịch vụ công trực tuyến",
    optional: true,
  },
] as const;

type Criterion = (typeof RATING_CRITERIA)[number];
export type RatingCriterion = Criterion["id"];
type ScoresShape = {
  [C in Criterion as C["optional"] extends true ? never : C["id"]]: z.ZodNumber;
} & { [C in Criterion as C["optional"] extends true ? C["id"] : never]: z.ZodOptional<z.ZodNumber> };
export const RATING_CRITERION_IDS: readonly RatingCriterion[] = RATING_CRITERIA.map((c) => c.id);

/** The five-point scale and what each point says. */
export const RATING_SCALE = [
  { value: 1, label: "Rất không hài lòng" },
  { value: 2, label: "Không hài lòng" },
  { value: 3, label: "Bình thường" },
  { value: 4, label: "Hài lòng" },
  { value: 5, label: "Rất hài lòng" },
] as const;

/** A rating counts as satisfied when its overall score is at least this ("Hài lòng" or better). */
export const SATISFIED_FROM = 4;

/** The longest comment a citizen may leave with a rating. */
export const RATING_COMMENT_MAX = 1000;

const score = (label: string) =>
  z
    .number({ message: `Điểm “${label}” phải là số nguyên từ 1 đến 5` })
    .int({ message: `Điểm “${label}” phải là số nguyên từ 1 đến 5` })
    .min(1, { message: `Điểm “${label}” phải từ 1 đến 5` })
    .max(5, { message: `Điểm “${label}” phải từ 1 đến 5` });

/**
 * Each criterion's score, 1..5; the optional criteria may be left out. No other key: an unknown
 * criterion is refused by name.
 */
export const RatingScoresSchema = z.strictObject(
  Object.fromEntries(
    RATING_CRITERIA.map((c) => [c.id, c.optional ? score(c.label).optional() : score(c.label)]),
  ) as ScoresShape,
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `Không có tiêu chí đánh giá ${issue.keys.map((k) => `“${k}”`).join(", ")}`
        : undefined,
  },
);
export type RatingScores = z.output<typeof RatingScoresSchema>;

/** The mean of the given scores, to two decimals: the rating's overall figure in the read models. */
export function meanScore(scores: Partial<Record<RatingCriterion, number>>): number {
  const given = Object.values(scores).filter((v): v is number => typeof v === "number");
  if (given.length === 0) return 0;
  return Math.round((given.reduce((a, b) => a + b, 0) / given.length) * 100) / 100;
}
