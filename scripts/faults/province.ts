import { putProcedure, putUnit, type ReferenceDatabase } from "@motcua/reference-data";
import type { Kysely } from "kysely";

/**
 * The small province the fault and cluster suites load: a province, two wards (`ca`, `cb`) and the
 * birth registration procedure (`birth`, 5 working days) — what their command load receives under.
 */
export async function putTwoWardProvince(
  db: Kysely<ReferenceDatabase>,
  actor: string,
  at: string,
): Promise<void> {
  await putUnit(
    db,
    { unitId: "p", code: "000.00.00.H19", name: "UBND tỉnh", level: "province", parentId: null },
    actor,
    at,
  );
  for (const [unitId, code, name] of [
    ["ca", "055.43.00.H19", "UBND phường Phan Đình Phùng"],
    ["cb", "055.44.00.H19", "UBND phường Quyết Thắng"],
  ] as const) {
    await putUnit(db, { unitId, code, name, level: "commune", parentId: "p" }, actor, at);
  }
  await putProcedure(
    db,
    "birth",
    {
      code: "1.001193",
      name: "Đăng ký khai sinh",
      field: "Hộ tịch",
      level: "commune",
      timeLimit: { value: 5, unit: "working_days" },
      onlineService: "full",
    },
    actor,
    at,
  );
}
