import { useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { orThrow, useLoad } from "../load";
import { dateTime, refusalWords } from "../vi";
import { DUE_STATE_WORDS, dueState } from "../worklist/due-state";
import { feedbackStatusWords } from "./words";

const FILTERS: readonly [string, string][] = [
  ["open", "Chưa trả lời"],
  ["overdue", "Quá hạn"],
  ["answered", "Đã trả lời"],
  ["closed", "Đã kết thúc"],
  ["", "Tất cả"],
];

/** The officers' feedback worklist (`/phan-anh-kien-nghi`): their unit's, earliest due first. */
export function FeedbackWorklistPage() {
  const [status, setStatus] = useState("open");
  const [loaded] = useLoad(
    async () =>
      orThrow(
        await api.GET("/feedback", {
          params: { query: { limit: 200, ...(status ? { status: status as "open" } : {}) } },
        }),
      ),
    [status],
  );
  return (
    <WorkbenchLayout title="Phản ánh, kiến nghị">
      <form className="filters" aria-label="Lọc phản ánh, kiến nghị" onSubmit={(e) => e.preventDefault()}>
        <label className="field">
          <span>Tình trạng</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {FILTERS.map(([value, words]) => (
              <option key={value} value={value}>
                {words}
              </option>
            ))}
          </select>
        </label>
      </form>
      {loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" && (
        <>
          <p className="result-count" aria-live="polite">
            {loaded.value.items.length} phản ánh, kiến nghị, hạn sớm nhất trước.
          </p>
          <div className="table-wrap">
            <table className="worklist">
              <caption className="visually-hidden">
                Phản ánh, kiến nghị của đơn vị, hạn sớm nhất trước
              </caption>
              <thead>
                <tr>
                  <th scope="col">Ngày gửi</th>
                  <th scope="col">Về</th>
                  <th scope="col">Tình trạng</th>
                  <th scope="col">Đơn vị xử lý</th>
                  <th scope="col">Hạn trả lời</th>
                </tr>
              </thead>
              <tbody>
                {loaded.value.items.map((f) => {
                  const open = f.status === "received" || f.status === "assigned";
                  const state = open ? dueState(f) : "in-time";
                  return (
                    <tr key={f.feedbackId} className={`due-${state}`} data-due-state={state}>
                      <td data-label="Ngày gửi">
                        <Link to={`/phan-anh-kien-nghi/${f.feedbackId}`}>{dateTime(f.submittedAt)}</Link>
                      </td>
                      <td data-label="Về">
                        {f.about.dossierCode
                          ? `Hồ sơ ${f.about.dossierCode}`
                          : f.about.procedureId
                            ? "Thủ tục hành chính"
                            : "Đơn vị"}
                      </td>
                      <td data-label="Tình trạng">
                        {feedbackStatusWords(f.status)}
                        {f.answerTimeliness === "late" && (
                          <span className="badge badge-overdue">Trả lời muộn</span>
                        )}
                        {f.published && <span className="badge badge-ok">Đã công khai</span>}
                      </td>
                      <td data-label="Đơn vị xử lý">{f.unitName ?? f.unitId}</td>
                      <td data-label="Hạn trả lời">
                        <span className="due">{dateTime(f.dueAt)}</span>
                        {state !== "in-time" && (
                          <span className={`badge badge-${state}`}>{DUE_STATE_WORDS[state]}</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {loaded.value.items.length === 0 && <p className="empty">Không có phản ánh, kiến nghị nào.</p>}
        </>
      )}
    </WorkbenchLayout>
  );
}
