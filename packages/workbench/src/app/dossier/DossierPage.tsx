import { useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { useLoad } from "../load";
import { loadProcedures, loadUnits } from "../reference";
import type { Session } from "../session";
import { CHANNEL, dateTime, refusalWords, statusWords, TIMELINESS, timeLimitWords } from "../vi";
import { ActionForm } from "./ActionForm";
import { allowedActions } from "./actions";
import { loadDossier } from "./load-dossier";
import { Timeline } from "./Timeline";
import { UnitShares } from "./UnitShares";

/**
 * A dossier's page: status, the legal due moment and the promised one, the timeline in words, and every
 * action allowed now as a form — for the officer of the unit holding it. Others who may read it (the
 * units that held it before) see the same page without the forms.
 */
export function DossierPage(props: { session: Session }) {
  const { dossierId = "" } = useParams();
  const location = useLocation();
  const [minPosition, setMinPosition] = useState<number | undefined>(
    (location.state as { position?: number } | null)?.position,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [loaded, reload] = useLoad(async () => {
    const [view, units, procedures] = await Promise.all([
      loadDossier(dossierId, minPosition),
      loadUnits(),
      loadProcedures(),
    ]);
    return { ...view, units, procedure: procedures.find((p) => p.procedureId === view.dossier.procedureId) };
  }, [dossierId, minPosition]);

  if (loaded.state !== "ready")
    return (
      <WorkbenchLayout title="Hồ sơ">
        {loaded.state === "loading" ? <Loading /> : <ProblemNotice message={refusalWords(loaded.problem)} />}
      </WorkbenchLayout>
    );

  const { dossier, events, unitNames, applicant, units, procedure, steps } = loaded.value;
  const unitName = (id: string) => unitNames[id] ?? units.find((u) => u.unitId === id)?.name ?? id;
  const holds = props.session.role === "officer" && dossier.currentUnitId === props.session.unitId;
  const levels = procedure?.interLevels ?? [];
  const today = new Date().toISOString().slice(0, 10);
  const targets = units.filter(
    (u) =>
      u.unitId !== dossier.currentUnitId &&
      (u.validTo === undefined || u.validTo >= today) &&
      (levels.length === 0 || levels.includes(u.level)),
  );
  const actions = holds ? allowedActions(dossier.status) : [];

  return (
    <WorkbenchLayout title={`Hồ sơ ${dossier.code}`}>
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <section className="panel" aria-labelledby="facts-title">
        <h2 id="facts-title">Thông tin hồ sơ</h2>
        <dl className="facts">
          <div>
            <dt>Trạng thái</dt>
            <dd data-testid="status">
              {statusWords(dossier.status)}
              {dossier.overdue && <span className="badge badge-overdue">Quá hạn</span>}
            </dd>
          </div>
          <div>
            <dt>Thủ tục</dt>
            <dd>{procedure?.name ?? dossier.procedureId}</dd>
          </div>
          <div>
            <dt>Thời hạn giải quyết</dt>
            <dd>{timeLimitWords(procedure?.timeLimit)}</dd>
          </div>
          <div>
            <dt>Người nộp</dt>
            <dd>{applicant?.name ?? "—"}</dd>
          </div>
          <div>
            <dt>Hình thức nộp</dt>
            <dd>{CHANNEL[dossier.channel] ?? dossier.channel}</dd>
          </div>
          <div>
            <dt>Đơn vị tiếp nhận</dt>
            <dd>{unitName(dossier.receivingUnitId)}</dd>
          </div>
          <div>
            <dt>Đơn vị đang giải quyết</dt>
            <dd data-testid="current-unit">{unitName(dossier.currentUnitId)}</dd>
          </div>
          <div>
            <dt>Ngày tiếp nhận</dt>
            <dd>{dateTime(dossier.receivedAt)}</dd>
          </div>
          <div>
            <dt>Hạn giải quyết theo quy định</dt>
            <dd data-testid="due-at">
              {dateTime(dossier.dueAt)}
              {dossier.dueAtProvisional && <span className="badge badge-provisional">Tạm tính</span>}
            </dd>
          </div>
          <div>
            <dt>Ngày hẹn lại (sau văn bản xin lỗi)</dt>
            <dd>{dateTime(dossier.promisedAt)}</dd>
          </div>
          <div>
            <dt>Ngày có kết quả</dt>
            <dd>
              {dateTime(dossier.resolvedAt)}
              {dossier.timeliness && ` (${TIMELINESS[dossier.timeliness]})`}
            </dd>
          </div>
          <div>
            <dt>Ngày trả kết quả</dt>
            <dd>{dateTime(dossier.returnedAt)}</dd>
          </div>
        </dl>
        <p className="actions-row">
          <Link to={`/ho-so/${dossier.dossierId}/phieu-tiep-nhan`}>
            In giấy tiếp nhận và hẹn trả kết quả (Mẫu 01)
          </Link>
          <Link to={`/ho-so/${dossier.dossierId}/phieu-kiem-soat`}>
            In phiếu kiểm soát quá trình (Mẫu 06)
          </Link>
        </p>
      </section>
      {steps.length > 0 && (
        <section className="panel" aria-labelledby="shares-title">
          <h2 id="shares-title">Thời gian xử lý tại từng đơn vị</h2>
          <UnitShares steps={steps} />
        </section>
      )}
      <div className="columns">
        <section className="panel" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Quá trình xử lý</h2>
          <Timeline dossierId={dossier.dossierId} events={events} unitNames={unitNames} />
        </section>
        <section className="panel" aria-labelledby="actions-title">
          <h2 id="actions-title">Thao tác</h2>
          {!holds && <p className="muted">Hồ sơ do {unitName(dossier.currentUnitId)} đang giữ: chỉ xem.</p>}
          {holds && actions.length === 0 && (
            <p className="muted">Hồ sơ đã kết thúc, không còn thao tác nào.</p>
          )}
          {actions.map((action) => (
            <ActionForm
              key={`${action}-${dossier.revision}`}
              action={action}
              dossierId={dossier.dossierId}
              revision={dossier.revision}
              targets={targets}
              onDone={(position) => {
                setNotice("Đã ghi nhận thao tác.");
                setMinPosition(position);
              }}
              onStale={() => {
                setNotice(
                  "Hồ sơ vừa được người khác cập nhật. Trang đã tải lại; hãy kiểm tra rồi thao tác lại.",
                );
                reload();
              }}
            />
          ))}
        </section>
      </div>
    </WorkbenchLayout>
  );
}
