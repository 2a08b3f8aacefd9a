import { type Role, signDevToken } from "@motcua/platform";
import { getUnit, listUnits, type ReferenceDatabase } from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { AppError, problemResponse } from "../problem";

/** Names for the demo users, so the timeline reads like a real office's (one per unit, in list order). */
const DEMO_NAMES = [
  "Nguyễn Thị Hoa",
  "Trần Văn Bình",
  "Lê Thị Thu",
  "Phạm Văn Cường",
  "Hoàng Thị Lan",
  "Vũ Văn Dũng",
  "Đặng Thị Mai",
  "Bùi Văn Nam",
  "Đỗ Thị Ngọc",
  "Ngô Văn Phúc",
];

const TTL = "8h";

const demoUser = z.object({
  role: z.enum(["officer", "auditor", "analyst", "admin"]),
  name: z.string(),
  /** What the person does, in the office's words ("Cán bộ một cửa", "Thanh tra"). */
  title: z.string(),
  unitId: z.string().optional(),
  unitName: z.string().optional(),
  unitLevel: z.string().optional(),
});
type DemoUser = z.infer<typeof demoUser>;

const signInBody = z
  .object({
    role: z.enum(["officer", "auditor", "analyst", "admin"]),
    name: z.string().trim().min(1).max(120),
    unitId: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

const disabled = () =>
  new AppError(
    403,
    "dev_sign_in.disabled",
    "Development sign-in is off in production; sign in through the identity provider",
  );

/**
 * Development sign-in for the workbench: `GET /dev/users` lists demo users (an officer per unit, an
 * inspector, an analyst, an admin) and `POST /dev/sign-in` mints the same HS256 development token as
 * `pnpm token`. Both are refused (403 `dev_sign_in.disabled`) when NODE_ENV=production or when the server
 * has no development secret: there, people sign in through the province's identity provider.
 */
export function devSignInRoutes(deps: {
  db: Kysely<ReferenceDatabase>;
  production: boolean;
  jwtSecret: string | undefined;
  now: () => Date;
}): RouteSlice {
  return async (app) => {
    const secret = deps.production ? undefined : deps.jwtSecret;
    app.get(
      "/dev/users",
      {
        schema: {
          tags: ["development"],
          summary: "Demo users for the workbench's development sign-in (refused in production)",
          response: { 200: z.object({ items: z.array(demoUser) }), 403: problemResponse("Production") },
        },
      },
      async () => {
        if (secret === undefined) throw disabled();
        const today = deps.now().toISOString().slice(0, 10);
        const units = (await listUnits(deps.db)).filter((u) => u.validTo === undefined || u.validTo >= today);
        const officers: DemoUser[] = units.map((unit, index) => ({
          role: "officer",
          name: DEMO_NAMES[index % DEMO_NAMES.length] as string,
          title: ["commune", "ward", "district"].includes(unit.level) ? "Cán bộ một cửa" : "Chuyên viên",
          unitId: unit.unitId,
          unitName: unit.name,
          unitLevel: unit.level,
        }));
        const others: DemoUser[] = [
          { role: "auditor", name: "Trịnh Văn Sơn", title: "Thanh tra" },
          { role: "analyst", name: "Lý Thị Hằng", title: "Cán bộ tổng hợp" },
          { role: "admin", name: "Mai Văn Tài", title: "Quản trị hệ thống" },
        ];
        return { items: [...officers, ...others] };
      },
    );

    app.post(
      "/dev/sign-in",
      {
        schema: {
          tags: ["development"],
          summary: "Mints a development token for a demo user (refused in production)",
          body: signInBody,
          response: {
            200: z.object({ token: z.string(), expiresAt: z.string() }),
            400: problemResponse("Invalid input or unknown unit"),
            403: problemResponse("Production"),
          },
        },
      },
      async (request) => {
        if (secret === undefined) throw disabled();
        const { role, name, unitId } = request.body;
        if (role === "officer" && unitId === undefined)
          throw new AppError(400, "request.invalid", "An officer signs in for a unit", {
            errors: [{ path: "body.unitId", message: "is required for officers" }],
          });
        if (unitId !== undefined && !(await getUnit(deps.db, unitId)))
          throw new AppError(400, "unit.unknown", "No such unit", {
            errors: [{ path: "body.unitId", message: "no such unit" }],
          });
        // A token's lifetime is real time (the verifier's), whatever clock the domain runs on.
        const now = new Date();
        const sub = `dev-${role}${unitId === undefined ? "" : `-${unitId}`}`;
        const token = await signDevToken({ role: role as Role, name, unitId, sub, ttl: TTL }, secret, now);
        return { token, expiresAt: new Date(now.getTime() + 8 * 3_600_000).toISOString() };
      },
    );
  };
}
