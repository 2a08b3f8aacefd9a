import { ProcedureDefinitionSchema } from "@motcua/domain";
import { type FormEvent, useState } from "react";
import { api, isProblem } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { type FormErrors, formErrorsOf, noErrors } from "../field-errors";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { orThrow, useLoad } from "../load";
import { forgetReferenceData, loadProcedures, loadUnits, type ProcedureInfo } from "../reference";
import { LEVEL, refusalWords, TIME_LIMIT_UNIT, timeLimitWords } from "../vi";
import { ProcedureForm, UnitForm } from "./ReferenceForms";

const dates = (text: string) =>
  text
    .split(/[\s,;]+/)
    .map((d) => d.trim())
    .filter((d) => d !== "");

/** A year's official notice: holidays and compensatory days off, weekend days worked by swap. */
function CalendarForm(props: { onSaved: () => void }) {
  const [year, setYear] = useState(String(new Date().getFullYear() + 1));
  const [holidays, setHolidays] = useState("");
  const [workingDays, setWorkingDays] = useState("");
  const [notice, setNotice] = useState("");
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [saved, setSaved] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const answer = await api.PUT("/calendars/{year}", {
      params: { path: { year: Number(year) } },
      body: {
        holidays: dates(holidays),
        workingDays: dates(workingDays),
        ...(notice.trim() ? { notice: notice.trim() } : {}),
      },
    });
    if (answer.data) {
      setErrors(noErrors);
      setSaved(`Đã nạp lịch năm ${year}.`);
      forgetReferenceData();
      props.onSaved();
      return;
    }
    setErrors(isProblem(answer.error) ? formErrorsOf(answer.error) : { fields: {}, form: "Không lưu được." });
  }
  const f = errors.fields;
  const fieldOf = (name: string) => Object.keys(f).find((k) => k === name || k.startsWith(`${name}.`));
  return (
    <form
      className="action-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label="Nạp lịch nghỉ lễ, Tết"
    >
      <h3>Nạp thông báo lịch nghỉ lễ, Tết của một năm</h3>
      <div className="form-grid">
        <label className="field">
          <span>Năm</span>
          <input id="cal-year" inputMode="numeric" value={year} onChange={(e) => setYear(e.target.value)} />
        </label>
        <label className="field">
          <span>Số, ngày thông báo</span>
          <input id="cal-notice" value={notice} onChange={(e) => setNotice(e.target.value)} />
        </label>
      </div>
      <label className={`field${fieldOf("holidays") ? " invalid" : ""}`}>
        <span>Ngày nghỉ lễ, Tết và nghỉ bù rơi vào ngày làm việc (YYYY-MM-DD, cách nhau bởi dấu cách)</span>
        <textarea
          id="cal-holidays"
          rows={2}
          value={holidays}
          onChange={(e) => setHolidays(e.target.value)}
          {...invalidProps("cal-holidays", fieldOf("holidays") && f[fieldOf("holidays") as string])}
        />
      </label>
      <FieldMessage id="cal-holidays" message={fieldOf("holidays") && f[fieldOf("holidays") as string]} />
      <label className={`field${fieldOf("workingDays") ? " invalid" : ""}`}>
        <span>Ngày cuối tuần làm bù (YYYY-MM-DD)</span>
        <textarea
          id="cal-working"
          rows={1}
          value={workingDays}
          onChange={(e) => setWorkingDays(e.target.value)}
          {...invalidProps("cal-working", fieldOf("workingDays") && f[fieldOf("workingDays") as string])}
        />
      </label>
      <FieldMessage
        id="cal-working"
        message={fieldOf("workingDays") && f[fieldOf("workingDays") as string]}
      />
      <div className="actions-row">
        <button type="submit">Lưu lịch</button>
        {errors.form && (
          <p className="field-error" role="alert">
            {errors.form}
          </p>
        )}
        {saved && (
          <p className="notice notice-ok" role="status">
            {saved}
          </p>
        )}
      </div>
    </form>
  );
}

/** A new time limit makes a new version of the procedure; dossiers already received keep theirs. */
function TimeLimitForm(props: { procedure: ProcedureInfo; onSaved: () => void }) {
  const [value, setValue] = useState(String(props.procedure.timeLimit.value));
  const [unit, setUnit] = useState(props.procedure.timeLimit.unit);
  const [message, setMessage] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    // The stored definition as the schema knows it, with the new limit: every other field unchanged.
    const keys = ProcedureDefinitionSchema.keyof().options as readonly string[];
    const current = props.procedure as unknown as Record<string, unknown>;
    const body = Object.fromEntries(keys.filter((k) => current[k] !== undefined).map((k) => [k, current[k]]));
    body.timeLimit = { value: Number(value), unit };
    const answer = await api.PUT("/procedures/{procedureId}", {
      params: { path: { procedureId: props.procedure.procedureId } },
      body: body as never,
    });
    if (answer.data) {
      setMessage(`Đã lưu phiên bản ${answer.data.version}.`);
      forgetReferenceData();
      props.onSaved();
    } else setMessage(isProblem(answer.error) ? refusalWords(answer.error) : "Không lưu được.");
  }
  const id = `limit-${props.procedure.procedureId}`;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => void submit(e)}
      aria-label={`Thời hạn của ${props.procedure.name}`}
    >
      <label className="field inline">
        <span className="visually-hidden">Số lượng</span>
        <input
          id={`${id}-value`}
          inputMode="numeric"
          size={4}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <label className="field inline">
        <span className="visually-hidden">Đơn vị thời hạn</span>
        <select id={`${id}-unit`} value={unit} onChange={(e) => setUnit(e.target.value)}>
          {Object.entries(TIME_LIMIT_UNIT).map(([key, words]) => (
            <option key={key} value={key}>
              {words}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="secondary">
        Lưu thời hạn
      </button>
      {message && <span role="status">{message}</span>}
    </form>
  );
}

/**
 * Reference data for admins: the years whose holiday notice is missing (their deadlines are provisional)
 * and the form to load one; units with their levels, parents and validity; procedures with their version,
 * time limit, where they may be received and their inter-level path.
 */
export function AdminPage() {
  const [loaded, reload] = useLoad(async () => {
    forgetReferenceData();
    const [calendars, units, procedures] = await Promise.all([
      api.GET("/calendars").then(orThrow),
      loadUnits(),
      loadProcedures(),
    ]);
    return { calendars, units, procedures };
  }, []);
  return (
    <WorkbenchLayout title="Quản trị danh mục">
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" && (
        <>
          <section className="panel" aria-labelledby="calendars-title">
            <h2 id="calendars-title">Lịch làm việc theo năm</h2>
            {loaded.value.calendars.comingYearsWithoutNotice.length > 0 && (
              <p className="notice notice-warning" role="status" data-testid="missing-notice">
                Chưa nạp thông báo lịch nghỉ lễ, Tết năm{" "}
                {loaded.value.calendars.comingYearsWithoutNotice.join(", ")}: hạn giải quyết rơi vào các năm
                này đang là tạm tính.
              </p>
            )}
            <ul className="years">
              {loaded.value.calendars.items.map((c) => (
                <li key={c.year} data-year={c.year}>
                  <strong>{c.year}</strong>:{" "}
                  {c.hasNotice ? (
                    <span className="badge badge-ok">Đã có thông báo{c.notice ? ` (${c.notice})` : ""}</span>
                  ) : (
                    <span className="badge badge-due-soon">Chưa có thông báo</span>
                  )}
                </li>
              ))}
            </ul>
            <CalendarForm onSaved={reload} />
          </section>
          <section className="panel" aria-labelledby="units-title">
            <h2 id="units-title">Đơn vị ({loaded.value.units.length})</h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Mã</th>
                    <th scope="col">Tên đơn vị</th>
                    <th scope="col">Cấp</th>
                    <th scope="col">Trực thuộc</th>
                    <th scope="col">Hiệu lực</th>
                  </tr>
                </thead>
                <tbody>
                  {loaded.value.units.map((u) => (
                    <tr key={u.unitId} data-unit={u.unitId}>
                      <td>{u.code}</td>
                      <td>{u.name}</td>
                      <td>{LEVEL[u.level] ?? u.level}</td>
                      <td>{loaded.value.units.find((p) => p.unitId === u.parentId)?.name ?? "—"}</td>
                      <td>{u.validTo ? `đến ${u.validTo}` : "Đang hoạt động"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <UnitForm units={loaded.value.units} onSaved={reload} />
          </section>
          <section className="panel" aria-labelledby="procedures-title">
            <h2 id="procedures-title">Thủ tục hành chính ({loaded.value.procedures.length})</h2>
            <div className="table-wrap">
              <table className="procedures">
                <thead>
                  <tr>
                    <th scope="col">Thủ tục</th>
                    <th scope="col">Phiên bản</th>
                    <th scope="col">Tiếp nhận tại</th>
                    <th scope="col">Liên thông qua</th>
                    <th scope="col">Thời hạn</th>
                  </tr>
                </thead>
                <tbody>
                  {loaded.value.procedures.map((p) => (
                    <tr key={p.procedureId} data-procedure={p.procedureId}>
                      <td>
                        {p.name}
                        <div className="muted">
                          {p.code} · {p.field}
                        </div>
                      </td>
                      <td data-testid={`version-${p.procedureId}`}>{p.version}</td>
                      <td>
                        {(p.receivableAt?.length ? p.receivableAt : [p.level])
                          .map((l) => LEVEL[l] ?? l)
                          .join(", ")}
                      </td>
                      <td>
                        {p.interLevels?.length ? p.interLevels.map((l) => LEVEL[l] ?? l).join(" → ") : "—"}
                      </td>
                      <td>
                        {timeLimitWords(p.timeLimit)}
                        <TimeLimitForm procedure={p} onSaved={reload} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ProcedureForm procedures={loaded.value.procedures} units={loaded.value.units} onSaved={reload} />
          </section>
        </>
      )}
    </WorkbenchLayout>
  );
}
