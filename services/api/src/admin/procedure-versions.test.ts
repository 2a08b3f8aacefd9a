import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, type TestRuntime } from "../test-runtime";

let rt: TestRuntime;
let admin: Record<string, string>;

const procedure = (value: number) => ({
  code: "9.000777",
  name: "Thủ tục có nhiều phiên bản",
  field: "Hộ tịch",
  level: "commune",
  timeLimit: { value, unit: "working_days" },
  onlineService: "partial",
  supplementPolicy: "restart",
});

beforeAll(async () => {
  rt = await createTestRuntime("procversions");
  admin = await rt.auth("admin");
});
afterAll(async () => {
  await rt?.dispose();
});

describe("GET /procedures/{id}/versions", () => {
  it("lists every version newest first; an unchanged save adds none; unknown is 404; no token is 401", async () => {
    const put = async (value: number) =>
      (
        await rt.app.inject({
          method: "PUT",
          url: "/procedures/many-versions",
          headers: admin,
          payload: procedure(value),
        })
      ).json() as { version: number; changed: boolean };
    expect(await put(5)).toMatchObject({ version: 1 });
    expect(await put(7)).toMatchObject({ version: 2, changed: true });
    expect(await put(7)).toMatchObject({ version: 2, changed: false });

    const answer = await rt.app.inject({
      method: "GET",
      url: "/procedures/many-versions/versions",
      headers: admin,
    });
    expect(answer.statusCode).toBe(200);
    const items = answer.json().items as {
      version: number;
      timeLimit: { value: number };
      createdAt: string;
    }[];
    expect(items.map((v) => [v.version, v.timeLimit.value])).toEqual([
      [2, 7],
      [1, 5],
    ]);
    for (const item of items) expect(Number.isNaN(Date.parse(item.createdAt))).toBe(false);

    const unknown = await rt.app.inject({
      method: "GET",
      url: "/procedures/nothing-here/versions",
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe("procedure.not_found");
    expect(
      (await rt.app.inject({ method: "GET", url: "/procedures/many-versions/versions" })).statusCode,
    ).toBe(401);
  });
});
