import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED } from "./logger";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("redacts the applicant wherever it appears, and loose personal fields", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination, level: "info" });
    logger.info(
      {
        applicant: { name: "Nguyễn Văn A", idNumber: "001099000123", phone: "0912345678", address: "Hà Nội" },
        command: { body: { applicant: { name: "Trần Thị B" }, procedureId: "p-1" } },
        deep: { a: { b: { idNumber: "079200000001", phone: "0900000000" } } },
        address: "12 Tràng Tiền",
      },
      "received",
    );
    const text = JSON.stringify(lines);
    for (const secret of [
      "Nguyễn",
      "Trần",
      "001099000123",
      "0912345678",
      "079200000001",
      "Tràng Tiền",
      "Hà Nội",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      applicant: REDACTED,
      command: { body: { applicant: REDACTED, procedureId: "p-1" } },
      deep: { a: { b: { idNumber: REDACTED, phone: REDACTED } } },
      msg: "received",
    });
  });

  it("redacts authorization headers", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    logger.info({ req: { headers: { authorization: "Bearer abc.def.ghi", host: "x" } } }, "request");
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: REDACTED, host: "x" } } });
  });
});
