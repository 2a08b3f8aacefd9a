import { type CommandDeps, type CommandRefusal, rateDossier } from "@motcua/commands";
import { isStorableText, RATING_COMMENT_MAX, RATING_CRITERIA, RatingScoresSchema } from "@motcua/domain";
import { listDossiers } from "@motcua/read-models";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { refusalProblem } from "../plugins/errors";
import { AppError, problemResponse } from "../problem";
import type { ReadModelAccess } from "../read-model-access";

export interface RatingRouteDeps {
  readonly deps: CommandDeps;
  readonly access: ReadModelAccess;
  readonly ratingCodeSecret: Buffer;
  readonly settings: { readonly rateLimitMax: number; readonly rateLimitWindowMs: number };
}

const ratingBody = z
  .object({
    ratingCode: z
      .string({ error: "bắt buộc: hãy nhập mã đánh giá in trên giấy hẹn" })
      .trim()
      .min(1, "không được để trống: hãy nhập mã đánh giá in trên giấy hẹn")
      .max(40, "mã đánh giá quá dài: mã gồm 10 ký tự, ví dụ 7K3QF-2M9XA")
      .meta({ description: "The rating code printed on form 01 and sent with the result-ready notice" }),
    scores: RatingScoresSchema.meta({
      description: `A score 1..5 per criterion: ${RATING_CRITERIA.map((c) => `${c.id}${c.optional ? " (optional)" : ""}`).join(", ")}`,
    }),
    comment: z
      .string({ error: "ý kiến góp ý phải là văn bản" })
      .trim()
      .max(
        RATING_COMMENT_MAX,
        `dài quá: ý kiến góp ý tối đa ${RATING_COMMENT_MAX.toLocaleString("vi-VN")} ký tự`,
      )
      .refine(isStorableText, "ý kiến góp ý chứa ký tự không hợp lệ")
      .optional()
      .meta({ description: "Free text; kept sealed with the applicant's data, never shown to analysts" }),
  })
  .strict();

/** What a citizen reads when a rating is refused: a title, a sentence, and the field it is about. */
const RATING_REFUSALS: Readonly<Record<string, { title: string; detail: string; field?: string }>> = {
  "rating.code_invalid": {
    title: "Mã đánh giá không đúng",
    detail: "Mã đánh giá không khớp với hồ sơ này. Vui lòng kiểm tra lại mã in trên giấy hẹn trả kết quả.",
    field: "ratingCode",
  },
  "rating.already_rated": {
    title: "Hồ sơ đã được đánh giá",
    detail: "Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.",
  },
  "rating.not_returned": {
    title: "Hồ sơ chưa trả kết quả",
    detail: "Chỉ đánh giá được hồ sơ đã trả kết quả.",
  },
  "dossier.not_found": {
    title: "Không tìm thấy hồ sơ",
    detail: "Không có hồ sơ nào mang mã này. Vui lòng kiểm tra lại mã trên giấy hẹn.",
  },
  "dossier.revision_conflict": {
    title: "Hồ sơ vừa thay đổi",
    detail: "Hồ sơ vừa thay đổi trong lúc gửi đánh giá; vui lòng gửi lại.",
  },
};

/** A refusal as the citizen reads it: Vietnamese title and detail, the field named when there is one. */
function ratingProblem(refusal: CommandRefusal): AppError {
  const words = RATING_REFUSALS[refusal.code];
  if (!words) return refusalProblem(refusal);
  const status = refusal.kind === "NotFound" ? 404 : refusal.kind === "RevisionConflict" ? 409 : 422;
  return new AppError(status, refusal.code, words.detail, {
    title: words.title,
    ...(words.field ? { errors: [{ path: `body.${words.field}`, message: words.detail }] } : {}),
  });
}

/**
 * `POST /public/dossiers/{code}/rating`: the applicant rates their returned dossier once, with the rating
 * code from the slip. No token; its own rate limit per client address, which every attempt (a wrong code
 * too) spends, so codes cannot be guessed.
 */
export function ratingRoutes(options: RatingRouteDeps): RouteSlice {
  const { deps, access, settings } = options;
  return async (app) => {
    app.post(
      "/public/dossiers/:code/rating",
      {
        config: {
          rateLimit: {
            max: settings.rateLimitMax,
            timeWindow: settings.rateLimitWindowMs,
            keyGenerator: (request: FastifyRequest) => `rating:${request.ip}`,
          },
        },
        schema: {
          tags: ["public"],
          summary: "Rate a returned dossier (once), with the rating code printed on the appointment slip",
          description:
            "No token. Rate limited per client address (RATING_RATE_LIMIT_MAX per RATING_RATE_LIMIT_WINDOW); every attempt counts, a wrong code too. A wrong code, a dossier not returned, a second rating: 422 in Vietnamese, nothing recorded.",
          params: z.object({ code: z.string().trim().min(1).max(80) }),
          body: ratingBody,
          response: {
            201: z.object({
              code: z.string(),
              status: z.string(),
              ratedAt: z.string(),
            }),
            400: problemResponse("Invalid input, naming the field and the rule (Vietnamese)"),
            404: problemResponse("No dossier has that code"),
            409: problemResponse("The dossier changed meanwhile; send again"),
            422: problemResponse(
              "rating.code_invalid, rating.not_returned or rating.already_rated (Vietnamese title and detail)",
            ),
            429: problemResponse("Too many attempts from this address; Retry-After says when"),
          },
        },
      },
      async (request, reply) => {
        const page = await listDossiers(access.db, await access.schema(), {
          code: request.params.code,
          limit: 1,
        });
        const dossier = page.items[0];
        if (!dossier) throw ratingProblem({ kind: "NotFound", code: "dossier.not_found", detail: "" });
        const body = request.body;
        const at = deps.now();
        const outcome = await rateDossier(
          { ...deps, now: () => at, ratingCodeSecret: options.ratingCodeSecret },
          dossier.dossierId,
          { ratingCode: body.ratingCode, scores: body.scores, comment: body.comment },
          request.id,
        );
        if (!outcome.ok) throw ratingProblem(outcome.refusal);
        reply.code(201);
        return { code: outcome.answer.code, status: outcome.answer.status, ratedAt: at.toISOString() };
      },
    );
  };
}
