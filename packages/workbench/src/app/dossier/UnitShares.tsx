import { dateTime } from "../vi";

export interface ProcessStep {
  seq: number;
  unitId: string;
  unitName?: string;
  kind: "received" | "forwarded" | "transferred";
  step: string | null;
  fromAt: string;
  toAt: string | null;
  stepDueAt: string | null;
  late: boolean | null;
}

const KIND: Record<ProcessStep["kind"], string> = {
  received: "Tiếp nhận",
  forwarded: "Chuyển xử lý",
  transferred: "Chuyển liên thông",
};

/** Each unit's share of the dossier's time: when it took it, when it handed it on, and whether it was late. */
export function UnitShares(props: { steps: readonly ProcessStep[] }) {
  if (props.steps.length === 0) return null;
  return (
    <div className="table-wrap">
      <table className="unit-shares">
        <caption className="visually-hidden">Thời gian xử lý tại từng đơn vị</caption>
        <thead>
          <tr>
            <th scope="col">Đơn vị</th>
            <th scope="col">Nhận lúc</th>
            <th scope="col">Chuyển đi lúc</th>
            <th scope="col">Đánh giá</th>
          </tr>
        </thead>
        <tbody>
          {props.steps.map((s) => (
            <tr key={s.seq}>
              <td>
                {s.unitName ?? s.unitId}
                <div className="muted">
                  {KIND[s.kind]}
                  {s.step ? ` · ${s.step}` : ""}
                </div>
              </td>
              <td>{dateTime(s.fromAt)}</td>
              <td>{s.toAt ? dateTime(s.toAt) : "Đang giữ hồ sơ"}</td>
              <td>
                {s.late === true && <span className="badge badge-overdue">Chậm</span>}
                {s.late === false && <span className="badge badge-ok">Đúng hạn</span>}
                {s.late === null && "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
