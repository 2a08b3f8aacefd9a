import { useState } from "react";
import { useNavigate } from "react-router";
import { api, ifMatch, isProblem, newIdempotencyKey } from "../api";
import { orThrow, useLoad } from "../load";
import { byId, loadProcedures } from "../reference";
import { dateTime, refusalWords } from "../vi";

interface Submission {
  dossierId: string;
  procedureId: string;
  submittedAt: string;
  documentsTotal: number;
  documentsDigitized: number;
  revision: number;
}

/** Online submissions waiting at the unit: accept (the clock starts, a code is issued) or refuse at intake. */
export function IntakeQueue(props: { unitId: string; onChange: () => void }) {
  const [loaded, reload] = useLoad(async () => {
    const [page, procedures] = await Promise.all([
      api.GET("/dossiers", { params: { query: { unitId: props.unitId, status: "submitted", limit: 200 } } }),
      loadProcedures(),
    ]);
    return { items: orThrow(page).items as Submission[], procedures: byId(procedures, "procedureId") };
  }, [props.unitId]);
  const navigate = useNavigate();
  const [messages, setMessages] = useState<Record<string, string>>({});
  const [reasons, setReasons] = useState<Record<string, string>>({});

  if (loaded.state !== "ready" || loaded.value.items.length === 0) return null;

  async function accept(s: Submission) {
    const answer = await api.POST("/dossiers/{id}/accept", {
      params: {
        path: { id: s.dossierId },
        header: { "idempotency-key": newIdempotencyKey(), "if-match": ifMatch(s.revision) },
      },
      body: {},
    });
    if (answer.data) {
      navigate(`/ho-so/${s.dossierId}`, { state: { position: answer.data.position } });
      return;
    }
    setMessages((m) => ({
      ...m,
      [s.dossierId]: isProblem(answer.error) ? refusalWords(answer.error) : "Lỗi",
    }));
  }

  async function refuse(s: Submission) {
    const reason = reasons[s.dossierId]?.trim() ?? "";
    if (reason === "") {
      setMessages((m) => ({ ...m, [s.dossierId]: "Vui lòng nêu lý do từ chối tiếp nhận." }));
      return;
    }
    const answer = await api.POST("/dossiers/{id}/refuse-intake", {
      params: {
        path: { id: s.dossierId },
        header: { "idempotency-key": newIdempotencyKey(), "if-match": ifMatch(s.revision) },
      },
      body: { reason },
    });
    if (answer.data) {
      reload();
      props.onChange();
      return;
    }
    setMessages((m) => ({
      ...m,
      [s.dossierId]: isProblem(answer.error) ? refusalWords(answer.error) : "Lỗi",
    }));
  }

  return (
    <section className="panel intake" aria-labelledby="intake-title">
      <h2 id="intake-title">Hồ sơ nộp trực tuyến chờ tiếp nhận ({loaded.value.items.length})</h2>
      <ul className="intake-list">
        {loaded.value.items.map((s) => (
          <li key={s.dossierId} className="intake-item">
            <div>
              <strong>{loaded.value.procedures.get(s.procedureId)?.name ?? s.procedureId}</strong>
              <div className="muted">
                Nộp lúc {dateTime(s.submittedAt)} · {s.documentsTotal} giấy tờ ({s.documentsDigitized} đã số
                hóa)
              </div>
            </div>
            <div className="intake-actions">
              <button type="button" onClick={() => void accept(s)}>
                Tiếp nhận
              </button>
              <label className="field inline">
                <span>Lý do từ chối</span>
                <input
                  value={reasons[s.dossierId] ?? ""}
                  onChange={(e) => setReasons((r) => ({ ...r, [s.dossierId]: e.target.value }))}
                />
              </label>
              <button type="button" className="secondary" onClick={() => void refuse(s)}>
                Từ chối tiếp nhận
              </button>
            </div>
            {messages[s.dossierId] && (
              <p className="field-error" role="alert">
                {messages[s.dossierId]}
              </p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
