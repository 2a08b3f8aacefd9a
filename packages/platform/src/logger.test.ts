import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createConsoleAndFileLogger, createLogger, REDACTED, redactUrl } from "./logger";

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

  it("redacts personal query values from a logged request URL, keeping the rest", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    logger.info({ req: { method: "GET", url: "/applicants/data?idNumber=036190004321&reason=a%20b" } }, "r");
    expect(lines[0]).toMatchObject({
      req: { url: `/applicants/data?idNumber=${encodeURIComponent(REDACTED)}&reason=a%20b` },
    });
    expect(JSON.stringify(lines[0])).not.toContain("036190004321");
    expect(redactUrl("/dossiers?code=ABC&PHONE=0903111222&x")).toBe(
      `/dossiers?code=ABC&PHONE=${encodeURIComponent(REDACTED)}&x`,
    );
    expect(redactUrl("/dossiers/1")).toBe("/dossiers/1");
  });

  it("redacts an OpenID Connect callback's one-time code and state, but not a dossier code lookup", () => {
    expect(redactUrl("/dang-nhap/oidc?code=Sobd3Kyt&state=osfEz9&iss=http%3A%2F%2Fid")).toBe(
      `/dang-nhap/oidc?code=${encodeURIComponent(REDACTED)}&state=${encodeURIComponent(REDACTED)}&iss=http%3A%2F%2Fid`,
    );
    expect(redactUrl("/dossiers?code=055.43.00.H19-261205-0001")).toBe(
      "/dossiers?code=055.43.00.H19-261205-0001",
    );
  });

  it("redacts authorization headers", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ destination });
    logger.info({ req: { headers: { authorization: "Bearer abc.def.ghi", host: "x" } } }, "request");
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: REDACTED, host: "x" } } });
  });
});

describe("createConsoleAndFileLogger", () => {
  const fileLines = async (file: string) =>
    (await readFile(file, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("keeps the full log in the file and shows a person only warnings and errors, one readable line each", async () => {
    const dir = await mkdtemp(join(tmpdir(), "motcua-log-"));
    try {
      const file = join(dir, "logs", "motcua.log");
      const shown: string[] = [];
      const logger = createConsoleAndFileLogger({ level: "info", file, console: (t) => shown.push(t) });
      logger.info({ req: { url: "/dossiers" } }, "incoming request");
      logger.info({ applicant: { name: "Nguyễn Văn A" } }, "received");
      logger.warn("AUTH_JWT_SECRET is not set");
      logger.error({ err: new Error("connection refused") }, "a live demo arrival failed");
      logger.debug("not at info");
      expect(shown).toEqual([
        "warning: AUTH_JWT_SECRET is not set",
        "error: a live demo arrival failed (connection refused)",
      ]);
      const lines = await fileLines(file);
      expect(lines.map((l) => l.msg)).toEqual([
        "incoming request",
        "received",
        "AUTH_JWT_SECRET is not set",
        "a live demo arrival failed",
      ]);
      expect(lines[1]?.applicant).toBe(REDACTED);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("shows every line, as JSON, at debug", async () => {
    const dir = await mkdtemp(join(tmpdir(), "motcua-log-"));
    try {
      const file = join(dir, "motcua.log");
      const shown: string[] = [];
      const logger = createConsoleAndFileLogger({ level: "debug", file, console: (t) => shown.push(t) });
      logger.info("incoming request");
      logger.debug("a detail");
      expect(shown.map((t) => (JSON.parse(t) as { msg: string }).msg)).toEqual([
        "incoming request",
        "a detail",
      ]);
      expect((await fileLines(file)).map((l) => l.msg)).toEqual(["incoming request", "a detail"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
