import { type FormEvent, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { api } from "../api";
import { orThrow, useLoad } from "../load";
import { dateTime, statusWords } from "../vi";
import { RatingForm } from "./RatingForm";

/** What a status means for the citizen, and what (if anything) they should do. */
const CITIZEN_NOTE: Record<string, string> = {
  submitted: "Hồ sơ nộp trực tuyến đang chờ cơ quan tiếp nhận.",
  received: "Hồ sơ đã được tiếp nhận và đang chờ giải quyết.",
  processing: "Hồ sơ đang được cơ quan có thẩm quyền giải quyết.",
  awaiting_supplement:
    "Cơ quan đã đề nghị bổ sung giấy tờ. Vui lòng liên hệ Bộ phận Một cửa nơi nộp hồ sơ để bổ sung.",
  awaiting_payment: "Hồ sơ đang chờ thực hiện nghĩa vụ tài chính (phí, lệ phí).",
  resolved: "Đã có kết quả giải quyết. Vui lòng đến nhận kết quả theo lịch hẹn.",
  returned: "Kết quả đã được trả.",
  withdrawn: "Hồ sơ đã được rút theo đề nghị của người nộp.",
  stopped: "Cơ quan đã dừng xử lý hồ sơ và có văn bản nêu rõ lý do.",
  refused: "Hồ sơ không được tiếp nhận; cơ quan đã có văn bản nêu rõ lý do.",
};

interface PublicDossier {
  details: {
    procedureName: string;
    field: string;
    receivingUnitName: string;
    currentUnitName: string;
    resolvedAt: string | null;
    returnedAt: string | null;
  } | null;
  code: string;
  status: string;
  receivedAt: string;
  dueAt: string | null;
  dueAtProvisional: boolean;
  promisedAt: string | null;
  /** The applicant has rated the dossier (once its result was returned). */
  rated: boolean;
}

/**
 * The citizens' lookup (`/tra-cuu`, `/tra-cuu/{code}`, the target of the slip's QR code): status in
 * words and the dates, from the public endpoint, which holds nothing personal. No sign-in; mobile first.
 */
export function PublicLookupPage() {
  const { code = "" } = useParams();
  const navigate = useNavigate();
  const [typed, setTyped] = useState(code);
  const [loaded] = useLoad(async () => {
    if (code === "") return null;
    const [answer, details] = await Promise.all([
      api.GET("/public/dossiers/{code}", { params: { path: { code } } }),
      api.GET("/public/dossiers/{code}/details", { params: { path: { code } } }),
    ]);
    if (answer.response.status === 404 || answer.response.status === 400) return "not-found" as const;
    return { ...orThrow(answer), details: details.data ?? null } as PublicDossier;
  }, [code]);

  function lookUp(event: FormEvent) {
    event.preventDefault();
    const wanted = typed.trim();
    if (wanted !== "") navigate(`/tra-cuu/${encodeURIComponent(wanted)}`);
  }

  return (
    <div className="public-page">
      <header className="public-header">
        <p>Tra cứu hồ sơ thủ tục hành chính</p>
      </header>
      <main className="public">
        <h1>Tra cứu tình trạng hồ sơ</h1>
        <form onSubmit={lookUp} aria-label="Tra cứu theo mã hồ sơ">
          <label className="field">
            <span>Mã hồ sơ (in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả)</span>
            <input
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="Ví dụ: 055.43.00.H19-261205-0001"
              autoCapitalize="characters"
            />
          </label>
          <button type="submit">Tra cứu</button>
        </form>
        {code !== "" && loaded.state === "loading" && <p className="loading">Đang tra cứu…</p>}
        {loaded.state === "failed" && (
          <p className="notice notice-error" role="alert">
            {loaded.problem.status === 429
              ? "Bạn tra cứu quá nhiều lần; vui lòng thử lại sau ít phút."
              : "Hệ thống đang bận; vui lòng thử lại sau."}
          </p>
        )}
        {loaded.state === "ready" && loaded.value === "not-found" && (
          <p className="notice notice-error" role="alert">
            Không tìm thấy hồ sơ có mã {code}. Vui lòng kiểm tra lại mã trên giấy hẹn.
          </p>
        )}
        {loaded.state === "ready" && loaded.value !== null && loaded.value !== "not-found" && (
          <section className="panel public-result" aria-labelledby="result-title">
            <h2 id="result-title">Hồ sơ {loaded.value.code}</h2>
            <p className="status-word" data-testid="public-status">
              {statusWords(loaded.value.status)}
            </p>
            <p>{CITIZEN_NOTE[loaded.value.status] ?? ""}</p>
            <dl className="facts">
              {loaded.value.details && (
                <>
                  <div>
                    <dt>Thủ tục</dt>
                    <dd data-testid="public-procedure">{loaded.value.details.procedureName}</dd>
                  </div>
                  <div>
                    <dt>Cơ quan tiếp nhận</dt>
                    <dd>{loaded.value.details.receivingUnitName}</dd>
                  </div>
                  <div>
                    <dt>Cơ quan đang giải quyết</dt>
                    <dd>{loaded.value.details.currentUnitName}</dd>
                  </div>
                </>
              )}
              <div>
                <dt>Ngày tiếp nhận</dt>
                <dd>{dateTime(loaded.value.receivedAt)}</dd>
              </div>
              <div>
                <dt>Ngày hẹn trả kết quả</dt>
                <dd>
                  {loaded.value.dueAt ? dateTime(loaded.value.dueAt) : "Không hẹn ngày trả"}
                  {loaded.value.dueAtProvisional && <span className="badge badge-provisional">Tạm tính</span>}
                </dd>
              </div>
              {loaded.value.details?.resolvedAt && (
                <div>
                  <dt>Ngày có kết quả</dt>
                  <dd>{dateTime(loaded.value.details.resolvedAt)}</dd>
                </div>
              )}
              {loaded.value.details?.returnedAt && (
                <div>
                  <dt>Ngày trả kết quả</dt>
                  <dd>{dateTime(loaded.value.details.returnedAt)}</dd>
                </div>
              )}
              {loaded.value.promisedAt && (
                <div>
                  <dt>Ngày hẹn lại</dt>
                  <dd>{dateTime(loaded.value.promisedAt)}</dd>
                </div>
              )}
            </dl>
          </section>
        )}
        {loaded.state === "ready" &&
          loaded.value !== null &&
          loaded.value !== "not-found" &&
          loaded.value.status === "returned" &&
          (loaded.value.rated ? (
            <p className="notice notice-ok" data-testid="rating-done">
              Hồ sơ đã được đánh giá mức độ hài lòng. Cảm ơn Ông/Bà.
            </p>
          ) : (
            <RatingForm code={loaded.value.code} />
          ))}
        <p className="public-links">
          <Link to="/phan-anh">Gửi phản ánh, kiến nghị</Link> ·{" "}
          <Link to="/phan-anh/tra-cuu">Theo dõi phản ánh, kiến nghị</Link>
        </p>
      </main>
    </div>
  );
}
