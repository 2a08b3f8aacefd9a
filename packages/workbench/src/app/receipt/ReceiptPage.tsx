import { type FormEvent, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { api, isProblem, newIdempotencyKey } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { type FormErrors, formErrorsOf, noErrors } from "../field-errors";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { useLoad } from "../load";
import { loadProcedures, loadUnits, receivableAt } from "../reference";
import type { Session } from "../session";
import { CHANNEL, dateTime, refusalWords, timeLimitWords } from "../vi";
import { loadCalendars, previewDueAt } from "./due-preview";

interface DocumentRow {
  readonly key: number;
  name: string;
  digitized: boolean;
}

/**
 * The receipt form (tiếp nhận hồ sơ): the procedures this unit may receive, the applicant, the channel
 * and the document checklist, with the due moment a receipt now would get. Submitting receives the
 * dossier (one Idempotency-Key per attempt, so a double click or a retried request receives it once) and
 * opens its page.
 */
export function ReceiptPage(props: { session: Session }) {
  const unitId = props.session.unitId ?? "";
  const [loaded] = useLoad(async () => {
    const [units, procedures, calendars] = await Promise.all([
      loadUnits(),
      loadProcedures(),
      loadCalendars(new Date()),
    ]);
    const unit = units.find((u) => u.unitId === unitId);
    if (!unit) throw { status: 404, code: "unit.unknown" };
    const receivable = procedures
      .filter((p) => receivableAt(p).includes(unit.level))
      .sort((a, b) => a.name.localeCompare(b.name, "vi"));
    return { unit, procedures: receivable, calendars };
  }, [unitId]);

  const navigate = useNavigate();
  const [procedureId, setProcedureId] = useState("");
  const [channel, setChannel] = useState("direct");
  const [applicant, setApplicant] = useState({ name: "", idNumber: "", phone: "", address: "" });
  const nextKey = useRef(1);
  const [documents, setDocuments] = useState<DocumentRow[]>([{ key: 0, name: "", digitized: false }]);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ key: string; body: string } | null>(null);

  const procedure =
    loaded.state === "ready" ? loaded.value.procedures.find((p) => p.procedureId === procedureId) : undefined;
  const preview = useMemo(
    () =>
      loaded.state === "ready" && procedure
        ? previewDueAt(loaded.value.calendars, loaded.value.unit, procedure, new Date())
        : null,
    [loaded, procedure],
  );

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const body = {
      procedureId,
      unitId,
      channel: channel as "direct" | "online" | "postal",
      applicant: {
        name: applicant.name,
        ...(applicant.idNumber.trim() ? { idNumber: applicant.idNumber.trim() } : {}),
        ...(applicant.phone.trim() ? { phone: applicant.phone.trim() } : {}),
        ...(applicant.address.trim() ? { address: applicant.address.trim() } : {}),
      },
      documents: documents
        .filter((d) => d.name.trim() !== "")
        .map((d) => ({ name: d.name.trim(), digitized: d.digitized })),
    };
    // The same body again (a retry after a lost answer) keeps its key: the API answers it once.
    const json = JSON.stringify(body);
    if (attempt.current?.body !== json) attempt.current = { key: newIdempotencyKey(), body: json };
    const answer = await api.POST("/dossiers", {
      params: { header: { "idempotency-key": attempt.current.key } },
      body,
    });
    setBusy(false);
    if (answer.data) {
      navigate(`/ho-so/${answer.data.dossierId}`, { state: { position: answer.data.position } });
      return;
    }
    setErrors(isProblem(answer.error) ? formErrorsOf(answer.error) : { fields: {}, form: "Không gửi được." });
  }

  const f = errors.fields;
  /** A field's message goes once the officer changes that field. */
  const clear = (path: string) =>
    f[path] &&
    setErrors((e) => ({
      form: e.form,
      fields: Object.fromEntries(Object.entries(e.fields).filter(([k]) => k !== path)),
    }));
  return (
    <WorkbenchLayout title="Tiếp nhận hồ sơ">
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" && (
        <form className="panel receipt" noValidate onSubmit={(e) => void submit(e)}>
          <p className="muted">
            Đơn vị tiếp nhận: <strong>{loaded.value.unit.name}</strong>
          </p>
          <label className={`field${f.procedureId ? " invalid" : ""}`}>
            <span>Thủ tục hành chính</span>
            <select
              id="procedureId"
              value={procedureId}
              onChange={(e) => {
                setProcedureId(e.target.value);
                clear("procedureId");
              }}
              {...invalidProps("procedureId", f.procedureId)}
            >
              <option value="">— Chọn thủ tục —</option>
              {loaded.value.procedures.map((p) => (
                <option key={p.procedureId} value={p.procedureId}>
                  {p.name} ({p.code})
                </option>
              ))}
            </select>
          </label>
          <FieldMessage id="procedureId" message={f.procedureId} />
          {procedure && (
            <div className="notice notice-ok due-preview" aria-live="polite">
              Lĩnh vực {procedure.field} · Thời hạn giải quyết: {timeLimitWords(procedure.timeLimit)}.{" "}
              {preview?.dueAt ? (
                <>
                  Hẹn trả kết quả nếu tiếp nhận ngay:{" "}
                  <strong data-testid="due-preview">{dateTime(preview.dueAt)}</strong>
                  {preview.provisional && (
                    <span className="badge badge-provisional">
                      Tạm tính: năm này chưa có lịch nghỉ chính thức
                    </span>
                  )}
                </>
              ) : (
                "Thủ tục không hẹn ngày trả kết quả."
              )}
            </div>
          )}

          <fieldset>
            <legend>Hình thức nộp</legend>
            <div className="choices">
              {(["direct", "online", "postal"] as const).map((c) => (
                <label key={c}>
                  <input
                    type="radio"
                    name="channel"
                    value={c}
                    checked={channel === c}
                    onChange={() => setChannel(c)}
                  />
                  {CHANNEL[c]}
                </label>
              ))}
            </div>
          </fieldset>

          <fieldset>
            <legend>Người nộp hồ sơ</legend>
            <div className="form-grid">
              {(
                [
                  ["name", "Họ và tên", "applicant.name"],
                  ["idNumber", "Số định danh cá nhân / CCCD", "applicant.idNumber"],
                  ["phone", "Số điện thoại", "applicant.phone"],
                  ["address", "Địa chỉ", "applicant.address"],
                ] as const
              ).map(([key, label, path]) => (
                <div key={key}>
                  <label className={`field${f[path] ? " invalid" : ""}`}>
                    <span>{label}</span>
                    <input
                      id={`applicant-${key}`}
                      value={applicant[key]}
                      autoComplete="off"
                      onChange={(e) => {
                        setApplicant((a) => ({ ...a, [key]: e.target.value }));
                        clear(path);
                      }}
                      {...invalidProps(`applicant-${key}`, f[path])}
                    />
                  </label>
                  <FieldMessage id={`applicant-${key}`} message={f[path]} />
                </div>
              ))}
            </div>
          </fieldset>

          <fieldset>
            <legend>Thành phần hồ sơ</legend>
            <ol className="documents">
              {documents.map((d, index) => (
                <li key={d.key} className="document-row">
                  <label className="field inline">
                    <span>Tên giấy tờ {index + 1}</span>
                    <input
                      value={d.name}
                      onChange={(e) =>
                        setDocuments((list) =>
                          list.map((x) => (x.key === d.key ? { ...x, name: e.target.value } : x)),
                        )
                      }
                    />
                  </label>
                  <label className="field inline">
                    <input
                      type="checkbox"
                      checked={d.digitized}
                      onChange={(e) =>
                        setDocuments((list) =>
                          list.map((x) => (x.key === d.key ? { ...x, digitized: e.target.checked } : x)),
                        )
                      }
                    />
                    <span>Đã số hóa</span>
                  </label>
                  {documents.length > 1 && (
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => setDocuments((list) => list.filter((x) => x.key !== d.key))}
                    >
                      Bỏ giấy tờ {index + 1}
                    </button>
                  )}
                  <FieldMessage id={`documents-${index}`} message={f[`documents.${index}.name`]} />
                </li>
              ))}
            </ol>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                const key = nextKey.current++;
                setDocuments((list) => [...list, { key, name: "", digitized: false }]);
              }}
            >
              Thêm giấy tờ
            </button>
          </fieldset>

          <div className="actions-row">
            <button type="submit" disabled={busy}>
              Tiếp nhận hồ sơ
            </button>
            {errors.form && (
              <p className="field-error" role="alert">
                {errors.form}
              </p>
            )}
          </div>
        </form>
      )}
    </WorkbenchLayout>
  );
}
