import { Link, useParams } from "react-router";
import { loadDossier } from "../dossier/load-dossier";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { useLoad } from "../load";
import { loadProcedures, loadUnits } from "../reference";
import { dateTime, refusalWords, slipDateTime } from "../vi";

/** Forms 02–05 of Circular 03/2025/TT-VPCP: each is the written form of one event of the dossier. */
export const NOTICE_FORMS = {
  "02": { event: "SupplementRequested", title: "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ" },
  "03": { event: "DossierIntakeRefused", title: "Phiếu từ chối tiếp nhận giải quyết hồ sơ" },
  "04": { event: "ApologyIssued", title: "Phiếu xin lỗi và hẹn lại ngày trả kết quả" },
  "05": { event: "DossierStopped", title: "Thông báo dừng xử lý hồ sơ" },
} as const;
export type NoticeFormNumber = keyof typeof NOTICE_FORMS;

export const formOfEvent = (type: string): NoticeFormNumber | undefined =>
  (Object.keys(NOTICE_FORMS) as NoticeFormNumber[]).find((n) => NOTICE_FORMS[n].event === type);

const dateWords = (iso: string) => {
  const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" })
    .format(new Date(iso))
    .split("-");
  return `ngày ${d} tháng ${m} năm ${y}`;
};

/** `/ho-so/{id}/mau/{02|03|04|05}`: the notice as the applicant receives it, printable on A4. */
export function NoticeFormPage() {
  const { dossierId = "", form = "" } = useParams();
  const spec = NOTICE_FORMS[form as NoticeFormNumber] as (typeof NOTICE_FORMS)[NoticeFormNumber] | undefined;
  const [loaded] = useLoad(async () => {
    const [view, units, procedures] = await Promise.all([
      loadDossier(dossierId, undefined),
      loadUnits(),
      loadProcedures(),
    ]);
    const event = [...view.events].reverse().find((e) => e.type === spec?.event);
    const unit = units.find((u) => u.unitId === (event?.actor.unitId ?? view.dossier.currentUnitId));
    const receivingUnit = units.find((u) => u.unitId === view.dossier.receivingUnitId);
    const procedure = procedures.find((p) => p.procedureId === view.dossier.procedureId);
    return { ...view, event, unit, receivingUnit, procedure };
  }, [dossierId, form]);
  const title = spec?.title ?? "Mẫu phiếu";
  if (!spec || loaded.state !== "ready" || !loaded.value.event)
    return (
      <WorkbenchLayout title={title}>
        {loaded.state === "loading" && <Loading />}
        {loaded.state === "failed" && <ProblemNotice message={refusalWords(loaded.problem)} />}
        {loaded.state === "ready" && (
          <ProblemNotice message="Hồ sơ chưa có thao tác tương ứng với mẫu phiếu này." />
        )}
      </WorkbenchLayout>
    );
  const { dossier, applicant, event, unit, receivingUnit, procedure } = loaded.value;
  const reason = typeof event.data.reason === "string" ? event.data.reason : "";
  return (
    <WorkbenchLayout title={title}>
      <div className="no-print">
        <button type="button" onClick={() => globalThis.print()}>
          In phiếu
        </button>
        <Link to={`/ho-so/${dossier.dossierId}`}>Quay lại hồ sơ</Link>
      </div>
      <article className="slip" aria-label={`Mẫu số ${form}`} data-testid="notice-form">
        <p className="slip-form-number">Mẫu số {form} — Thông tư số 03/2025/TT-VPCP</p>
        <div className="slip-head">
          <div>
            <p className="upper">{unit?.name ?? ""}</p>
          </div>
          <div>
            <p className="upper">Cộng hòa xã hội chủ nghĩa Việt Nam</p>
            <p className="motto">Độc lập - Tự do - Hạnh phúc</p>
            <p className="slip-date">{dateWords(event.occurredAt)}</p>
          </div>
        </div>
        <h2 className="slip-title">{title}</h2>
        <p className="slip-sub">
          Mã hồ sơ: <strong>{dossier.code}</strong>
        </p>
        <p>Kính gửi: {applicant?.name ?? "người nộp hồ sơ"}</p>
        <p>
          {receivingUnit?.name ?? "Cơ quan"} đã tiếp nhận hồ sơ đề nghị giải quyết thủ tục{" "}
          <strong>{procedure?.name ?? dossier.procedureId}</strong> ngày {dateTime(dossier.receivedAt)}.
        </p>
        {form === "02" && (
          <>
            <p>Sau khi xem xét, hồ sơ cần được bổ sung, hoàn thiện các nội dung sau:</p>
            <p className="notice-reason">{reason}</p>
            <p>
              Đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ theo quy định. Thời hạn giải quyết tính lại từ khi nhận
              đủ hồ sơ.
            </p>
          </>
        )}
        {form === "03" && (
          <>
            <p>Hồ sơ không được tiếp nhận giải quyết với lý do:</p>
            <p className="notice-reason">{reason}</p>
          </>
        )}
        {form === "04" && (
          <>
            <p>
              Hồ sơ có hạn trả kết quả{" "}
              {slipDateTime(typeof event.data.dueAt === "string" ? event.data.dueAt : null)} nhưng chưa giải
              quyết xong, lý do:
            </p>
            <p className="notice-reason">{reason}</p>
            <p>
              Cơ quan xin lỗi Ông/Bà vì sự chậm trễ này và hẹn trả kết quả vào{" "}
              <strong>
                {slipDateTime(typeof event.data.promisedAt === "string" ? event.data.promisedAt : null)}
              </strong>
              .
            </p>
          </>
        )}
        {form === "05" && (
          <>
            <p>Cơ quan thông báo dừng xử lý hồ sơ, lý do:</p>
            <p className="notice-reason">{reason}</p>
          </>
        )}
        <p>Mọi thắc mắc xin liên hệ Bộ phận Một cửa nơi nộp hồ sơ.</p>
        <div className="slip-signatures">
          <div />
          <div>
            <strong>ĐẠI DIỆN CƠ QUAN</strong>
            <br />
            <em>(Ký và ghi rõ họ tên)</em>
            <br />
            <br />
            <br />
            {event.actor.name ?? ""}
          </div>
        </div>
      </article>
    </WorkbenchLayout>
  );
}
