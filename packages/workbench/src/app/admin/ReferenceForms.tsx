import { ProcedureDefinitionSchema } from "@motcua/domain";
import { type FormEvent, type ReactNode, useState } from "react";
import { api, isProblem } from "../api";
import { FieldMessage, invalidProps } from "../FieldMessage";
import { type FormErrors, formErrorsOf, noErrors } from "../field-errors";
import { useLoad } from "../load";
import { forgetReferenceData, type ProcedureInfo, type UnitInfo } from "../reference";
import { dateTime, LEVEL, TIME_LIMIT_UNIT, timeLimitWords } from "../vi";

/** The levels offered in the forms: the known ones, then any other a stored unit uses (levels are data). */
const levelChoices = (units: readonly UnitInfo[]): string[] => [
  ...new Set(["province", "department", "district", "commune", "ward", ...units.map((u) => u.level)]),
];

const LEVEL_NAME: Record<string, string> = {
  province: "Cấp tỉnh (province)",
  department: "Sở, ngành (department)",
  district: "Cấp huyện (district)",
  commune: "Xã (commune)",
  ward: "Phường (ward)",
};
const levelName = (level: string) => LEVEL_NAME[level] ?? LEVEL[level] ?? level;

const ONLINE_SERVICE: Record<string, string> = {
  full: "Toàn trình",
  partial: "Một phần",
  none: "Không trực tuyến",
};
const SUPPLEMENT_POLICY: Record<string, string> = {
  restart: "Tính lại từ đầu khi nhận đủ bổ sung",
  resume: "Tính tiếp thời gian còn lại",
};

/** The message for a field, or for one of its parts (`timeLimit.value` under `timeLimit`). */
const messageOf = (errors: FormErrors, name: string): string | undefined => {
  const key = Object.keys(errors.fields).find((k) => k === name || k.startsWith(`${name}.`));
  return key === undefined ? undefined : errors.fields[key];
};

/** A labelled field with its message under it, tied to it for screen readers. */
function Field(props: {
  id: string;
  label: string;
  message: string | undefined;
  children: (attributes: Record<string, unknown>) => ReactNode;
}) {
  return (
    <div className={`field${props.message ? " invalid" : ""}`}>
      <label htmlFor={props.id}>
        <span>{props.label}</span>
      </label>
      {props.children({ id: props.id, ...invalidProps(props.id, props.message) })}
      <FieldMessage id={props.id} message={props.message} />
    </div>
  );
}

function FormFooter(props: { button: string; errors: FormErrors; saved: string | null }) {
  return (
    <div className="actions-row">
      <button type="submit">{props.button}</button>
      {props.errors.form && (
        <p className="field-error" role="alert">
          {props.errors.form}
        </p>
      )}
      {props.saved && (
        <p className="notice notice-ok" role="status">
          {props.saved}
        </p>
      )}
    </div>
  );
}

const blankUnit = {
  unitId: "",
  code: "",
  name: "",
  level: "commune",
  parentId: "",
  validFrom: "",
  validTo: "",
};

/**
 * Creates a unit or changes one (`PUT /units/{id}`): code, name, level, parent, validity and, for a unit
 * that ended (a merger), its successor. Refusals show in words under the field they concern.
 */
export function UnitForm(props: { units: readonly UnitInfo[]; onSaved: () => void }) {
  const [editing, setEditing] = useState("");
  const [fields, setFields] = useState(blankUnit);
  const [successorId, setSuccessorId] = useState("");
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [saved, setSaved] = useState<string | null>(null);
  const set = (name: keyof typeof blankUnit) => (value: string) =>
    setFields((f) => ({ ...f, [name]: value }));

  function choose(unitId: string) {
    setEditing(unitId);
    setErrors(noErrors);
    setSaved(null);
    const unit = props.units.find((u) => u.unitId === unitId) as
      | (UnitInfo & { validFrom?: string; successorId?: string })
      | undefined;
    setFields(
      unit
        ? {
            unitId: unit.unitId,
            code: unit.code,
            name: unit.name,
            level: unit.level,
            parentId: unit.parentId ?? "",
            validFrom: unit.validFrom ?? "",
            validTo: unit.validTo ?? "",
          }
        : blankUnit,
    );
    setSuccessorId(unit?.successorId ?? "");
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const unitId = fields.unitId.trim();
    if (unitId === "") {
      setErrors({ fields: { unitId: "Vui lòng nhập mã định danh của đơn vị." }, form: null });
      return;
    }
    const current = props.units.find((u) => u.unitId === unitId) as { officeHours?: unknown } | undefined;
    const answer = await api.PUT("/units/{unitId}", {
      params: { path: { unitId } },
      body: {
        code: fields.code,
        name: fields.name,
        level: fields.level,
        parentId: fields.parentId === "" ? null : fields.parentId,
        ...(fields.validFrom ? { validFrom: fields.validFrom } : {}),
        ...(fields.validTo ? { validTo: fields.validTo } : {}),
        ...(successorId ? { successorId } : {}),
        // Office hours are not edited here: a change of the other fields keeps them.
        ...(current?.officeHours === undefined ? {} : { officeHours: current.officeHours as never }),
      },
    });
    if (answer.data) {
      setErrors(noErrors);
      setSaved(`Đã lưu đơn vị ${answer.data.name}.`);
      setEditing(answer.data.unitId);
      forgetReferenceData();
      props.onSaved();
      return;
    }
    setErrors(isProblem(answer.error) ? formErrorsOf(answer.error) : { fields: {}, form: "Không lưu được." });
  }

  const others = props.units.filter((u) => u.unitId !== fields.unitId);
  return (
    <form className="action-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Thêm, sửa đơn vị">
      <h3>Thêm hoặc sửa đơn vị</h3>
      <Field id="unit-pick" label="Đơn vị cần sửa" message={undefined}>
        {(a) => (
          <select {...a} value={editing} onChange={(e) => choose(e.target.value)}>
            <option value="">— Thêm đơn vị mới —</option>
            {props.units.map((u) => (
              <option key={u.unitId} value={u.unitId}>
                {u.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="form-grid">
        <Field id="unit-id" label="Mã định danh (không đổi được)" message={messageOf(errors, "unitId")}>
          {(a) => (
            <input
              {...a}
              value={fields.unitId}
              readOnly={editing !== ""}
              onChange={(e) => set("unitId")(e.target.value)}
            />
          )}
        </Field>
        <Field id="unit-code" label="Mã đơn vị (QCVN 102)" message={messageOf(errors, "code")}>
          {(a) => <input {...a} value={fields.code} onChange={(e) => set("code")(e.target.value)} />}
        </Field>
        <Field id="unit-name" label="Tên đơn vị" message={messageOf(errors, "name")}>
          {(a) => <input {...a} value={fields.name} onChange={(e) => set("name")(e.target.value)} />}
        </Field>
        <Field id="unit-level" label="Cấp" message={messageOf(errors, "level")}>
          {(a) => (
            <select {...a} value={fields.level} onChange={(e) => set("level")(e.target.value)}>
              {levelChoices(props.units).map((l) => (
                <option key={l} value={l}>
                  {levelName(l)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="unit-parent" label="Trực thuộc" message={messageOf(errors, "parentId")}>
          {(a) => (
            <select {...a} value={fields.parentId} onChange={(e) => set("parentId")(e.target.value)}>
              <option value="">— Không có (đơn vị cao nhất) —</option>
              {others.map((u) => (
                <option key={u.unitId} value={u.unitId}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="unit-valid-from" label="Hiệu lực từ ngày" message={messageOf(errors, "validFrom")}>
          {(a) => (
            <input
              {...a}
              type="date"
              value={fields.validFrom}
              onChange={(e) => set("validFrom")(e.target.value)}
            />
          )}
        </Field>
        <Field id="unit-valid-to" label="Hết hiệu lực sau ngày" message={messageOf(errors, "validTo")}>
          {(a) => (
            <input
              {...a}
              type="date"
              value={fields.validTo}
              onChange={(e) => set("validTo")(e.target.value)}
            />
          )}
        </Field>
        <Field
          id="unit-successor"
          label="Đơn vị kế thừa (khi sáp nhập)"
          message={messageOf(errors, "successorId")}
        >
          {(a) => (
            <select {...a} value={successorId} onChange={(e) => setSuccessorId(e.target.value)}>
              <option value="">— Không có —</option>
              {others.map((u) => (
                <option key={u.unitId} value={u.unitId}>
                  {u.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormFooter button="Lưu đơn vị" errors={errors} saved={saved} />
    </form>
  );
}

/** Every stored version of a procedure, newest first: what changed and when. */
function ProcedureVersions(props: { procedureId: string; savedVersion: number }) {
  const [loaded] = useLoad(async () => {
    const answer = await api.GET("/procedures/{procedureId}/versions", {
      params: { path: { procedureId: props.procedureId } },
    });
    return answer.data?.items ?? [];
  }, [props.procedureId, props.savedVersion]);
  if (loaded.state !== "ready" || loaded.value.length === 0) return null;
  return (
    <div className="table-wrap">
      <table data-testid="procedure-versions">
        <caption>Các phiên bản của thủ tục</caption>
        <thead>
          <tr>
            <th scope="col">Phiên bản</th>
            <th scope="col">Lưu lúc</th>
            <th scope="col">Tên thủ tục</th>
            <th scope="col">Thời hạn</th>
            <th scope="col">Dịch vụ công trực tuyến</th>
          </tr>
        </thead>
        <tbody>
          {loaded.value.map((v) => {
            const version = v as unknown as {
              version: number;
              createdAt: string;
              name: string;
              timeLimit: { value: number; unit: string };
              onlineService: string;
            };
            return (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>{dateTime(version.createdAt)}</td>
                <td>{version.name}</td>
                <td>{timeLimitWords(version.timeLimit)}</td>
                <td>{ONLINE_SERVICE[version.onlineService] ?? version.onlineService}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const blankProcedure = {
  procedureId: "",
  code: "",
  name: "",
  field: "",
  level: "commune",
  limitValue: "",
  limitUnit: "working_days",
  onlineService: "partial",
  supplementPolicy: "restart",
};
const INTER_LEVEL_SLOTS = 4;

/**
 * Creates a procedure or changes one (`PUT /procedures/{id}`); any change makes a new version and
 * dossiers already received keep theirs. Fields the form does not show keep their stored values.
 */
export function ProcedureForm(props: {
  procedures: readonly ProcedureInfo[];
  units: readonly UnitInfo[];
  onSaved: () => void;
}) {
  const [editing, setEditing] = useState("");
  const [fields, setFields] = useState(blankProcedure);
  const [receivable, setReceivable] = useState<string[]>([]);
  const [path, setPath] = useState<string[]>(Array(INTER_LEVEL_SLOTS).fill(""));
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [saved, setSaved] = useState<string | null>(null);
  const set = (name: keyof typeof blankProcedure) => (value: string) =>
    setFields((f) => ({ ...f, [name]: value }));
  const levels = levelChoices(props.units);

  function choose(procedureId: string) {
    setEditing(procedureId);
    setErrors(noErrors);
    setSaved(null);
    const p = props.procedures.find((x) => x.procedureId === procedureId) as
      | (ProcedureInfo & { onlineService?: string; supplementPolicy?: string })
      | undefined;
    setFields(
      p
        ? {
            procedureId: p.procedureId,
            code: p.code,
            name: p.name,
            field: p.field,
            level: p.level,
            limitValue: String(p.timeLimit.value),
            limitUnit: p.timeLimit.unit,
            onlineService: p.onlineService ?? "none",
            supplementPolicy: p.supplementPolicy ?? "restart",
          }
        : blankProcedure,
    );
    setReceivable(p?.receivableAt ?? []);
    const stops = p?.interLevels ?? [];
    setPath(Array.from({ length: INTER_LEVEL_SLOTS }, (_, i) => stops[i] ?? ""));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    const procedureId = fields.procedureId.trim();
    if (procedureId === "") {
      setErrors({ fields: { procedureId: "Vui lòng nhập mã định danh của thủ tục." }, form: null });
      return;
    }
    // The stored definition (fields this form does not show keep their values), then the form's.
    const keys = ProcedureDefinitionSchema.keyof().options as readonly string[];
    const stored = (props.procedures.find((p) => p.procedureId === procedureId) ?? {}) as Record<
      string,
      unknown
    >;
    const body: Record<string, unknown> = Object.fromEntries(
      keys.filter((k) => stored[k] !== undefined).map((k) => [k, stored[k]]),
    );
    const interLevels = path.filter((l) => l !== "");
    Object.assign(body, {
      code: fields.code,
      name: fields.name,
      field: fields.field,
      level: fields.level,
      timeLimit: {
        value: fields.limitValue.trim() === "" ? Number.NaN : Number(fields.limitValue),
        unit: fields.limitUnit,
      },
      onlineService: fields.onlineService,
      supplementPolicy: fields.supplementPolicy,
      interLevels,
      interLevel: interLevels.length > 1,
    });
    if (receivable.length > 0) body.receivableAt = receivable;
    else delete body.receivableAt;
    const answer = await api.PUT("/procedures/{procedureId}", {
      params: { path: { procedureId } },
      body: body as never,
    });
    if (answer.data) {
      setErrors(noErrors);
      setSaved(
        answer.data.changed === false
          ? `Không có thay đổi: vẫn là phiên bản ${answer.data.version}.`
          : `Đã lưu phiên bản ${answer.data.version}; hồ sơ đã tiếp nhận giữ phiên bản cũ.`,
      );
      setEditing(procedureId);
      forgetReferenceData();
      props.onSaved();
      return;
    }
    setErrors(isProblem(answer.error) ? formErrorsOf(answer.error) : { fields: {}, form: "Không lưu được." });
  }

  const current = props.procedures.find((p) => p.procedureId === editing);
  return (
    <form
      className="action-form"
      onSubmit={(e) => void submit(e)}
      noValidate
      aria-label="Thêm, sửa thủ tục hành chính"
    >
      <h3>Thêm hoặc sửa thủ tục hành chính</h3>
      <Field id="proc-pick" label="Thủ tục cần sửa" message={undefined}>
        {(a) => (
          <select {...a} value={editing} onChange={(e) => choose(e.target.value)}>
            <option value="">— Thêm thủ tục mới —</option>
            {props.procedures.map((p) => (
              <option key={p.procedureId} value={p.procedureId}>
                {p.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      {current && (
        <>
          <p className="muted" data-testid="proc-current-version">
            Đang sửa phiên bản {current.version}; lưu thay đổi sẽ tạo phiên bản {current.version + 1}.
          </p>
          <ProcedureVersions procedureId={current.procedureId} savedVersion={current.version} />
        </>
      )}
      <div className="form-grid">
        <Field id="proc-id" label="Mã định danh (không đổi được)" message={messageOf(errors, "procedureId")}>
          {(a) => (
            <input
              {...a}
              value={fields.procedureId}
              readOnly={editing !== ""}
              onChange={(e) => set("procedureId")(e.target.value)}
            />
          )}
        </Field>
        <Field id="proc-code" label="Mã thủ tục (CSDL quốc gia)" message={messageOf(errors, "code")}>
          {(a) => <input {...a} value={fields.code} onChange={(e) => set("code")(e.target.value)} />}
        </Field>
        <Field id="proc-name" label="Tên thủ tục" message={messageOf(errors, "name")}>
          {(a) => <input {...a} value={fields.name} onChange={(e) => set("name")(e.target.value)} />}
        </Field>
        <Field id="proc-field" label="Lĩnh vực" message={messageOf(errors, "field")}>
          {(a) => <input {...a} value={fields.field} onChange={(e) => set("field")(e.target.value)} />}
        </Field>
        <Field id="proc-level" label="Cấp thực hiện" message={messageOf(errors, "level")}>
          {(a) => (
            <select {...a} value={fields.level} onChange={(e) => set("level")(e.target.value)}>
              {levels.map((l) => (
                <option key={l} value={l}>
                  {levelName(l)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="proc-limit" label="Thời hạn giải quyết" message={messageOf(errors, "timeLimit")}>
          {(a) => (
            <input
              {...a}
              inputMode="numeric"
              value={fields.limitValue}
              onChange={(e) => set("limitValue")(e.target.value)}
            />
          )}
        </Field>
        <Field id="proc-limit-unit" label="Đơn vị thời hạn" message={undefined}>
          {(a) => (
            <select {...a} value={fields.limitUnit} onChange={(e) => set("limitUnit")(e.target.value)}>
              {Object.entries(TIME_LIMIT_UNIT).map(([key, words]) => (
                <option key={key} value={key}>
                  {words}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="proc-online" label="Dịch vụ công trực tuyến" message={messageOf(errors, "onlineService")}>
          {(a) => (
            <select
              {...a}
              value={fields.onlineService}
              onChange={(e) => set("onlineService")(e.target.value)}
            >
              {Object.entries(ONLINE_SERVICE).map(([key, words]) => (
                <option key={key} value={key}>
                  {words}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="proc-supplement"
          label="Khi nhận đủ hồ sơ bổ sung"
          message={messageOf(errors, "supplementPolicy")}
        >
          {(a) => (
            <select
              {...a}
              value={fields.supplementPolicy}
              onChange={(e) => set("supplementPolicy")(e.target.value)}
            >
              {Object.entries(SUPPLEMENT_POLICY).map(([key, words]) => (
                <option key={key} value={key}>
                  {words}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className={`field${messageOf(errors, "receivableAt") ? " invalid" : ""}`}>
        <legend>Được tiếp nhận tại các cấp (để trống: chỉ tại cấp thực hiện)</legend>
        {levels.map((l) => (
          <label key={l} className="inline">
            <input
              type="checkbox"
              name="receivableAt"
              value={l}
              checked={receivable.includes(l)}
              onChange={(e) =>
                setReceivable((r) => (e.target.checked ? [...r, l] : r.filter((x) => x !== l)))
              }
            />{" "}
            {levelName(l)}
          </label>
        ))}
        <FieldMessage id="proc-receivable" message={messageOf(errors, "receivableAt")} />
      </fieldset>
      <fieldset className={`field${messageOf(errors, "interLevels") ? " invalid" : ""}`}>
        <legend>Liên thông qua các cấp, theo thứ tự (để trống: không giới hạn khi chuyển)</legend>
        <div className="form-grid">
          {path.map((stop, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the slots are positions in the path
            <label key={i} className="field">
              <span>Bước {i + 1}</span>
              <select
                id={`proc-inter-${i + 1}`}
                value={stop}
                onChange={(e) => setPath((p) => p.map((x, j) => (j === i ? e.target.value : x)))}
              >
                <option value="">—</option>
                {levels.map((l) => (
                  <option key={l} value={l}>
                    {levelName(l)}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
        <FieldMessage id="proc-inter" message={messageOf(errors, "interLevels")} />
      </fieldset>
      <FormFooter button="Lưu thủ tục" errors={errors} saved={saved} />
    </form>
  );
}
