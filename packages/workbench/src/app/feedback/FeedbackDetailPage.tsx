import { type FormEvent, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { api, ifMatch, isProblem, newIdempotencyKey, type Problem } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { orThrow, useLoad } from "../load";
import { loadUnits } from "../reference";
import type { Session } from "../session";
import { dateTime, refusalWords } from "../vi";
import { feedbackFormErrors, feedbackStatusWords } from "./words";

const EVENT_WORDS: Record<string, string> = {
  FeedbackSubmitted: "Tiếp nhận phản ánh",
  FeedbackAssigned: "Giao xử lý",
  FeedbackAnswered: "Trả lời",
  FeedbackClosed: "Kết thúc",
  FeedbackBecameOverdue: "Quá hạn trả lời",
  FeedbackSenderErased: "Xoá thông tin người gửi",
};

type Errors = { fields: Record<string, string>; form: string | null };
const NO_ERRORS: Errors = { fields: {}, form: null };

/**
 * One feedback for the officers handling it (`/phan-anh-kien-nghi/{id}`): what was sent and how to reach
 * the sender, and the forms to assign, answer (publishing or not) and close. Each sends the revision the
 * page saw (If-Match) and one Idempotency-Key per attempt.
 */
export function FeedbackDetailPage(props: { session: Session }) {
  const { feedbackId = "" } = useParams();
  const [loaded, reload] = useLoad(async () => {
    const [detail, units] = await Promise.all([
      api.GET("/feedback/{id}", { params: { path: { id: feedbackId } } }).then(orThrow),
      loadUnits(),
    ]);
    return { detail, units };
  }, [feedbackId]);
  const [answer, setAnswer] = useState("");
  const [publish, setPublish] = useState(true);
  const [toUnitId, setToUnitId] = useState("");
  const [officerId, setOfficerId] = useState("");
  const [eraseReason, setEraseReason] = useState("");
  const [errors, setErrors] = useState<Record<string, Errors>>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const attempt = useRef<{ key: string; body: string } | null>(null);

  async function act(
    name: "assign" | "answer" | "close" | "erase",
    body: Record<string, unknown>,
    revision: number,
    doneWords: string,
  ) {
    setBusy(true);
    const json = JSON.stringify([name, revision, body]);
    if (attempt.current?.body !== json) attempt.current = { key: newIdempotencyKey(), body: json };
    const params = {
      path: { id: feedbackId },
      header: { "if-match": ifMatch(revision), "idempotency-key": attempt.current.key },
    };
    const result =
      name === "assign"
        ? await api.POST("/feedback/{id}/assign", { params, body: body as { toUnitId: string } })
        : name === "answer"
          ? await api.POST("/feedback/{id}/answer", {
              params,
              body: body as { answer: string; publish: boolean },
            })
          : name === "close"
            ? await api.POST("/feedback/{id}/close", { params, body: {} })
            : await api.POST("/feedback/{id}/erase", { params, body: body as { reason: string } });
    setBusy(false);
    if (result.data) {
      setErrors({});
      setDone(doneWords);
      reload();
      return;
    }
    const problem: Problem = isProblem(result.error)
      ? result.error
      : { status: result.response.status, code: "http" };
    setErrors({ [name]: feedbackFormErrors(problem) });
    if (problem.status === 409) reload();
  }

  return (
    <WorkbenchLayout title="Phản ánh, kiến nghị">
      <p>
        <Link to="/phan-anh-kien-nghi">← Danh sách phản ánh, kiến nghị</Link>
      </p>
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" &&
        (() => {
          const f = loaded.value.detail;
          const open = f.status === "received" || f.status === "assigned";
          const unitName = (id: string | null) =>
            id === null ? "—" : (loaded.value.units.find((u) => u.unitId === id)?.name ?? id);
          const e = (form: string) => errors[form] ?? NO_ERRORS;
          const submit =
            (form: "assign" | "answer" | "close" | "erase", body: Record<string, unknown>, words: string) =>
            (event: FormEvent) => {
              event.preventDefault();
              void act(form, body, f.revision, words);
            };
          return (
            <>
              {done && (
                <p className="notice notice-ok" role="status">
                  {done}
                </p>
              )}
              <section className="panel" aria-labelledby="feedback-facts">
                <h2 id="feedback-facts">
                  {feedbackStatusWords(f.status)}
                  {f.overdue && open && <span className="badge badge-overdue">Quá hạn</span>}
                  {f.answerTimeliness === "late" && <span className="badge badge-overdue">Trả lời muộn</span>}
                  {f.answerTimeliness === "on_time" && (
                    <span className="badge badge-ok">Trả lời đúng hạn</span>
                  )}
                </h2>
                <dl className="facts">
                  <div>
                    <dt>Ngày gửi</dt>
                    <dd>{dateTime(f.submittedAt)}</dd>
                  </div>
                  <div>
                    <dt>Hạn trả lời</dt>
                    <dd>{dateTime(f.dueAt)}</dd>
                  </div>
                  <div>
                    <dt>Đơn vị xử lý</dt>
                    <dd>{f.unitName ?? f.unitId}</dd>
                  </div>
                  <div>
                    <dt>Cán bộ xử lý</dt>
                    <dd>{f.officerId ?? "—"}</dd>
                  </div>
                  <div>
                    <dt>Phản ánh về đơn vị</dt>
                    <dd>{unitName(f.about.unitId)}</dd>
                  </div>
                  {f.about.dossierCode && (
                    <div>
                      <dt>Hồ sơ</dt>
                      <dd>{f.about.dossierCode}</dd>
                    </div>
                  )}
                  <div>
                    <dt>Thông tin liên hệ</dt>
                    <dd data-testid="feedback-contact">
                      {f.erased ? "Đã xoá theo yêu cầu." : (f.contact ?? "Không để lại")}
                    </dd>
                  </div>
                </dl>
                <h3>Nội dung phản ánh, kiến nghị</h3>
                <p className="answer-text" data-testid="feedback-content">
                  {f.erased ? "Đã xoá theo yêu cầu." : f.content}
                </p>
                {f.answer !== null && (
                  <>
                    <h3>Nội dung trả lời {f.published ? "(đã công khai)" : "(không công khai)"}</h3>
                    <p className="answer-text">{f.answer}</p>
                  </>
                )}
              </section>

              {open && (
                <section className="panel" aria-labelledby="answer-title">
                  <h2 id="answer-title">Trả lời</h2>
                  <form onSubmit={submit("answer", { answer, publish }, "Đã ghi câu trả lời.")} noValidate>
                    <label className={`field${e("answer").fields.answer ? " invalid" : ""}`}>
                      <span>Nội dung trả lời</span>
                      <textarea
                        id="fb-answer"
                        rows={5}
                        value={answer}
                        onChange={(ev) => setAnswer(ev.target.value)}
                        {...invalidProps("fb-answer", e("answer").fields.answer)}
                      />
                    </label>
                    <FieldMessage id="fb-answer" message={e("answer").fields.answer} />
                    <label className="field inline">
                      <input
                        type="checkbox"
                        checked={publish}
                        onChange={(ev) => setPublish(ev.target.checked)}
                      />
                      <span>Công khai câu trả lời cho người có mã theo dõi</span>
                    </label>
                    {e("answer").form && <ProblemNotice message={e("answer").form as string} />}
                    <button type="submit" disabled={busy}>
                      Gửi trả lời
                    </button>
                  </form>
                </section>
              )}

              {open && (
                <section className="panel" aria-labelledby="assign-title">
                  <h2 id="assign-title">Giao xử lý</h2>
                  <form
                    onSubmit={submit(
                      "assign",
                      {
                        toUnitId: toUnitId || (props.session.unitId ?? ""),
                        ...(officerId.trim() ? { officerId } : {}),
                      },
                      "Đã giao xử lý.",
                    )}
                    noValidate
                  >
                    <label className={`field${e("assign").fields.toUnitId ? " invalid" : ""}`}>
                      <span>Đơn vị xử lý</span>
                      <select
                        id="fb-to-unit"
                        value={toUnitId || (props.session.unitId ?? "")}
                        onChange={(ev) => setToUnitId(ev.target.value)}
                        {...invalidProps("fb-to-unit", e("assign").fields.toUnitId)}
                      >
                        <option value="">— Chọn đơn vị —</option>
                        {loaded.value.units.map((u) => (
                          <option key={u.unitId} value={u.unitId}>
                            {u.name}
                          </option>
                        ))}
                      </select>
                    </label>
                    <FieldMessage id="fb-to-unit" message={e("assign").fields.toUnitId} />
                    <label className="field">
                      <span>Cán bộ xử lý (tài khoản, không bắt buộc)</span>
                      <input
                        id="fb-officer"
                        value={officerId}
                        onChange={(ev) => setOfficerId(ev.target.value)}
                      />
                    </label>
                    {e("assign").form && <ProblemNotice message={e("assign").form as string} />}
                    <button type="submit" className="secondary" disabled={busy}>
                      Giao xử lý
                    </button>
                  </form>
                </section>
              )}

              {f.status !== "closed" && (
                <section className="panel" aria-labelledby="close-title">
                  <h2 id="close-title">Kết thúc</h2>
                  <form onSubmit={submit("close", {}, "Đã kết thúc phản ánh, kiến nghị.")}>
                    <p className="muted">
                      {f.status === "answered"
                        ? "Kết thúc việc xử lý sau khi đã trả lời."
                        : "Kết thúc không trả lời (trùng lặp, không phải phản ánh, kiến nghị)."}
                    </p>
                    {e("close").form && <ProblemNotice message={e("close").form as string} />}
                    <button type="submit" className="secondary" disabled={busy}>
                      Kết thúc
                    </button>
                  </form>
                </section>
              )}

              {props.session.role === "admin" && !f.erased && (
                <section className="panel" aria-labelledby="erase-title">
                  <h2 id="erase-title">Xoá thông tin người gửi</h2>
                  <form
                    onSubmit={submit("erase", { reason: eraseReason }, "Đã xoá thông tin người gửi.")}
                    noValidate
                  >
                    <p className="muted">
                      Theo yêu cầu của người gửi (Nghị định 13/2023/NĐ-CP): xoá vĩnh viễn nội dung, thông tin
                      liên hệ và câu trả lời; tình trạng xử lý vẫn giữ.
                    </p>
                    <label className={`field${e("erase").fields.reason ? " invalid" : ""}`}>
                      <span>Căn cứ xoá (số, ngày của yêu cầu; không ghi tên người gửi)</span>
                      <input
                        id="fb-erase-reason"
                        value={eraseReason}
                        onChange={(ev) => setEraseReason(ev.target.value)}
                        {...invalidProps("fb-erase-reason", e("erase").fields.reason)}
                      />
                    </label>
                    <FieldMessage id="fb-erase-reason" message={e("erase").fields.reason} />
                    {e("erase").form && <ProblemNotice message={e("erase").form as string} />}
                    <button type="submit" className="secondary" disabled={busy}>
                      Xoá thông tin người gửi
                    </button>
                  </form>
                </section>
              )}

              <section className="panel" aria-labelledby="history-title">
                <h2 id="history-title">Diễn biến</h2>
                <ol>
                  {f.history.map((h) => (
                    <li key={h.revision}>
                      {dateTime(h.at)}: {EVENT_WORDS[h.type] ?? h.type}
                    </li>
                  ))}
                </ol>
              </section>
            </>
          );
        })()}
    </WorkbenchLayout>
  );
}
