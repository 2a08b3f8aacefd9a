import { type OutboxNotice, redactContact } from "./outbox";

/**
 * What operators (the `notifications:*` commands, the API's admin routes) do with the dead-letter list.
 * Re-queueing is a row update only (`requeueFailed`: failed → pending, requeues + 1): the active
 * scheduler's sweep hands every pending notice to the dispatcher under a fresh job id
 * (`notify:<id>:<requeues>`), so a notice re-queued from another process is sent at the next sweep.
 */

function table(headers: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)].join("\n");
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The dead-letter list as a table; `total` is how many there are (the list may be cut at a limit). */
export function formatDeadLetters(notices: readonly OutboxNotice[], total: number): string {
  if (total === 0) return "dead letters    none";
  const shown = notices.length < total ? ` (showing the oldest ${notices.length})` : "";
  return [
    `dead letters    ${total}${shown}; re-queue with: pnpm notifications:requeue <id>… | --all`,
    table(
      ["id", "kind", "channel", "to", "unit", "attempts", "re-queued", "created at", "last error"],
      notices.map((n) => [
        String(n.id),
        n.kind,
        n.channel,
        n.recipientKind,
        n.unitId,
        String(n.attempts),
        String(n.requeues),
        n.createdAt.replace(/\.\d{3}Z$/, "Z"),
        clip(redactContact(n.lastError ?? "").replace(/\s+/g, " "), 80),
      ]),
      new Set([0, 5, 6]),
    ),
  ].join("\n");
}

export type RequeueTarget = { readonly all: true } | { readonly all: false; readonly ids: readonly number[] };

/** `--all`, or outbox ids (whole numbers); anything else is a message for the operator. */
export function parseRequeueArgs(args: readonly string[]): RequeueTarget | { readonly error: string } {
  if (args.length === 0) return { error: "name the notices to re-queue: <id>… or --all" };
  if (args.includes("--all")) {
    return args.length === 1
      ? { all: true }
      : { error: "--all re-queues every dead letter: give no ids with it" };
  }
  const bad = args.filter((arg) => !/^[1-9]\d{0,15}$/.test(arg) || !Number.isSafeInteger(Number(arg)));
  if (bad.length > 0) return { error: `not an outbox id (a whole number from 1): ${bad.join(", ")}` };
  return { all: false, ids: [...new Set(args.map(Number))] };
}

/** `--limit N` for the dead-letter list: how many rows to print (1–10,000, default 100). */
export function parseDeadLetterArgs(
  args: readonly string[],
): { readonly limit: number } | { readonly error: string } {
  let limit = 100;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = arg === "--limit" ? args[++i] : arg.startsWith("--limit=") ? arg.slice(8) : null;
    if (value === null) return { error: `unknown option ${arg} (only --limit N)` };
    const n = Number(value);
    if (value === undefined || !/^\d+$/.test(value) || n < 1 || n > 10_000) {
      return { error: "--limit must be a whole number from 1 to 10000" };
    }
    limit = n;
  }
  return { limit };
}
