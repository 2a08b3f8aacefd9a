import { sql } from "kysely";
import { rowFromDb, selectionOf } from "../columns";
import type { ReadModelDb } from "../database";
import { bulkUpsert } from "../projection/bulk-write";
import type { ParsedFeedbackEvent } from "./events";
import { evolveFeedbackRow } from "./evolve";
import { FEEDBACK_PG_TYPES, type FeedbackRecord, feedbackColumns } from "./table";

const SELECTION = selectionOf(feedbackColumns);

/**
 * Applies a batch's feedback events in the caller's transaction (the batch's checkpoint commits with
 * them): rows loaded once, events at or below a row's revision skipped, rows written in one statement.
 */
export async function projectFeedback(
  trx: ReadModelDb,
  schema: string,
  events: readonly ParsedFeedbackEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const ids = [...new Set(events.map((e) => e.feedbackId))];
  const stored = await trx
    .withSchema(schema)
    .selectFrom("feedback")
    .select(SELECTION)
    .where(sql<boolean>`feedback_id = any(${ids}::uuid[])`)
    .execute();
  const rows = new Map<string, FeedbackRecord | null>(ids.map((id) => [id, null]));
  for (const row of stored as Record<string, unknown>[]) {
    const record = rowFromDb(feedbackColumns, row);
    rows.set(record.feedback_id, record);
  }
  const touched = new Set<string>();
  for (const event of events) {
    const before = rows.get(event.feedbackId) ?? null;
    if (before !== null && event.revision <= before.revision) continue;
    rows.set(event.feedbackId, evolveFeedbackRow(before, event));
    touched.add(event.feedbackId);
  }
  await bulkUpsert(
    trx,
    { table: `${schema}.feedback`, columns: FEEDBACK_PG_TYPES, key: ["feedback_id"] },
    [...touched].sort().map((id) => rows.get(id) as FeedbackRecord),
  );
}
