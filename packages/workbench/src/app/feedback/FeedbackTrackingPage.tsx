import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api";
import { orThrow, useLoad } from "../load";
import { dateTime } from "../vi";
import { CITIZEN_FEEDBACK_NOTE, feedbackStatusWords } from "./words";

/**
 * Following a feedback by its tracking code (`/phan-anh/{code}`): where it stands, its due moment, and the
 * answer once the unit published it. Never the words sent nor the contact. No sign-in; mobile first.
 */
export function FeedbackTrackingPage() {
  const { code = "" } = useParams();
  const wanted = code === "tra-cuu" ? "" : code;
  const navigate = useNavigate();
  const [typed, setTyped] = useState(wanted);
  const [loaded] = useLoad(async () => {
    if (wanted === "") return null;
    const answer = await api.GET("/public/feedback/{trackingCode}", {
      params: { path: { trackingCode: wanted } },
    });
    if (answer.response.status === 404) return "not-found" as const;
    return orThrow(answer);
  }, [wanted]);

  function lookUp(event: FormEvent) {
    event.preventDefault();
    const next = typed.trim();
    if (next !== "") navigate(`/phan-anh/${encodeURIComponent(next)}`);
  }

  return (
    <div className="public-page">
      <header className="public-header">
        <p>Tiếp nhận phản ánh, kiến nghị của cá nhân, tổ chức</p>
      </header>
      <main className="public">
        <h1>Theo dõi phản ánh, kiến nghị</h1>
        <form onSubmit={lookUp} aria-label="Tra cứu theo mã theo dõi">
          <label className="field">
            <span>Mã theo dõi (dạng PA-XXXX-XXXX)</span>
            <input
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="Ví dụ: PA-7K2M-9X4Q"
              autoCapitalize="characters"
            />
          </label>
          <button type="submit">Tra cứu</button>
        </form>
        {wanted !== "" && loaded.state === "loading" && <p className="loading">Đang tra cứu…</p>}
        {loaded.state === "failed" && (
          <p className="notice notice-error" role="alert">
            {loaded.problem.status === 429
              ? "Bạn tra cứu quá nhiều lần; vui lòng thử lại sau ít phút."
              : "Hệ thống đang bận; vui lòng thử lại sau."}
          </p>
        )}
        {loaded.state === "ready" && loaded.value === "not-found" && (
          <p className="notice notice-error" role="alert">
            Không có phản ánh, kiến nghị nào mang mã {wanted}. Vui lòng kiểm tra lại mã theo dõi.
          </p>
        )}
        {loaded.state === "ready" && loaded.value !== null && loaded.value !== "not-found" && (
          <section className="panel public-result" aria-labelledby="feedback-title">
            <h2 id="feedback-title">Phản ánh {loaded.value.trackingCode}</h2>
            <p className="status-word" data-testid="feedback-status">
              {feedbackStatusWords(loaded.value.status)}
              {loaded.value.overdue &&
                loaded.value.status !== "answered" &&
                loaded.value.status !== "closed" && <span className="badge badge-overdue">Quá hạn</span>}
            </p>
            <p>{CITIZEN_FEEDBACK_NOTE[loaded.value.status] ?? ""}</p>
            <dl className="facts">
              <div>
                <dt>Đơn vị xử lý</dt>
                <dd>{loaded.value.unitName ?? "—"}</dd>
              </div>
              <div>
                <dt>Ngày gửi</dt>
                <dd>{dateTime(loaded.value.submittedAt)}</dd>
              </div>
              <div>
                <dt>Hạn trả lời</dt>
                <dd>{dateTime(loaded.value.dueAt)}</dd>
              </div>
              {loaded.value.answeredAt && (
                <div>
                  <dt>Ngày trả lời</dt>
                  <dd>{dateTime(loaded.value.answeredAt)}</dd>
                </div>
              )}
            </dl>
            {loaded.value.answer !== null ? (
              <section aria-labelledby="answer-title">
                <h3 id="answer-title">Nội dung trả lời</h3>
                <p className="answer-text" data-testid="feedback-answer">
                  {loaded.value.answer}
                </p>
              </section>
            ) : (
              loaded.value.status === "answered" && (
                <p className="muted">
                  Câu trả lời không được công khai; đơn vị đã liên hệ trực tiếp với người gửi.
                </p>
              )
            )}
          </section>
        )}
        <p>
          <Link to="/phan-anh">Gửi phản ánh, kiến nghị mới</Link> · <Link to="/tra-cuu">Tra cứu hồ sơ</Link>
        </p>
      </main>
    </div>
  );
}
