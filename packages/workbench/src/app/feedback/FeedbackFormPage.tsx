import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api, isProblem } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { orThrow, useLoad } from "../load";
import { dateTime } from "../vi";
import { feedbackFormErrors } from "./words";

interface Sent {
  readonly trackingCode: string;
  readonly unitName: string | null;
  readonly dueAt: string;
}

type Errors = { fields: Record<string, string>; form: string | null };
const NO_ERRORS: Errors = { fields: {}, form: null };

/**
 * The citizen's feedback form (`/phan-anh`): about a unit, a procedure or a dossier, the words, and a way
 * to reach them if they wish. No sign-in; mobile first. The answer is a tracking code to follow it with.
 */
export function FeedbackFormPage() {
  const [choices] = useLoad(async () => orThrow(await api.GET("/public/feedback/choices")), []);
  const [unitId, setUnitId] = useState("");
  const [procedureId, setProcedureId] = useState("");
  const [dossierCode, setDossierCode] = useState("");
  const [content, setContent] = useState("");
  const [contact, setContact] = useState("");
  const [errors, setErrors] = useState<Errors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Sent | null>(null);
  const max = choices.state === "ready" ? choices.value.contentMaxLength : 5000;

  async function send(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const about = {
      ...(unitId ? { unitId } : {}),
      ...(procedureId ? { procedureId } : {}),
      ...(dossierCode.trim() ? { dossierCode: dossierCode.trim() } : {}),
    };
    const answer = await api.POST("/public/feedback", {
      body: { about, content, ...(contact.trim() ? { contact } : {}) },
    });
    setBusy(false);
    if (answer.data) {
      setErrors(NO_ERRORS);
      setSent(answer.data);
      return;
    }
    const problem = isProblem(answer.error) ? answer.error : { status: answer.response.status, code: "http" };
    setErrors(feedbackFormErrors(problem));
  }

  const fieldError = (path: string) => errors.fields[path];
  const aboutError = errors.fields.about ?? errors.fields["about.unitId"];

  return (
    <div className="public-page">
      <header className="public-header">
        <p>Tiếp nhận phản ánh, kiến nghị của cá nhân, tổ chức</p>
      </header>
      <main className="public">
        <h1>Gửi phản ánh, kiến nghị</h1>
        {sent ? (
          <section className="panel public-result" aria-labelledby="sent-title">
            <h2 id="sent-title">Đã gửi phản ánh, kiến nghị</h2>
            <p>Mã theo dõi của ông/bà (vui lòng ghi lại để tra cứu kết quả xử lý):</p>
            <p className="tracking-code" data-testid="tracking-code">
              {sent.trackingCode}
            </p>
            <dl className="facts">
              <div>
                <dt>Đơn vị xử lý</dt>
                <dd>{sent.unitName ?? "—"}</dd>
              </div>
              <div>
                <dt>Hạn trả lời</dt>
                <dd>{dateTime(sent.dueAt)}</dd>
              </div>
            </dl>
            <p>
              <Link to={`/phan-anh/${sent.trackingCode}`}>Theo dõi phản ánh này</Link>
            </p>
          </section>
        ) : (
          <form className="feedback-form" onSubmit={send} aria-label="Gửi phản ánh, kiến nghị" noValidate>
            <p className="lead">
              Phản ánh, kiến nghị về đơn vị, thủ tục hành chính hoặc hồ sơ được xử lý trong{" "}
              {choices.state === "ready" ? choices.value.handlingWorkingDays : 10} ngày làm việc. Thông tin
              liên hệ chỉ cán bộ xử lý được xem.
            </p>
            <fieldset>
              <legend>Phản ánh về (chọn ít nhất một)</legend>
              <label className={`field${aboutError ? " invalid" : ""}`}>
                <span>Đơn vị</span>
                <select
                  id="fb-unit"
                  value={unitId}
                  onChange={(e) => setUnitId(e.target.value)}
                  {...invalidProps("fb-unit", aboutError)}
                >
                  <option value="">— Chọn đơn vị —</option>
                  {choices.state === "ready" &&
                    choices.value.units.map((u) => (
                      <option key={u.unitId} value={u.unitId}>
                        {u.name}
                      </option>
                    ))}
                </select>
              </label>
              <FieldMessage id="fb-unit" message={aboutError} />
              <label className={`field${fieldError("about.procedureId") ? " invalid" : ""}`}>
                <span>Thủ tục hành chính</span>
                <select
                  id="fb-procedure"
                  value={procedureId}
                  onChange={(e) => setProcedureId(e.target.value)}
                  {...invalidProps("fb-procedure", fieldError("about.procedureId"))}
                >
                  <option value="">— Không chọn —</option>
                  {choices.state === "ready" &&
                    choices.value.procedures.map((p) => (
                      <option key={p.procedureId} value={p.procedureId}>
                        {p.name}
                      </option>
                    ))}
                </select>
              </label>
              <FieldMessage id="fb-procedure" message={fieldError("about.procedureId")} />
              <label className={`field${fieldError("about.dossierCode") ? " invalid" : ""}`}>
                <span>Mã hồ sơ (nếu phản ánh về một hồ sơ)</span>
                <input
                  id="fb-dossier"
                  value={dossierCode}
                  onChange={(e) => setDossierCode(e.target.value)}
                  autoCapitalize="characters"
                  {...invalidProps("fb-dossier", fieldError("about.dossierCode"))}
                />
              </label>
              <FieldMessage id="fb-dossier" message={fieldError("about.dossierCode")} />
            </fieldset>
            <label className={`field${fieldError("content") ? " invalid" : ""}`}>
              <span>Nội dung phản ánh, kiến nghị (bắt buộc)</span>
              <textarea
                id="fb-content"
                rows={6}
                value={content}
                onChange={(e) => setContent(e.target.value)}
                {...invalidProps("fb-content", fieldError("content"))}
              />
            </label>
            <p className="muted" aria-live="polite">
              {content.length.toLocaleString("vi-VN")} / {max.toLocaleString("vi-VN")} ký tự
            </p>
            <FieldMessage id="fb-content" message={fieldError("content")} />
            <label className={`field${fieldError("contact") ? " invalid" : ""}`}>
              <span>Thông tin liên hệ (không bắt buộc: số điện thoại, thư điện tử hoặc địa chỉ)</span>
              <input
                id="fb-contact"
                value={contact}
                onChange={(e) => setContact(e.target.value)}
                autoComplete="tel"
                {...invalidProps("fb-contact", fieldError("contact"))}
              />
            </label>
            <FieldMessage id="fb-contact" message={fieldError("contact")} />
            {errors.form && (
              <p className="notice notice-error" role="alert">
                {errors.form}
              </p>
            )}
            <button type="submit" disabled={busy}>
              {busy ? "Đang gửi…" : "Gửi phản ánh"}
            </button>
          </form>
        )}
        <p>
          <Link to="/phan-anh/tra-cuu">Theo dõi phản ánh đã gửi</Link> ·{" "}
          <Link to="/tra-cuu">Tra cứu hồ sơ</Link>
        </p>
      </main>
    </div>
  );
}
