import { allowedFrom, type DossierCommandType } from "@motcua/domain";
import { api } from "../api";

/**
 * The actions an officer takes on a dossier, each one endpoint of the API. Which are offered comes from
 * the domain's own table of the states each command is allowed from (`allowedFrom`): the page never
 * offers what the API would refuse for the state alone, and never keeps a second copy of that table.
 */
export type ActionName =
  | "forward"
  | "transfer"
  | "supplement-request"
  | "supplement-received"
  | "fee-request"
  | "fee-paid"
  | "apology"
  | "resolve"
  | "return"
  | "withdraw"
  | "stop"
  | "electronic-result"
  | "national-portal-sync";

export const COMMAND_OF: Record<ActionName, DossierCommandType> = {
  forward: "ForwardDossier",
  transfer: "TransferDossier",
  "supplement-request": "RequestSupplement",
  "supplement-received": "ReceiveSupplement",
  "fee-request": "RequestFee",
  "fee-paid": "RecordFeePaid",
  apology: "IssueApology",
  resolve: "ResolveDossier",
  return: "ReturnResult",
  withdraw: "WithdrawDossier",
  stop: "StopDossier",
  "electronic-result": "IssueElectronicResult",
  "national-portal-sync": "RecordNationalPortalSync",
};

/** The order an officer reads them in: the usual next step first. */
const ORDER: ActionName[] = [
  "forward",
  "transfer",
  "supplement-request",
  "supplement-received",
  "fee-request",
  "fee-paid",
  "resolve",
  "return",
  "electronic-result",
  "apology",
  "withdraw",
  "stop",
  "national-portal-sync",
];

export const allowedActions = (status: string): ActionName[] =>
  ORDER.filter((action) => (allowedFrom(COMMAND_OF[action]) as readonly string[]).includes(status));

export const ACTION_TITLE: Record<ActionName, string> = {
  forward: "Chuyển xử lý",
  transfer: "Chuyển liên thông",
  "supplement-request": "Yêu cầu bổ sung hồ sơ (Mẫu 02)",
  "supplement-received": "Nhận hồ sơ bổ sung",
  "fee-request": "Yêu cầu nộp phí, lệ phí",
  "fee-paid": "Xác nhận đã nộp phí, lệ phí",
  apology: "Xin lỗi và hẹn lại ngày trả (Mẫu 04)",
  resolve: "Giải quyết hồ sơ",
  return: "Trả kết quả",
  withdraw: "Rút hồ sơ theo đề nghị",
  stop: "Dừng xử lý (Mẫu 05)",
  "electronic-result": "Ghi nhận đã cấp kết quả điện tử",
  "national-portal-sync": "Ghi nhận đã đồng bộ lên Cổng Dịch vụ công quốc gia",
};

export interface ActionValues {
  toUnitId: string;
  step: string;
  reason: string;
  note: string;
  amount: string;
  promisedAt: string;
  outcome: "approved" | "rejected";
  method: "counter" | "postal" | "online";
  /** How fees were paid (Decision 766 counts the online payments). */
  paymentMethod: "counter" | "online_national_portal" | "online_local_gateway";
}

const optional = <K extends string>(key: K, value: string) =>
  (value.trim() === "" ? {} : { [key]: value.trim() }) as Partial<Record<K, string>>;

/**
 * Sends one action with the revision the page saw (If-Match) and the attempt's Idempotency-Key. Each
 * endpoint is named literally, so the generated client checks its body against the API's schema.
 */
export async function sendAction(
  action: ActionName,
  dossierId: string,
  headers: { "if-match": string; "idempotency-key": string },
  v: ActionValues,
): Promise<{ data?: { position: number; revision: number }; error?: unknown; response: Response }> {
  const params = { path: { id: dossierId }, header: headers };
  switch (action) {
    case "forward":
      return api.POST("/dossiers/{id}/forward", {
        params,
        body: { toUnitId: v.toUnitId, ...optional("step", v.step) },
      });
    case "transfer":
      return api.POST("/dossiers/{id}/transfer", {
        params,
        body: { toUnitId: v.toUnitId, ...optional("reason", v.reason) },
      });
    case "supplement-request":
      return api.POST("/dossiers/{id}/supplement-request", { params, body: { reason: v.reason } });
    case "supplement-received":
      return api.POST("/dossiers/{id}/supplement-received", { params, body: {} });
    case "fee-request":
      return api.POST("/dossiers/{id}/fee-request", {
        params,
        body: { reason: v.reason, ...(v.amount.trim() === "" ? {} : { amount: Number(v.amount) }) },
      });
    case "fee-paid":
      return api.POST("/dossiers/{id}/fee-paid", { params, body: { method: v.paymentMethod } });
    case "apology":
      return api.POST("/dossiers/{id}/apology", {
        params,
        body: { reason: v.reason, promisedAt: v.promisedAt === "" ? "" : `${v.promisedAt}:00+07:00` },
      });
    case "resolve":
      return api.POST("/dossiers/{id}/resolve", {
        params,
        body: { outcome: v.outcome, ...optional("note", v.note) },
      });
    case "return":
      return api.POST("/dossiers/{id}/return", { params, body: { method: v.method } });
    case "withdraw":
      return api.POST("/dossiers/{id}/withdraw", { params, body: { reason: v.reason } });
    case "stop":
      return api.POST("/dossiers/{id}/stop", { params, body: { reason: v.reason } });
    case "electronic-result":
      return api.POST("/dossiers/{id}/electronic-result", { params, body: {} });
    case "national-portal-sync":
      return api.POST("/dossiers/{id}/national-portal-sync", { params, body: {} });
    default: {
      const never: never = action;
      throw new Error(`unknown action ${String(never)}`);
    }
  }
}

/** The fields each action's form shows. */
export const FIELDS: Record<ActionName, readonly (keyof ActionValues)[]> = {
  forward: ["toUnitId", "step"],
  transfer: ["toUnitId", "reason"],
  "supplement-request": ["reason"],
  "supplement-received": [],
  "fee-request": ["reason", "amount"],
  "fee-paid": ["paymentMethod"],
  apology: ["reason", "promisedAt"],
  resolve: ["outcome", "note"],
  return: ["method"],
  withdraw: ["reason"],
  stop: ["reason"],
  "electronic-result": [],
  "national-portal-sync": [],
};
