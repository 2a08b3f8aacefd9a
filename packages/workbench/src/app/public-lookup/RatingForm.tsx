import { RATING_COMMENT_MAX, RATING_CRITERIA, RATING_SCALE } from "@motcua/domain";
import { type FormEvent, useState } from "react";
import { api, isProblem } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";

interface Errors {
  readonly fields: Readonly<Record<string, string>>;
  readonly form: string | null;
}
const NO_ERRORS: Errors = { fields: {}, form: null };

/** What the page says when the API gives no words of its own (rate limit, outage). */
function problemWords(status: number): string {
  if (status === 429) return "Bạn đã gửi quá nhiều lần; vui lòng thử lại sau ít phút.";
  if (status >= 500) return "Hệ thống đang bận; vui lòng thử lại sau.";
  return "Không gửi được đánh giá; vui lòng kiểm tra lại.";
}

/**
 * The applicant rates their returned dossier: the rating code from the slip (or the "result ready"
 * notice), one 1–5 choice per criterion of the portals' satisfaction assessment, an optional comment.
 * The API's refusals are in Vietnamese and name the field; each shows next to its field.
 */
export function RatingForm(props: { code: string }) {
  const [ratingCode, setRatingCode] = useState("");
  const [scores, setScores] = useState<Record<string, number>>({});
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState<Errors>(NO_ERRORS);
  const [sending, setSending] = useState(false);
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (ratingCode.trim() === "") missing.ratingCode = "Vui lòng nhập mã đánh giá in trên giấy hẹn.";
    for (const c of RATING_CRITERIA)
      if (!c.optional && scores[c.id] === undefined)
        missing[`scores.${c.id}`] = "Vui lòng chọn một mức đánh giá.";
    if (Object.keys(missing).length > 0) {
      setErrors({ fields: missing, form: "Vui lòng hoàn thành các mục được đánh dấu." });
      return;
    }
    setSending(true);
    setErrors(NO_ERRORS);
    const { response, error } = await api.POST("/public/dossiers/{code}/rating", {
      params: { path: { code: props.code } },
      body: {
        ratingCode,
        scores: scores as never,
        ...(comment.trim() === "" ? {} : { comment }),
      },
    });
    setSending(false);
    if (response.ok) {
      setDone(true);
      return;
    }
    if (!isProblem(error)) {
      setErrors({ fields: {}, form: problemWords(response.status) });
      return;
    }
    const fields: Record<string, string> = {};
    for (const e of error.errors ?? []) {
      const path = e.path.replace(/^body\.?/, "");
      if (path !== "" && !(path in fields)) fields[path] = e.message;
    }
    const detail = typeof error.detail === "string" && response.status < 500 ? error.detail : null;
    setErrors({
      fields,
      form: Object.keys(fields).length > 0 ? null : (detail ?? problemWords(response.status)),
    });
  }

  if (done)
    return (
      <section className="panel rating" aria-labelledby="rating-title">
        <h2 id="rating-title">Đánh giá mức độ hài lòng</h2>
        <p className="notice notice-ok" role="status" data-testid="rating-thanks">
          Cảm ơn Ông/Bà đã đánh giá. Ý kiến của Ông/Bà giúp cơ quan phục vụ tốt hơn.
        </p>
      </section>
    );

  return (
    <section className="panel rating" aria-labelledby="rating-title">
      <h2 id="rating-title">Đánh giá mức độ hài lòng</h2>
      <p>
        Kết quả hồ sơ đã được trả. Mời Ông/Bà đánh giá việc giải quyết hồ sơ, mỗi tiêu chí từ 1 (rất không hài
        lòng) đến 5 (rất hài lòng). Mỗi hồ sơ chỉ được đánh giá một lần.
      </p>
      <form className="rating-form" onSubmit={submit} noValidate aria-label="Đánh giá mức độ hài lòng">
        <label className={`field${errors.fields.ratingCode ? " invalid" : ""}`}>
          <span>Mã đánh giá (in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả)</span>
          <input
            id="rating-code"
            className="rating-text"
            name="ratingCode"
            value={ratingCode}
            onChange={(e) => setRatingCode(e.target.value)}
            placeholder="Ví dụ: 7K3QF-2M9XA"
            autoCapitalize="characters"
            autoComplete="off"
            {...invalidProps("rating-code", errors.fields.ratingCode)}
          />
          <FieldMessage id="rating-code" message={errors.fields.ratingCode} />
        </label>
        {RATING_CRITERIA.map((criterion, index) => {
          const id = `rating-${criterion.id}`;
          const message = errors.fields[`scores.${criterion.id}`];
          return (
            <fieldset
              key={criterion.id}
              className={`rating-criterion${message ? " invalid" : ""}`}
              {...(message ? { "aria-describedby": `${id}-error` } : {})}
            >
              <legend>
                {index + 1}. {criterion.label}
                {criterion.optional && <span className="muted"> (không bắt buộc)</span>}
              </legend>
              <div className="rating-scale">
                {RATING_SCALE.map((point) => (
                  <label key={point.value} className="rating-point">
                    <input
                      className="rating-radio"
                      type="radio"
                      name={id}
                      value={point.value}
                      checked={scores[criterion.id] === point.value}
                      onChange={() => setScores((s) => ({ ...s, [criterion.id]: point.value }))}
                    />
                    <span className="rating-value" aria-hidden="true">
                      {point.value}
                    </span>
                    <span className="rating-words">{point.label}</span>
                  </label>
                ))}
              </div>
              <FieldMessage id={id} message={message} />
            </fieldset>
          );
        })}
        <label className={`field${errors.fields.comment ? " invalid" : ""}`}>
          <span>Ý kiến góp ý (không bắt buộc; không ghi số định danh, số điện thoại)</span>
          <textarea
            id="rating-comment"
            className="rating-text"
            name="comment"
            rows={3}
            maxLength={RATING_COMMENT_MAX + 100}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            {...invalidProps("rating-comment", errors.fields.comment)}
          />
          <FieldMessage id="rating-comment" message={errors.fields.comment} />
        </label>
        {errors.form && (
          <p className="notice notice-error" role="alert" data-testid="rating-error">
            {errors.form}
          </p>
        )}
        <button type="submit" disabled={sending}>
          {sending ? "Đang gửi…" : "Gửi đánh giá"}
        </button>
      </form>
    </section>
  );
}
