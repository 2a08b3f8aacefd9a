import { type Actor, hasTakenOver, localDateOf, parseInstant, type Unit } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import type { Principal } from "@motcua/platform";
import type { ReferenceCache, ReferenceDatabase } from "@motcua/reference-data";
import type { Kysely } from "kysely";
import type { FoldedDossiers } from "./folded-dossiers";
import { atInFuture, type CommandRefusal } from "./outcomes";

/** What the command functions work with. */
export interface CommandDeps {
  readonly store: EventStore;
  readonly db: Kysely<ReferenceDatabase>;
  /** Units, procedures and schedules, kept a few seconds off the hot path. */
  readonly reference: ReferenceCache;
  /** Keys the pseudonymous applicant subject ids (the vault master key serves). */
  readonly subjectSecret: Buffer;
  readonly now: () => Date;
  /** Dossiers as commands last left them in this process (none: every command reads its stream). */
  readonly folded?: FoldedDossiers | undefined;
}

export interface CommandRequest {
  readonly principal: Principal;
  /** The historical moment (admins migrating history); otherwise now. */
  readonly at?: string | undefined;
  readonly commandId: string;
  /**
   * The command id was drawn at random for this very request (no Idempotency-Key): no stored event can
   * carry it, so a dossier named after it cannot exist yet and a receipt need not read its stream.
   */
  readonly freshCommandId?: boolean | undefined;
  readonly correlationId: string;
  /** From If-Match: the revision the caller last saw. */
  readonly expectedRevision?: number | undefined;
  /** The request's fingerprint (`requestFingerprint`), kept with the events it caused. */
  readonly commandHash?: string | undefined;
}

/** The actor of the system's own commands (the deadline watcher). */
export const SYSTEM_ACTOR: Actor = { id: "deadline-watcher", role: "system", unitId: null };

/** Who acts, as recorded with each event: the token's subject, name, role and unit. */
export const actorOf = (principal: Principal): Actor => ({
  id: principal.sub,
  name: principal.name,
  role: principal.role,
  unitId: principal.unitId ?? null,
});

/** The moment of the action: `at` for an admin's migration, never in the future; otherwise now. */
export function momentOf(deps: CommandDeps, request: CommandRequest): string | CommandRefusal {
  const now = deps.now();
  if (request.at === undefined) return now.toISOString();
  if (parseInstant(request.at) > now.getTime())
    return atInFuture(
      [{ field: "at", message: "must not lie in the future" }],
      "`at` must not lie in the future",
    );
  return request.at;
}

/** Whether `unitId` succeeded the holder, which has ceased by the moment of the action. */
export async function tookOver(
  deps: Pick<CommandDeps, "reference">,
  unitId: string | undefined,
  holderId: string,
  now: string,
): Promise<boolean> {
  const holder = await deps.reference.unit(holderId);
  if (!unitId || !holder?.successorId) return false;
  const chain = new Map<string, Unit>([[holder.unitId, holder]]);
  for (let id: string | undefined = holder.successorId; id && !chain.has(id) && chain.size < 20; ) {
    const next = await deps.reference.unit(id);
    if (!next) break;
    chain.set(id, next);
    id = next.successorId;
  }
  const day = localDateOf(parseInstant(now));
  return hasTakenOver(unitId, holder, (id) => chain.get(id), day);
}

/** `value` without its undefined fields (own enumerable keys, in their order), as a new object. */
export function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  // A loop rather than Object.fromEntries(Object.entries(…).filter(…)): no pair arrays, on every command.
  const defined: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = value[key];
    if (item !== undefined) defined[key] = item;
  }
  return defined as { [K in keyof T]: Exclude<T[K], undefined> };
}
