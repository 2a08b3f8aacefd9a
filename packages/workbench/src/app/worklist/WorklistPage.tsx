import { useMemo, useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { orThrow, useLoad } from "../load";
import { byId, loadProcedures } from "../reference";
import type { Session } from "../session";
import { dateTime, refusalWords, statusWords } from "../vi";
import { DUE_STATE_WORDS, type DueState, dueState } from "./due-state";
import { IntakeQueue } from "./IntakeQueue";

export interface WorklistItem {
  dossierId: string;
  code: string;
  procedureId: string;
  field: string;
  status: string;
  receivedAt: string;
  dueAt: string | null;
  dueAtProvisional: boolean;
  promisedAt: string | null;
  overdue: boolean;
  dueSoon: boolean;
  applicantName?: string | null;
}

/** At most this many open dossiers on one screen (five pages of the API's 200). */
const MAX_ITEMS = 1000;

async function openDossiers(unitId: string): Promise<WorklistItem[]> {
  const items: WorklistItem[] = [];
  let cursor: string | undefined;
  do {
    const page = orThrow(
      await api.GET("/dossiers", {
        params: { query: { unitId, status: "open", limit: 200, ...(cursor ? { cursor } : {}) } },
      }),
    );
    for (const item of page.items) if (item.status !== "submitted") items.push(item as WorklistItem);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < MAX_ITEMS);
  return items;
}

/** Soonest due first; no due moment (a procedure without an appointment) last. */
const byDueMoment = (a: WorklistItem, b: WorklistItem) =>
  (a.dueAt ? Date.parse(a.dueAt) : Number.POSITIVE_INFINITY) -
  (b.dueAt ? Date.parse(b.dueAt) : Number.POSITIVE_INFINITY);

/**
 * The officer's worklist: the open dossiers the unit holds, soonest due first, overdue in red and due soon
 * (within 24 working hours) in amber, provisional deadlines marked; filters by status, procedure and
 * field; counts at the top. Online submissions waiting for acceptance come first, in their own list.
 */
export function WorklistPage(props: { session: Session }) {
  const unitId = props.session.unitId ?? "";
  const [loaded, reload] = useLoad(async () => {
    const [items, procedures] = await Promise.all([openDossiers(unitId), loadProcedures()]);
    return { items: items.sort(byDueMoment), procedures: byId(procedures, "procedureId") };
  }, [unitId]);
  const [status, setStatus] = useState("");
  const [procedureId, setProcedureId] = useState("");
  const [field, setField] = useState("");
  const [due, setDue] = useState<DueState | "">("");

  const view = useMemo(() => {
    if (loaded.state !== "ready") return null;
    const { items } = loaded.value;
    const shown = items.filter(
      (d) =>
        (status === "" || d.status === status) &&
        (procedureId === "" || d.procedureId === procedureId) &&
        (field === "" || d.field === field) &&
        (due === "" || dueState(d) === due),
    );
    const count = (state: DueState) => items.filter((d) => dueState(d) === state).length;
    return {
      shown,
      counts: {
        open: items.length,
        overdue: count("overdue"),
        dueSoon: count("due-soon"),
        awaitingSupplement: items.filter((d) => d.status === "awaiting_supplement").length,
      },
      statuses: [...new Set(items.map((d) => d.status))],
      procedureIds: [...new Set(items.map((d) => d.procedureId))],
      fields: [...new Set(items.map((d) => d.field))].sort(),
    };
  }, [loaded, status, procedureId, field, due]);

  return (
    <WorkbenchLayout title="Hồ sơ đơn vị đang giải quyết">
      <IntakeQueue unitId={unitId} onChange={reload} />
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" && view && (
        <>
          <section className="counts" aria-label="Số lượng hồ sơ">
            <div className="count">
              <span className="count-value" data-count="open">
                {view.counts.open}
              </span>
              <span className="count-label">Đang giải quyết</span>
            </div>
            <div className="count count-overdue">
              <span className="count-value" data-count="overdue">
                {view.counts.overdue}
              </span>
              <span className="count-label">Quá hạn</span>
            </div>
            <div className="count count-due-soon">
              <span className="count-value" data-count="due-soon">
                {view.counts.dueSoon}
              </span>
              <span className="count-label">Sắp đến hạn (24 giờ làm việc)</span>
            </div>
            <div className="count">
              <span className="count-value" data-count="awaiting-supplement">
                {view.counts.awaitingSupplement}
              </span>
              <span className="count-label">Chờ bổ sung</span>
            </div>
          </section>

          <form className="filters" aria-label="Lọc hồ sơ" onSubmit={(e) => e.preventDefault()}>
            <label className="field">
              <span>Trạng thái</span>
              <select value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">Tất cả</option>
                {view.statuses.map((s) => (
                  <option key={s} value={s}>
                    {statusWords(s)}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Hạn xử lý</span>
              <select value={due} onChange={(e) => setDue(e.target.value as DueState | "")}>
                <option value="">Tất cả</option>
                <option value="overdue">{DUE_STATE_WORDS.overdue}</option>
                <option value="due-soon">{DUE_STATE_WORDS["due-soon"]}</option>
                <option value="in-time">{DUE_STATE_WORDS["in-time"]}</option>
              </select>
            </label>
            <label className="field">
              <span>Thủ tục</span>
              <select value={procedureId} onChange={(e) => setProcedureId(e.target.value)}>
                <option value="">Tất cả</option>
                {view.procedureIds.map((id) => (
                  <option key={id} value={id}>
                    {loaded.value.procedures.get(id)?.name ?? id}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Lĩnh vực</span>
              <select value={field} onChange={(e) => setField(e.target.value)}>
                <option value="">Tất cả</option>
                {view.fields.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
          </form>

          <p className="result-count" aria-live="polite">
            Hiển thị {view.shown.length} / {view.counts.open} hồ sơ, hạn sớm nhất trước.
          </p>
          <div className="table-wrap">
            <table className="worklist">
              <caption className="visually-hidden">Hồ sơ đang giải quyết, hạn sớm nhất trước</caption>
              <thead>
                <tr>
                  <th scope="col">Mã hồ sơ</th>
                  <th scope="col">Người nộp</th>
                  <th scope="col">Thủ tục</th>
                  <th scope="col">Trạng thái</th>
                  <th scope="col">Tiếp nhận</th>
                  <th scope="col">Hạn giải quyết</th>
                </tr>
              </thead>
              <tbody>
                {view.shown.map((d) => {
                  const state = dueState(d);
                  return (
                    <tr
                      key={d.dossierId}
                      className={`due-${state}`}
                      data-due-state={state}
                      data-code={d.code}
                    >
                      <td data-label="Mã hồ sơ">
                        <Link to={`/ho-so/${d.dossierId}`}>{d.code}</Link>
                      </td>
                      <td data-label="Người nộp">{d.applicantName ?? "—"}</td>
                      <td data-label="Thủ tục">
                        {loaded.value.procedures.get(d.procedureId)?.name ?? d.procedureId}
                      </td>
                      <td data-label="Trạng thái">{statusWords(d.status)}</td>
                      <td data-label="Tiếp nhận">{dateTime(d.receivedAt)}</td>
                      <td data-label="Hạn giải quyết">
                        <span>
                          <span className="due">{dateTime(d.dueAt)}</span>
                          {state !== "in-time" && (
                            <span className={`badge badge-${state}`}>{DUE_STATE_WORDS[state]}</span>
                          )}
                          {d.dueAtProvisional && (
                            <span
                              className="badge badge-provisional"
                              title="Năm này chưa có thông báo lịch nghỉ chính thức"
                            >
                              Tạm tính
                            </span>
                          )}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {view.shown.length === 0 && <p className="empty">Không có hồ sơ nào.</p>}
        </>
      )}
    </WorkbenchLayout>
  );
}
