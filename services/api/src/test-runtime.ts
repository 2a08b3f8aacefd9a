import {
  DEV_JWT_SECRET,
  type DevTokenClaims,
  type ManualClock,
  manualClock,
  signDevToken,
} from "@motcua/platform";
import {
  activeReadModelVersion,
  type ProjectableEvent,
  partitionOf,
  projectEvents,
} from "@motcua/read-models";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import { CALENDAR_2025, createTestDatabase, type TestDatabase } from "@motcua/testing";
import { type ApiRuntime, type ApiRuntimeOptions, createApiRuntime } from "./runtime";
import { testConfig } from "./test-app";

/**
 * A whole API on a throw-away Postgres database, with a controllable clock and a small province:
 * a province, a department and two communes; procedures under each supplement policy; the 2025 calendar.
 */
export const UNITS = {
  province: {
    unitId: "p",
    code: "000.00.00.H19",
    name: "UBND tỉnh Thái Nguyên",
    level: "province",
    parentId: null,
  },
  department: {
    unitId: "dept",
    code: "000.00.12.H19",
    name: "Sở Xây dựng",
    level: "department",
    parentId: "p",
  },
  communeA: {
    unitId: "ca",
    code: "055.43.00.H19",
    name: "UBND phường Phan Đình Phùng",
    level: "commune",
    parentId: "p",
  },
  communeB: {
    unitId: "cb",
    code: "055.44.00.H19",
    name: "UBND phường Quyết Thắng",
    level: "commune",
    parentId: "p",
  },
} as const;

export const PROCEDURES = {
  restart: {
    code: "1.009994",
    name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    field: "Xây dựng",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "restart",
  },
  resume: {
    code: "1.004227",
    name: "Đăng ký biến động đất đai",
    field: "Đất đai",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "resume",
  },
} as const;

export interface TestRuntime extends ApiRuntime {
  readonly database: TestDatabase;
  readonly clock: ManualClock;
  token(claims: DevTokenClaims): Promise<string>;
  /** Authorization header for a role (officers of `unitId`). */
  auth(role: DevTokenClaims["role"], unitId?: string): Promise<{ authorization: string }>;
  dispose(): Promise<void>;
}

export async function createTestRuntime(
  label: string,
  options: Partial<ApiRuntimeOptions> & { env?: Record<string, string> } = {},
): Promise<TestRuntime> {
  const database = await createTestDatabase(label);
  const clock = manualClock("2025-03-12T09:00:00+07:00");
  const { env, ...rest } = options;
  const runtime = await createApiRuntime({
    config: testConfig({ RATE_LIMIT_MAX: "100000", ...env }),
    databaseUrl: database.url,
    clock,
    poolSize: 10,
    ...rest,
  });
  const at = "2025-01-01T00:00:00+07:00";
  for (const unit of Object.values(UNITS)) await putUnit(runtime.db, unit, "test-admin", at);
  await putProcedure(runtime.db, "permit", PROCEDURES.restart, "test-admin", at);
  await putProcedure(runtime.db, "land", PROCEDURES.resume, "test-admin", at);
  await putCalendar(runtime.db, CALENDAR_2025, "test-admin", at);
  const token = (claims: DevTokenClaims) => signDevToken({ ttl: "1h", ...claims }, DEV_JWT_SECRET);
  return {
    ...runtime,
    database,
    clock,
    token,
    async auth(role, unitId) {
      const t = await token({ role, sub: `${role}-${unitId ?? "all"}`, ...(unitId ? { unitId } : {}) });
      return { authorization: `Bearer ${t}` };
    },
    async dispose() {
      await runtime.close();
      await database.drop();
    },
  };
}

export const receiveBody = (overrides: Record<string, unknown> = {}) => ({
  procedureId: "permit",
  unitId: UNITS.communeA.unitId,
  channel: "direct",
  applicant: { name: "Nguyễn Văn An", idNumber: "019085001234", phone: "0912345678" },
  documents: [{ name: "Đơn đề nghị cấp phép", digitized: true }],
  ...overrides,
});

/**
 * Stands in for the projector: applies everything in the log to the active read-model version, partition
 * by partition (`partitions` as the runtime's PROJECTION_PARTITIONS). Safe to call again: what was
 * applied is skipped.
 */
export async function projectAll(rt: ApiRuntime, partitions = 8): Promise<number> {
  const byPartition = new Map<number, ProjectableEvent[]>();
  let head = 0;
  for await (const e of rt.store.readAll()) {
    const p = partitionOf(e.streamId, partitions);
    const list = byPartition.get(p) ?? [];
    list.push(e);
    byPartition.set(p, list);
    head = e.position;
  }
  const schema = await activeReadModelVersion(rt.db as never);
  if (!schema) throw new Error("no active read-model version");
  await rt.db.transaction().execute(async (trx) => {
    for (let p = 0; p < partitions; p++) {
      await projectEvents(trx as never, schema, p, byPartition.get(p) ?? [], { throughPosition: head });
    }
  });
  return head;
}
