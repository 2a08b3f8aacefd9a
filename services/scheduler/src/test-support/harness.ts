import { randomBytes, randomUUID } from "node:crypto";
import { type CommandRequest, DossierService } from "@motcua/commands";
import type { DossierCommand } from "@motcua/domain";
import { type ConfiguredEventStore, createEventStore, type RecordedEvent } from "@motcua/event-store";
import { createPostgresPool, createRedis, type ManualClock, manualClock } from "@motcua/platform";
import {
  migrateReferenceData,
  putCalendar,
  putProcedure,
  putUnit,
  type ReferenceDatabase,
} from "@motcua/reference-data";
import {
  CALENDAR_2025,
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from "@motcua/testing";
import type { Redis } from "ioredis";
import { Kysely, PostgresDialect } from "kysely";
import type { SchedulerDatabase } from "../database";
import { type Scheduler, type SchedulerOptions, startScheduler } from "../scheduler";

/** A small province on a throw-away database and Redis prefix, with a controllable clock. */
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
  commune: {
    unitId: "ca",
    code: "055.43.00.H19",
    name: "UBND phường Phan Đình Phùng",
    level: "commune",
    parentId: "p",
  },
} as const;

const PROCEDURES = {
  permit: {
    code: "1.009994",
    name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    field: "Xây dựng",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "restart",
  },
  land: {
    code: "1.004227",
    name: "Đăng ký biến động đất đai",
    field: "Đất đai",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "resume",
  },
} as const;

/** The applicant every test dossier has: personal data that must never leave the event store's vault. */
export const APPLICANT = { name: "Nguyễn Văn An", idNumber: "019085001234", phone: "0912345678" } as const;

export interface Harness {
  readonly database: TestDatabase;
  readonly testRedis: TestRedis;
  readonly redis: Redis;
  readonly db: Kysely<SchedulerDatabase & ReferenceDatabase>;
  readonly store: ConfiguredEventStore;
  readonly service: DossierService;
  readonly clock: ManualClock;
  readonly subjectSecret: Buffer;
  /** Starts a scheduler on this harness (stopped by `dispose` if the test does not stop it). */
  scheduler(options?: Partial<SchedulerOptions>): Promise<Scheduler>;
  /** Receives a dossier at the commune, now on the clock; answers its id and due moment. */
  receive(procedureId?: "permit" | "land"): Promise<{ dossierId: string; dueAt: string }>;
  /** An officer of the unit holding the dossier acts, now on the clock. */
  act(dossierId: string, command: DossierCommand, unitId?: string): Promise<void>;
  events(dossierId: string, type?: string): Promise<RecordedEvent[]>;
  /** Deletes every key under the test's Redis prefix: Redis "lost everything". */
  flushRedis(): Promise<void>;
  dispose(): Promise<void>;
}

export async function createHarness(label: string, start = "2025-03-12T10:00:00+07:00"): Promise<Harness> {
  const database = await createTestDatabase(label);
  const testRedis = await createTestRedis(label);
  const redis = createRedis(testRedis.url, { connectionName: `test-${label}` });
  const pool = createPostgresPool(database.url, { max: 20 });
  const db = new Kysely<SchedulerDatabase & ReferenceDatabase>({ dialect: new PostgresDialect({ pool }) });
  const subjectSecret = randomBytes(32);
  const store = createEventStore(
    { kind: "postgres", databaseUrl: database.url, masterKey: randomBytes(32).toString("base64") },
    { poolSize: 10 },
  );
  await store.migrate();
  await migrateReferenceData(db);
  const at = "2025-01-01T00:00:00+07:00";
  for (const unit of Object.values(UNITS)) await putUnit(db, unit, "test-admin", at);
  for (const [id, procedure] of Object.entries(PROCEDURES))
    await putProcedure(db, id, procedure, "test-admin", at);
  await putCalendar(db, CALENDAR_2025, "test-admin", at);
  const clock = manualClock(start);
  const service = new DossierService({ store, db, subjectSecret, now: () => clock.now() });
  const started: Scheduler[] = [];

  const request = (unitId: string): CommandRequest => ({
    principal: { sub: `officer-${unitId}`, name: "Cán bộ một cửa", role: "officer", unitId },
    commandId: randomUUID(),
    correlationId: randomUUID(),
  });

  const flushRedis = async () => {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${testRedis.prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  };

  return {
    database,
    testRedis,
    redis,
    db,
    store,
    service,
    clock,
    subjectSecret,
    async scheduler(options = {}) {
      const scheduler = await startScheduler({
        store,
        db,
        redis,
        prefix: testRedis.prefix,
        clock,
        subjectSecret,
        sweepIntervalMs: 3_600_000,
        pollIntervalMs: 20,
        standbyRetryMs: 100,
        rebuildCheckMs: 50,
        rebuildRetryMs: 100,
        ...options,
      });
      started.push(scheduler);
      return scheduler;
    },
    async receive(procedureId = "permit") {
      const answer = await service.receive(
        {
          procedureId,
          unitId: UNITS.commune.unitId,
          channel: "direct",
          applicant: { ...APPLICANT },
          documents: [{ name: "Đơn đề nghị", digitized: true }],
        },
        request(UNITS.commune.unitId),
      );
      return { dossierId: answer.dossierId, dueAt: answer.dueAt ?? "" };
    },
    async act(dossierId, command, unitId = UNITS.commune.unitId) {
      await service.execute(dossierId, command, request(unitId));
    },
    async events(dossierId, type) {
      const events: RecordedEvent[] = [];
      for await (const e of store.readStream(`dossier-${dossierId}`))
        if (!type || e.type === type) events.push(e);
      return events;
    },
    flushRedis,
    async dispose() {
      await Promise.all(started.map((s) => s.stop()));
      await flushRedis();
      redis.disconnect();
      await store.close();
      await db.destroy();
      await database.drop();
    },
  };
}
