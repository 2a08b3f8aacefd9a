import { expect } from "vitest";
import { pauseColumns } from "../clock-pauses/table";
import { type Columns, type RowOf, rowFromDb, selectionOf } from "../columns";
import type { ReadModelDb } from "../database";
import { deadlineColumns } from "../deadline-history/table";
import type { ProjectableEvent } from "../events";
import { feedbackColumns } from "../feedback/table";
import { indicator766Columns } from "../indicators-766/table";
import { overdueSpanColumns } from "../overdue-spans/table";
import { processStepColumns } from "../process-steps/table";
import { projectEvents } from "../projection/project-events";
import { ratingColumns } from "../ratings/table";
import { reportCountColumns } from "../report-06a/table";
import { dossierColumns } from "../worklist/table";
import { freshVersion } from "./database.test-support";

/** Every table the projection writes, with its description and the order its rows are compared in. */
export const READ_MODEL_TABLES = {
  dossiers: { columns: dossierColumns, orderBy: ["dossier_id"] },
  process_steps: { columns: processStepColumns, orderBy: ["dossier_id", "seq"] },
  dossier_deadlines: { columns: deadlineColumns, orderBy: ["dossier_id", "seq"] },
  dossier_pauses: { columns: pauseColumns, orderBy: ["dossier_id", "seq"] },
  overdue_spans: { columns: overdueSpanColumns, orderBy: ["dossier_id", "from_day"] },
  report_counts: {
    columns: reportCountColumns,
    orderBy: ["receiving_unit_id", "field", "grain", "period_start"],
  },
  feedback: { columns: feedbackColumns, orderBy: ["feedback_id"] },
  dossier_ratings: { columns: ratingColumns, orderBy: ["dossier_id"] },
  indicator766_counts: {
    columns: indicator766Columns,
    orderBy: ["receiving_unit_id", "month", "procedure_id"],
  },
} as const satisfies Record<string, { columns: Columns; orderBy: readonly string[] }>;

export type ReadModelTable = keyof typeof READ_MODEL_TABLES;
export type RowIn<T extends ReadModelTable> = RowOf<(typeof READ_MODEL_TABLES)[T]["columns"]>;

/** Expected rows of a table, in its order: all of them, or those matching `where`. */
export type ExpectedRows<T extends ReadModelTable> =
  | readonly Partial<RowIn<T>>[]
  | { readonly where: Partial<RowIn<T>>; readonly rows: readonly Partial<RowIn<T>>[] };

/** The rows of one table as the projection holds them (ISO instants in +07:00, `YYYY-MM-DD` dates). */
export async function readRows<T extends ReadModelTable>(
  db: ReadModelDb,
  schema: string,
  table: T,
): Promise<RowIn<T>[]> {
  const { columns, orderBy } = READ_MODEL_TABLES[table];
  // Any of the tables: typed by the description, not by Kysely's table union.
  const from = db.withSchema(schema).selectFrom(table as "dossiers");
  let query = from.select(selectionOf(columns));
  for (const column of orderBy) query = query.orderBy(column as "dossier_id");
  const rows = (await query.execute()) as Record<string, unknown>[];
  return rows.map((row) => rowFromDb(columns, row) as RowIn<T>);
}

const matches = (row: object, where: object) =>
  Object.entries(where).every(([k, v]) => (row as Record<string, unknown>)[k] === v);

/**
 * Given/when/then for the projection, against real Postgres, the way deciders have theirs:
 *
 *   spec.given(received).when(transferred).thenRows({ process_steps: [{ seq: 1, late: false }, …] })
 *
 * `given` is projected in one transaction and `when` in the next, so the `when` events start from what
 * Postgres kept; every table must also come out the same when both are projected in one batch. Each
 * expected row is matched partially, in the table's order, and the table must hold no other rows.
 */
export function projectionSpecification(db: () => ReadModelDb) {
  let versions = 0;
  const fresh = async () => {
    const schema = `rm_spec_${++versions}`;
    await freshVersion(db(), schema, 1);
    return schema;
  };
  const project = (schema: string, events: readonly ProjectableEvent[]) =>
    db()
      .transaction()
      .execute((trx) => projectEvents(trx, schema, 0, events));
  return {
    given(history: readonly ProjectableEvent[]) {
      return {
        when(events: readonly ProjectableEvent[]) {
          return {
            async thenRows(expected: { readonly [T in ReadModelTable]?: ExpectedRows<T> }): Promise<void> {
              const apart = await fresh();
              await project(apart, history);
              await project(apart, events);
              const together = await fresh();
              await project(together, [...history, ...events]);
              for (const table of Object.keys(READ_MODEL_TABLES) as ReadModelTable[]) {
                const rows = await readRows(db(), apart, table);
                expect(await readRows(db(), together, table), `${table}, projected in one batch`).toEqual(
                  rows,
                );
                const spec = expected[table] as ExpectedRows<ReadModelTable> | undefined;
                if (spec === undefined) continue;
                const [where, wanted] = "where" in spec ? [spec.where, spec.rows] : [{}, spec];
                expect(
                  rows.filter((r) => matches(r, where)),
                  table,
                ).toMatchObject(wanted as object[]);
              }
            },
          };
        },
      };
    },
  };
}
