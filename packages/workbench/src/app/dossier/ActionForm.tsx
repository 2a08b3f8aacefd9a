import { type FormEvent, useRef, useState } from "react";
import { ifMatch, isProblem, newIdempotencyKey } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { type FormErrors, formErrorsOf, noErrors } from "../field-errors";
import type { UnitInfo } from "../reference";
import { RETURN_METHOD } from "../vi";
import { ACTION_TITLE, type ActionName, type ActionValues, FIELDS, sendAction } from "./actions";

const EMPTY: ActionValues = {
  toUnitId: "",
  step: "",
  reason: "",
  note: "",
  amount: "",
  promisedAt: "",
  outcome: "approved",
  method: "counter",
  paymentMethod: "counter",
};

const LABEL: Record<keyof ActionValues, string> = {
  toUnitId: "Đơn vị nhận",
  step: "Bước xử lý",
  reason: "Lý do",
  note: "Ghi chú",
  amount: "Số tiền (đồng)",
  promisedAt: "Thời điểm hẹn trả mới",
  outcome: "Kết quả",
  method: "Hình thức trả",
  paymentMethod: "Hình thức nộp",
};

const PAYMENT_METHOD: Record<ActionValues["paymentMethod"], string> = {
  counter: "Nộp trực tiếp tại Bộ phận Một cửa",
  online_national_portal: "Thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia",
  online_local_gateway: "Thanh toán trực tuyến qua cổng thanh toán của tỉnh",
};

/**
 * One action as a form. It sends the revision the page saw (If-Match: a stale page gets 409 and
 * reloads) and one Idempotency-Key per attempt (a retry of the same body reuses it). A refusal shows in
 * Vietnamese next to the field it names, or next to the button when it is about the dossier's state.
 */
export function ActionForm(props: {
  action: ActionName;
  dossierId: string;
  revision: number;
  targets: readonly UnitInfo[];
  onDone: (position: number) => void;
  onStale: () => void;
}) {
  const [values, setValues] = useState<ActionValues>(EMPTY);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [busy, setBusy] = useState(false);
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const id = (field: string) => `${props.action}-${field}`;
  const set = <K extends keyof ActionValues>(key: K, value: ActionValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    // The field's message goes once the officer changes it.
    setErrors((e) =>
      key in e.fields
        ? { form: e.form, fields: Object.fromEntries(Object.entries(e.fields).filter(([k]) => k !== key)) }
        : e,
    );
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    const json = JSON.stringify([props.revision, values]);
    if (attempt.current?.body !== json) attempt.current = { key: newIdempotencyKey(), body: json };
    const answer = await sendAction(
      props.action,
      props.dossierId,
      { "if-match": ifMatch(props.revision), "idempotency-key": attempt.current.key },
      values,
    );
    setBusy(false);
    if (answer.data) {
      setErrors(noErrors);
      setValues(EMPTY);
      props.onDone(answer.data.position);
      return;
    }
    const problem = isProblem(answer.error) ? answer.error : { status: answer.response.status, code: "http" };
    setErrors(formErrorsOf(problem));
    if (problem.status === 409) props.onStale();
  }

  const f = errors.fields;
  return (
    <form className="action-form" data-action={props.action} noValidate onSubmit={(e) => void submit(e)}>
      <h3>{ACTION_TITLE[props.action]}</h3>
      {FIELDS[props.action].map((field) => (
        <div key={field}>
          {field === "toUnitId" && (
            <label className={`field${f.toUnitId ? " invalid" : ""}`}>
              <span>{LABEL.toUnitId}</span>
              <select
                id={id(field)}
                value={values.toUnitId}
                onChange={(e) => set("toUnitId", e.target.value)}
                {...invalidProps(id(field), f.toUnitId)}
              >
                <option value="">— Chọn đơn vị —</option>
                {props.targets.map((u) => (
                  <option key={u.unitId} value={u.unitId}>
                    {u.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {(field === "reason" || field === "note" || field === "step") && (
            <label className={`field${f[field] ? " invalid" : ""}`}>
              <span>{LABEL[field]}</span>
              <textarea
                id={id(field)}
                rows={2}
                value={values[field]}
                onChange={(e) => set(field, e.target.value)}
                {...invalidProps(id(field), f[field])}
              />
            </label>
          )}
          {field === "amount" && (
            <label className={`field${f.amount ? " invalid" : ""}`}>
              <span>{LABEL.amount}</span>
              <input
                id={id(field)}
                inputMode="numeric"
                value={values.amount}
                onChange={(e) => set("amount", e.target.value)}
                {...invalidProps(id(field), f.amount)}
              />
            </label>
          )}
          {field === "promisedAt" && (
            <label className={`field${f.promisedAt ? " invalid" : ""}`}>
              <span>{LABEL.promisedAt}</span>
              <input
                id={id(field)}
                type="datetime-local"
                value={values.promisedAt}
                onChange={(e) => set("promisedAt", e.target.value)}
                {...invalidProps(id(field), f.promisedAt)}
              />
            </label>
          )}
          {field === "outcome" && (
            <fieldset>
              <legend>{LABEL.outcome}</legend>
              <div className="choices">
                <label>
                  <input
                    type="radio"
                    name={id("outcome")}
                    checked={values.outcome === "approved"}
                    onChange={() => set("outcome", "approved")}
                  />
                  Chấp thuận (cấp kết quả)
                </label>
                <label>
                  <input
                    type="radio"
                    name={id("outcome")}
                    checked={values.outcome === "rejected"}
                    onChange={() => set("outcome", "rejected")}
                  />
                  Từ chối (có văn bản nêu lý do)
                </label>
              </div>
            </fieldset>
          )}
          {field === "method" && (
            <label className="field">
              <span>{LABEL.method}</span>
              <select
                id={id(field)}
                value={values.method}
                onChange={(e) => set("method", e.target.value as ActionValues["method"])}
              >
                {(["counter", "postal", "online"] as const).map((m) => (
                  <option key={m} value={m}>
                    Trả {RETURN_METHOD[m]}
                  </option>
                ))}
              </select>
            </label>
          )}
          {field === "paymentMethod" && (
            <label className="field">
              <span>{LABEL.paymentMethod}</span>
              <select
                id={id(field)}
                value={values.paymentMethod}
                onChange={(e) => set("paymentMethod", e.target.value as ActionValues["paymentMethod"])}
              >
                {(Object.keys(PAYMENT_METHOD) as ActionValues["paymentMethod"][]).map((m) => (
                  <option key={m} value={m}>
                    {PAYMENT_METHOD[m]}
                  </option>
                ))}
              </select>
            </label>
          )}
          <FieldMessage id={id(field)} message={f[field]} />
        </div>
      ))}
      <div className="actions-row">
        <button type="submit" disabled={busy}>
          {ACTION_TITLE[props.action].replace(/ \(Mẫu \d+\)$/, "")}
        </button>
        {errors.form && (
          <p className="field-error form-error" role="alert">
            {errors.form}
          </p>
        )}
      </div>
    </form>
  );
}
