import { type FormEvent, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, isProblem } from "../api";
import { loadDossier } from "../dossier/load-dossier";
import { Timeline } from "../dossier/Timeline";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { orThrow, useLoad } from "../load";
import { loadProcedures, loadUnits } from "../reference";
import { dateTime, isoToLocalInput, localInputToIso, refusalWords, statusWords } from "../vi";
import { InclusionProof } from "./InclusionProof";

/** Search by the code on a slip (typed, or read from its QR code by a scanner that types it). */
function CodeSearch() {
  const navigate = useNavigate();
  const [code, setCode] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  async function search(event: FormEvent) {
    event.preventDefault();
    setMessage(null);
    const wanted = code.trim().replace(/^.*\/tra-cuu\//, "");
    if (wanted === "") {
      setMessage("Vui lòng nhập mã hồ sơ.");
      return;
    }
    const answer = await api.GET("/dossiers", { params: { query: { code: decodeURIComponent(wanted) } } });
    const found = answer.data?.items[0];
    if (found) navigate(`/thanh-tra/${found.dossierId}`);
    else
      setMessage(
        isProblem(answer.error) ? refusalWords(answer.error) : `Không tìm thấy hồ sơ có mã ${wanted}.`,
      );
  }
  return (
    <form className="panel code-search" onSubmit={(e) => void search(e)} noValidate>
      <label className="field">
        <span>Mã hồ sơ (hoặc đường dẫn trong mã QR trên giấy hẹn)</span>
        <input
          id="inspector-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          aria-invalid={message ? true : undefined}
          aria-describedby={message ? "inspector-code-error" : undefined}
        />
      </label>
      {message && (
        <p className="field-error" id="inspector-code-error" role="alert">
          {message}
        </p>
      )}
      <button type="submit">Tìm hồ sơ</button>
    </form>
  );
}

interface PastState {
  status: string;
  currentUnitId: string;
  dueAt: string | null;
  promisedAt: string | null;
  overdue: boolean;
  revision: number;
}

/** The dossier as it stood at a chosen instant, replayed by the API from the events up to it. */
function StateAt(props: { dossierId: string; firstAt: string; unitName: (id: string) => string }) {
  const [at, setAt] = useState(isoToLocalInput(props.firstAt));
  const [result, setResult] = useState<{ state: PastState; at: string } | string | null>(null);
  async function show(event: FormEvent) {
    event.preventDefault();
    const iso = localInputToIso(at);
    const answer = await api.GET("/dossiers/{id}/state", {
      params: { path: { id: props.dossierId }, query: { at: iso } },
    });
    if (answer.data) setResult({ state: answer.data as unknown as PastState, at: iso });
    else if (isProblem(answer.error) && answer.error.code === "dossier.not_yet_received")
      setResult("Tại thời điểm này hồ sơ chưa được tiếp nhận.");
    else setResult(isProblem(answer.error) ? refusalWords(answer.error) : "Không tra được.");
  }
  return (
    <section className="panel" aria-labelledby="state-at-title">
      <h2 id="state-at-title">Trạng thái tại một thời điểm</h2>
      <form className="actions-row" onSubmit={(e) => void show(e)}>
        <label className="field">
          <span>Thời điểm (giờ Việt Nam)</span>
          <input id="state-at" type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />
        </label>
        <button type="submit">Xem trạng thái</button>
      </form>
      {typeof result === "string" && <p className="notice notice-error">{result}</p>}
      {result !== null && typeof result !== "string" && (
        <dl className="facts" data-testid="state-at-result">
          <div>
            <dt>Lúc</dt>
            <dd>{dateTime(result.at)}</dd>
          </div>
          <div>
            <dt>Trạng thái</dt>
            <dd data-testid="state-at-status">
              {statusWords(result.state.status)}
              {result.state.overdue && <span className="badge badge-overdue">Quá hạn</span>}
            </dd>
          </div>
          <div>
            <dt>Đơn vị đang giữ</dt>
            <dd>{props.unitName(result.state.currentUnitId)}</dd>
          </div>
          <div>
            <dt>Hạn giải quyết</dt>
            <dd>{dateTime(result.state.dueAt)}</dd>
          </div>
          <div>
            <dt>Số thao tác đã ghi</dt>
            <dd>{result.state.revision + 1}</dd>
          </div>
        </dl>
      )}
    </section>
  );
}

/**
 * The inspector's view of one dossier: every event with who did it (name and unit), the hash-chain check
 * as a badge (the API recomputes the chain: a row edited in the database shows as the revision where it
 * breaks), the state at any past instant, and the evidence bundle to keep.
 */
export function InspectorPage() {
  const { dossierId = "" } = useParams();
  const [loaded] = useLoad(async () => {
    if (dossierId === "") return null;
    const [view, verify, units, procedures] = await Promise.all([
      loadDossier(dossierId, undefined),
      api.GET("/dossiers/{id}/verify", { params: { path: { id: dossierId } } }).then(orThrow),
      loadUnits(),
      loadProcedures(),
    ]);
    return {
      ...view,
      verify,
      units,
      procedure: procedures.find((p) => p.procedureId === view.dossier.procedureId),
    };
  }, [dossierId]);
  const [evidenceMessage, setEvidenceMessage] = useState<string | null>(null);

  async function downloadEvidence(code: string) {
    const answer = await api.GET("/dossiers/{id}/evidence", { params: { path: { id: dossierId } } });
    if (!answer.data) {
      setEvidenceMessage(isProblem(answer.error) ? refusalWords(answer.error) : "Không tải được.");
      return;
    }
    const blob = new Blob([JSON.stringify(answer.data, null, 2)], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `chung-cu-${code}.json`;
    link.click();
    URL.revokeObjectURL(link.href);
    setEvidenceMessage("Đã tải gói chứng cứ; kiểm tra ngoại tuyến bằng `pnpm audit:verify <tệp>`.");
  }

  return (
    <WorkbenchLayout title="Tra cứu lịch sử hồ sơ">
      <CodeSearch />
      {dossierId !== "" && loaded.state === "loading" && <Loading />}
      {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
      {loaded.state === "ready" && loaded.value && (
        <>
          <section className="panel" aria-labelledby="inspected-title">
            <h2 id="inspected-title">
              Hồ sơ {loaded.value.dossier.code} —{" "}
              {loaded.value.procedure?.name ?? loaded.value.dossier.procedureId}
            </h2>
            <p>
              {loaded.value.verify.valid ? (
                <span className="badge badge-ok" data-testid="chain-badge">
                  Chuỗi băm toàn vẹn: {loaded.value.verify.events} sự kiện
                </span>
              ) : (
                <span className="badge badge-broken" data-testid="chain-badge">
                  Chuỗi băm bị phá vỡ tại phiên bản {loaded.value.verify.brokenAt}: dữ liệu đã bị sửa ngoài hệ
                  thống
                </span>
              )}
            </p>
            <p>
              Trạng thái hiện tại: <strong>{statusWords(loaded.value.dossier.status)}</strong> · Hạn giải
              quyết: {dateTime(loaded.value.dossier.dueAt)}
            </p>
            <button
              type="button"
              className="secondary"
              onClick={() => void downloadEvidence(loaded.value?.dossier.code ?? "")}
            >
              Tải gói chứng cứ (JSON)
            </button>
            {evidenceMessage && <p className="muted">{evidenceMessage}</p>}
          </section>
          <InclusionProof dossierId={dossierId} eventCount={loaded.value.events.length} />
          <div className="columns">
            <section className="panel" aria-labelledby="inspector-timeline-title">
              <h2 id="inspector-timeline-title">Toàn bộ quá trình xử lý</h2>
              <Timeline
                dossierId={dossierId}
                events={loaded.value.events}
                unitNames={loaded.value.unitNames}
                brokenAt={loaded.value.verify.valid ? null : (loaded.value.verify.brokenAt ?? null)}
              />
            </section>
            <StateAt
              dossierId={dossierId}
              firstAt={loaded.value.events[0]?.occurredAt ?? new Date().toISOString()}
              unitName={(id) =>
                loaded.value?.unitNames[id] ?? loaded.value?.units.find((u) => u.unitId === id)?.name ?? id
              }
            />
          </div>
        </>
      )}
    </WorkbenchLayout>
  );
}
