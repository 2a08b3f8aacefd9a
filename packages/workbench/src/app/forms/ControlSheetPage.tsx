import { Link, useParams } from "react-router";
import { loadDossier } from "../dossier/load-dossier";
import { actorWords, details } from "../dossier/Timeline";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { useLoad } from "../load";
import { loadProcedures, loadUnits } from "../reference";
import { dateTime, eventWords, refusalWords, TIMELINESS } from "../vi";

const HANDOVERS = new Set([
  "DossierReceived",
  "DossierForwarded",
  "DossierTransferred",
  "DossierResolved",
  "ResultReturned",
]);

/**
 * Form 06 of Circular 03/2025/TT-VPCP: the process-control sheet (phiếu kiểm soát quá trình giải quyết hồ
 * sơ), written from the dossier's events — who handed it to whom and when, the result judged against the
 * legal due moment, and every other step as a note. Printable on A4.
 */
export function ControlSheetPage() {
  const { dossierId = "" } = useParams();
  const [loaded] = useLoad(async () => {
    const [view, units, procedures] = await Promise.all([
      loadDossier(dossierId, undefined),
      loadUnits(),
      loadProcedures(),
    ]);
    const unit = units.find((u) => u.unitId === view.dossier.receivingUnitId);
    const procedure = procedures.find((p) => p.procedureId === view.dossier.procedureId);
    return { ...view, unit, procedure };
  }, [dossierId]);
  if (loaded.state !== "ready")
    return (
      <WorkbenchLayout title="Phiếu kiểm soát quá trình giải quyết hồ sơ">
        {loaded.state === "loading" ? <Loading /> : <ProblemNotice message={refusalWords(loaded.problem)} />}
      </WorkbenchLayout>
    );
  const { dossier, events, unitNames, applicant, unit, procedure } = loaded.value;
  const unitName = (id: unknown) => (typeof id === "string" ? (unitNames[id] ?? id) : "");
  return (
    <WorkbenchLayout title="Phiếu kiểm soát quá trình giải quyết hồ sơ">
      <div className="no-print">
        <button type="button" onClick={() => globalThis.print()}>
          In phiếu
        </button>
        <Link to={`/ho-so/${dossier.dossierId}`}>Quay lại hồ sơ</Link>
      </div>
      <article className="slip" aria-label="Mẫu số 06">
        <p className="slip-form-number">Mẫu số 06 — Thông tư số 03/2025/TT-VPCP</p>
        <div className="slip-head">
          <div>
            <p className="upper">{unit?.name ?? ""}</p>
            <p>BỘ PHẬN MỘT CỬA</p>
          </div>
          <div>
            <p className="upper">Cộng hòa xã hội chủ nghĩa Việt Nam</p>
            <p className="motto">Độc lập - Tự do - Hạnh phúc</p>
          </div>
        </div>
        <h2 className="slip-title">Phiếu kiểm soát quá trình giải quyết hồ sơ</h2>
        <p className="slip-sub">
          Mã hồ sơ: <strong>{dossier.code}</strong>
        </p>
        <p>(Kèm theo hồ sơ của: {applicant?.name ?? "—"})</p>
        <p>Thủ tục: {procedure?.name ?? dossier.procedureId}</p>
        <p>Hạn giải quyết theo quy định: {dateTime(dossier.dueAt)}</p>
        <table data-testid="control-sheet">
          <thead>
            <tr>
              <th scope="col">Tên cơ quan</th>
              <th scope="col">Thời gian giao, nhận hồ sơ</th>
              <th scope="col">Kết quả giải quyết hồ sơ (trước hạn / đúng hạn / quá hạn)</th>
              <th scope="col">Ghi chú</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.position} className={HANDOVERS.has(e.type) ? "handover" : ""}>
                <td>
                  {e.type === "DossierForwarded" || e.type === "DossierTransferred"
                    ? `Giao: ${unitName(e.data.fromUnitId)} — Nhận: ${unitName(e.data.toUnitId)}`
                    : e.type === "ResultReturned"
                      ? `Giao: Bộ phận Một cửa ${unit?.name ?? ""} — Nhận: người nộp hồ sơ`
                      : (e.actor.unitName ?? unitName(e.data.holdingUnitId))}
                </td>
                <td>
                  {dateTime(e.occurredAt)}
                  <div>{actorWords(e)}</div>
                </td>
                <td>
                  {e.type === "DossierResolved" && typeof e.data.timeliness === "string"
                    ? TIMELINESS[e.data.timeliness]
                    : e.type === "DossierBecameOverdue"
                      ? "Quá hạn"
                      : ""}
                </td>
                <td>
                  {eventWords(e.type)}
                  {details(e, unitNames).map((line) => (
                    <div key={line}>{line}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </article>
    </WorkbenchLayout>
  );
}
