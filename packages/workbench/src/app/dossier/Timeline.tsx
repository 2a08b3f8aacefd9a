import { Link } from "react-router";
import { formOfEvent, NOTICE_FORMS } from "../forms/NoticeFormPage";
import { dateTime, eventWords, OUTCOME, RETURN_METHOD, ROLE } from "../vi";

export interface HistoryEvent {
  position: number;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
  actor: { id: string; name?: string; role: string; unitId: string | null; unitName?: string };
  recordedBy?: { id: string; name?: string; role: string; unitId: string | null; unitName?: string };
  hash: string;
}

const text = (value: unknown): string | null =>
  typeof value === "string" && value.trim() !== "" ? value : null;

/** What else an event says, in words: where it went, why, with what outcome. */
export function details(event: HistoryEvent, unitNames: Record<string, string>): string[] {
  const d = event.data;
  const unit = (id: unknown) => (typeof id === "string" ? (unitNames[id] ?? id) : null);
  const lines: string[] = [];
  switch (event.type) {
    case "DossierForwarded":
    case "DossierTransferred": {
      const to = unit(d.toUnitId);
      if (to) lines.push(`Chuyển đến: ${to}`);
      break;
    }
    case "DossierReceived":
      if (text(d.dueAt)) lines.push(`Hẹn trả kết quả: ${dateTime(d.dueAt as string)}`);
      break;
    case "SupplementReceived":
    case "FeePaid":
      if (text(d.dueAt)) lines.push(`Hạn giải quyết mới: ${dateTime(d.dueAt as string)}`);
      break;
    case "ApologyIssued":
      if (text(d.promisedAt)) lines.push(`Hẹn lại: ${dateTime(d.promisedAt as string)}`);
      break;
    case "DossierResolved":
      if (text(d.outcome)) lines.push(`Kết quả: ${OUTCOME[d.outcome as string] ?? d.outcome}`);
      break;
    case "ResultReturned":
      if (text(d.method)) lines.push(`Trả ${RETURN_METHOD[d.method as string] ?? d.method}`);
      break;
    case "DossierRated": {
      const scores = Object.values((d.scores ?? {}) as Record<string, number>);
      if (scores.length > 0) {
        const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
        lines.push(`Điểm bình quân: ${mean.toLocaleString("vi-VN", { maximumFractionDigits: 2 })}/5`);
      }
      if (text(d.comment)) lines.push(`Ý kiến: ${text(d.comment)}`);
      break;
    }
    case "DossierBecameOverdue": {
      const holder = unit(d.holdingUnitId);
      if (holder) lines.push(`Đơn vị đang giữ hồ sơ: ${holder}`);
      break;
    }
    default:
      break;
  }
  const reason = text(d.reason) ?? text(d.note);
  if (reason) lines.push(`Lý do / ghi chú: ${reason}`);
  return lines;
}

/** Who did it, as the process-control sheet names them: "Nguyễn Văn A, UBND phường X". */
export function actorWords(event: HistoryEvent): string {
  if (event.type === "DossierBecameOverdue" || event.actor.role === "system") return "Hệ thống";
  const name = event.actor.name ?? ROLE[event.actor.role] ?? event.actor.id;
  return event.actor.unitName ? `${name}, ${event.actor.unitName}` : name;
}

/**
 * The dossier's history as sentences ("14:05 04/12/2026 — Nguyễn Văn A, UBND phường Phan Đình Phùng:
 * tiếp nhận hồ sơ"): the process-control sheet (form 06) in the officer's words. `brokenAt` marks the
 * revision where the hash chain stops verifying.
 */
export function Timeline(props: {
  /** The dossier, to link the printable notice (forms 02–05) of the events that have one. */
  dossierId?: string;
  events: readonly HistoryEvent[];
  unitNames: Record<string, string>;
  brokenAt?: number | null;
}) {
  return (
    <ol className="timeline">
      {props.events.map((event) => {
        const broken =
          props.brokenAt !== undefined && props.brokenAt !== null && event.revision >= props.brokenAt;
        return (
          <li
            key={event.position}
            data-revision={event.revision}
            data-type={event.type}
            className={`${event.type === "DossierBecameOverdue" ? "event-overdue" : ""}${broken ? " broken" : ""}`}
          >
            <div>
              <time dateTime={event.occurredAt}>{dateTime(event.occurredAt)}</time> — {actorWords(event)}:{" "}
              <span className="event-words">{eventWords(event.type)}</span>
              {props.brokenAt === event.revision && (
                <span className="badge badge-broken">Dữ liệu bị sửa đổi</span>
              )}
            </div>
            {details(event, props.unitNames).map((line) => (
              <div key={line} className="detail">
                {line}
              </div>
            ))}
            {props.dossierId && formOfEvent(event.type) && (
              <div className="detail no-print">
                <Link to={`/ho-so/${props.dossierId}/mau/${formOfEvent(event.type)}`}>
                  In {NOTICE_FORMS[formOfEvent(event.type) ?? "02"].title.toLowerCase()} (Mẫu{" "}
                  {formOfEvent(event.type)})
                </Link>
              </div>
            )}
            {event.recordedBy && (
              <div className="detail">
                Ghi nhận lại bởi {event.recordedBy.name ?? event.recordedBy.id} (nhập dữ liệu lịch sử)
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
