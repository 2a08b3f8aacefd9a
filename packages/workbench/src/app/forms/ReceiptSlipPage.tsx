import { Link, useParams } from "react-router";
import { loadDossier } from "../dossier/load-dossier";
import { Loading, ProblemNotice, WorkbenchLayout } from "../layout";
import { useLoad } from "../load";
import { loadProcedures, loadUnits } from "../reference";
import { CHANNEL, refusalWords, slipDateTime, timeLimitWords } from "../vi";
import { QrCode } from "./QrCode";

const TIME_ZONE_DATE = (iso: string) => {
  const [y, m, d] = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" })
    .format(new Date(iso))
    .split("-");
  return `ngày ${d} tháng ${m} năm ${y}`;
};

/**
 * Form 01 of Circular 03/2025/TT-VPCP (Appendix I): the receipt and appointment slip, in the form's own
 * wording and layout as far as the annex shows it, printable on A4 (the print style sheet hides the
 * workbench around it). Its QR code opens the citizens' lookup page for this dossier's code.
 */
export function ReceiptSlipPage() {
  const { dossierId = "" } = useParams();
  const [loaded] = useLoad(async () => {
    const [view, units, procedures] = await Promise.all([
      loadDossier(dossierId, undefined),
      loadUnits(),
      loadProcedures(),
    ]);
    const received = view.events.find((e) => e.type === "DossierReceived");
    const unit = units.find((u) => u.unitId === view.dossier.receivingUnitId);
    const parent = unit?.parentId ? units.find((u) => u.unitId === unit.parentId) : undefined;
    const procedure = procedures.find((p) => p.procedureId === view.dossier.procedureId);
    return { ...view, received, unit, parent, procedure };
  }, [dossierId]);

  if (loaded.state !== "ready")
    return (
      <WorkbenchLayout title="Giấy tiếp nhận hồ sơ và hẹn trả kết quả">
        {loaded.state === "loading" ? <Loading /> : <ProblemNotice message={refusalWords(loaded.problem)} />}
      </WorkbenchLayout>
    );
  const { dossier, applicant, documents, received, unit, parent, procedure } = loaded.value;
  const publicUrl = `${globalThis.location.origin}/tra-cuu/${encodeURIComponent(dossier.code)}`;
  const receivedAt = (received?.data.at as string | undefined) ?? dossier.receivedAt;
  return (
    <WorkbenchLayout title="Giấy tiếp nhận hồ sơ và hẹn trả kết quả">
      <div className="no-print">
        <button type="button" onClick={() => globalThis.print()}>
          In phiếu
        </button>
        <Link to={`/ho-so/${dossier.dossierId}`}>Quay lại hồ sơ</Link>
      </div>
      <article className="slip" aria-label="Mẫu số 01">
        <p className="slip-form-number">Mẫu số 01 — Thông tư số 03/2025/TT-VPCP</p>
        <div className="slip-head">
          <div>
            <p className="upper">{parent?.name ?? ""}</p>
            <p className="upper">{unit?.name ?? dossier.receivingUnitId}</p>
            <p>BỘ PHẬN MỘT CỬA</p>
          </div>
          <div>
            <p className="upper">Cộng hòa xã hội chủ nghĩa Việt Nam</p>
            <p className="motto">Độc lập - Tự do - Hạnh phúc</p>
            <p className="slip-date">{TIME_ZONE_DATE(receivedAt)}</p>
          </div>
        </div>
        <h2 className="slip-title">Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h2>
        <p className="slip-sub">
          Mã hồ sơ: <strong data-testid="slip-code">{dossier.code}</strong>
        </p>
        <p className="slip-sub">(Liên: Lưu/giao người nộp hồ sơ)</p>
        <p>
          Bộ phận Một cửa {unit?.name ?? ""} tiếp nhận hồ sơ của: <strong>{applicant?.name ?? "—"}</strong>
        </p>
        <p>Số định danh cá nhân: {applicant?.idNumber ?? "……………"}</p>
        <p>Địa chỉ: {applicant?.address ?? "……………"}</p>
        <p>Số điện thoại: {applicant?.phone ?? "……………"}</p>
        <p>
          Nội dung yêu cầu giải quyết: <strong>{procedure?.name ?? dossier.procedureId}</strong>
        </p>
        <p>Hình thức nộp: {CHANNEL[dossier.channel] ?? dossier.channel}</p>
        <p>1. Thành phần hồ sơ nộp gồm:</p>
        <table>
          <thead>
            <tr>
              <th scope="col">TT</th>
              <th scope="col">Tên giấy tờ</th>
              <th scope="col">Hình thức</th>
            </tr>
          </thead>
          <tbody>
            {documents.map((d, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a recorded event's list, never reordered; names may repeat
              <tr key={i}>
                <td>{i + 1}</td>
                <td>{d.name}</td>
                <td>{d.digitized ? "Bản giấy, đã số hóa" : "Bản giấy"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>2. Số lượng hồ sơ: 01 (bộ)</p>
        <p>3. Thời gian giải quyết hồ sơ theo quy định là: {timeLimitWords(procedure?.timeLimit)}</p>
        <p>4. Thời gian nhận hồ sơ: {slipDateTime(receivedAt)}</p>
        <p>
          5. Thời gian trả kết quả giải quyết hồ sơ:{" "}
          <strong data-testid="slip-due">{slipDateTime(dossier.dueAt)}</strong>
          {dossier.dueAtProvisional && " (tạm tính: năm trả kết quả chưa có lịch nghỉ lễ chính thức)"}
        </p>
        <p>6. Đăng ký nhận kết quả tại: Bộ phận Một cửa {unit?.name ?? ""}</p>
        <div className="slip-signatures">
          <div>
            <strong>NGƯỜI NỘP HỒ SƠ</strong>
            <br />
            <em>(Ký và ghi rõ họ tên)</em>
          </div>
          <div>
            <strong>NGƯỜI TIẾP NHẬN HỒ SƠ</strong>
            <br />
            <em>(Ký và ghi rõ họ tên)</em>
            <br />
            <br />
            <br />
            {(received?.actor.name as string | undefined) ?? ""}
          </div>
        </div>
        <div className="slip-qr">
          <QrCode text={publicUrl} label={`Mã QR tra cứu hồ sơ ${dossier.code}`} />
          <p>
            Quét mã QR hoặc truy cập <span className="slip-url">{publicUrl}</span> để tra cứu tình trạng hồ
            sơ.
          </p>
          {dossier.ratingCode && (
            <p>
              Mã đánh giá mức độ hài lòng:{" "}
              <strong data-testid="slip-rating-code">{dossier.ratingCode}</strong>. Sau khi nhận kết quả,
              Ông/Bà đánh giá việc giải quyết hồ sơ tại trang tra cứu trên với mã này (mỗi hồ sơ một lần).
            </p>
          )}
        </div>
      </article>
    </WorkbenchLayout>
  );
}
