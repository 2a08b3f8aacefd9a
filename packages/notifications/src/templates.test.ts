import { describe, expect, it } from "vitest";
import { formatVietnamDateTime, NOTICE_KINDS, type NoticeFacts, renderNotice } from "./templates";

const code = "055.43.00.H19-250312-0001";
const unitName = "UBND phường Phan Đình Phùng";
const t = (iso: string) => Date.parse(iso);

const examples: Record<(typeof NOTICE_KINDS)[number], NoticeFacts> = {
  receipt: {
    kind: "receipt",
    code,
    unitName,
    receivedAt: t("2025-03-12T10:00:00+07:00"),
    dueAt: t("2025-03-19T10:00:00+07:00"),
  },
  supplement_request: {
    kind: "supplement_request",
    code,
    unitName,
    at: t("2025-03-13T09:00:00+07:00"),
    respondBy: null,
  },
  apology: {
    kind: "apology",
    code,
    unitName,
    dueAt: t("2025-03-19T10:00:00+07:00"),
    promisedAt: t("2025-03-21T10:00:00+07:00"),
  },
  result_ready: { kind: "result_ready", code, unitName, at: t("2025-03-18T15:45:00+07:00") },
  overdue: { kind: "overdue", code, unitName, dueAt: t("2025-03-19T10:00:00+07:00") },
  due_soon: { kind: "due_soon", code, unitName, dueAt: t("2025-03-19T10:00:00+07:00") },
  due_today: { kind: "due_today", code, unitName, dueAt: t("2025-03-19T10:00:00+07:00") },
};

describe("notice templates", () => {
  it("writes dates as dd/MM/yyyy HH:mm in Vietnam's time, whatever the instant's own offset", () => {
    expect(formatVietnamDateTime(t("2025-03-19T03:00:00Z"))).toBe("19/03/2025 10:00");
    expect(formatVietnamDateTime(t("2025-12-31T17:05:00Z"))).toBe("01/01/2026 00:05");
  });

  it("names the dossier code and the unit in every notice, and leaves no blank in the wording", () => {
    for (const kind of NOTICE_KINDS) {
      const { subject, body } = renderNotice(examples[kind]);
      expect(subject).toContain(code);
      expect(body).toContain(code);
      expect(body).toContain(unitName);
      expect(`${subject} ${body}`).not.toMatch(/undefined|null|NaN|\[object/);
    }
  });

  it("addresses citizens generically and states the appointment date on the slip", () => {
    const receipt = renderNotice(examples.receipt);
    expect(receipt.subject).toContain("Phiếu tiếp nhận và hẹn trả kết quả");
    expect(receipt.body).toMatch(/^Kính gửi Ông\/Bà/);
    expect(receipt.body).toContain("Ngày hẹn trả kết quả: 19/03/2025 10:00");
    expect(receipt.body).not.toContain("tạm tính");
    expect(renderNotice(examples.supplement_request).subject).toContain("Mẫu 02");
    expect(renderNotice(examples.apology).body).toContain("Ngày hẹn trả kết quả mới: 21/03/2025 10:00");
    expect(renderNotice(examples.due_today).body).toContain("hôm nay lúc 10:00");
  });

  it("says the appointment date is provisional while its year's holiday notice is not loaded", () => {
    const receipt = renderNotice({
      kind: "receipt",
      code,
      unitName,
      receivedAt: t("2026-12-04T10:00:00+07:00"),
      dueAt: t("2027-01-04T10:00:00+07:00"),
      dueAtProvisional: true,
    });
    expect(receipt.body).toContain(
      "Ngày hẹn trả kết quả: 04/01/2027 10:00 (tạm tính: chưa có thông báo lịch nghỉ lễ, Tết năm 2027",
    );
  });

  it("invites the applicant to rate, with the rating code, once the result is ready", () => {
    const body = renderNotice({
      kind: "result_ready",
      code,
      unitName,
      at: t("2025-03-18T15:45:00+07:00"),
      ratingCode: "7K3QF-2M9XA",
    }).body;
    expect(body).toContain("đánh giá mức độ hài lòng");
    expect(body).toContain("mã đánh giá 7K3QF-2M9XA");
    expect(renderNotice(examples.result_ready).body).not.toContain("mã đánh giá");
  });
});
