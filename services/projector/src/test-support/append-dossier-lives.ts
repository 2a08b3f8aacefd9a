import { randomUUID } from "node:crypto";
import { dossierStreamId, formatInstant, PERSONAL_DATA_FIELD } from "@motcua/domain";
import type { EventStore, NewEvent } from "@motcua/event-store";
import type { SimulatedDecision, SimulatedLives } from "@motcua/testing";

/*
 * Appends the realistic dossier lives of @motcua/testing (`simulateDossierLives`) to a real event store
 * the way the API would, for the projector's tests and benchmark. (testing cannot do it: event-store
 * depends on testing for its own tests.)
 */

const DAY = 24 * 3_600_000;

export interface AppendOptions {
  /**
   * Decisions of one dossier within a window of this many days go in one append (bulk loading); windows
   * follow each other in time, so the log interleaves dossiers as a year of work would. Default 1.
   */
  readonly windowDays?: number;
  /** Appends in flight at once. Default 8. */
  readonly concurrency?: number;
  /** Stop after this many events (whole appends). */
  readonly maxEvents?: number;
  readonly onProgress?: (appended: number, total: number) => void;
  /** Each stream's revision so far, when appending a log in several calls (updated as it goes). */
  readonly revisions?: Map<string, number>;
}

/** The events of one dossier's decisions as the API appends them (applicant sealed in the vault). */
export function toNewEvents(decisions: readonly SimulatedDecision[], commandId: string): NewEvent[] {
  const out: NewEvent[] = [];
  for (const decision of decisions) {
    for (const event of decision.events) {
      const data = event.data as unknown as NewEvent["data"];
      out.push({
        type: event.type,
        schemaVersion: event.schemaVersion,
        data,
        metadata: {
          commandId,
          correlationId: commandId,
          causationId: null,
          actor: decision.actor,
          occurredAt: formatInstant(decision.at),
        },
        ...(PERSONAL_DATA_FIELD in data
          ? { personal: { subjectId: `applicant-${decision.dossierId}`, field: PERSONAL_DATA_FIELD } }
          : {}),
      });
    }
  }
  return out;
}

/**
 * Appends the decisions in time order: window by window, each dossier's decisions of the window as one
 * append with its expected revision, several dossiers at once. Returns the number of events appended.
 */
export async function appendDossierLives(
  store: EventStore,
  lives: SimulatedLives,
  options: AppendOptions = {},
): Promise<number> {
  const windowMs = Math.max(1, (options.windowDays ?? 1) * DAY);
  const concurrency = options.concurrency ?? 8;
  const total = Math.min(lives.eventCount, options.maxEvents ?? Number.POSITIVE_INFINITY);
  const revisions = options.revisions ?? new Map<string, number>();
  let appended = 0;
  let i = 0;
  const decisions = lives.decisions;
  while (i < decisions.length && appended < total) {
    // One window: its decisions grouped by dossier, in time order within each dossier.
    const first = decisions[i] as SimulatedDecision;
    const windowEnd = first.at - (first.at % windowMs) + windowMs;
    const byDossier = new Map<string, SimulatedDecision[]>();
    const groups: SimulatedDecision[][] = [];
    for (; i < decisions.length; i++) {
      const d = decisions[i] as SimulatedDecision;
      if (d.at >= windowEnd) break;
      let group = byDossier.get(d.dossierId);
      if (group === undefined) {
        group = [];
        byDossier.set(d.dossierId, group);
        groups.push(group);
      }
      group.push(d);
    }
    let next = 0;
    const run = async () => {
      while (next < groups.length && appended < total) {
        const group = groups[next++] as SimulatedDecision[];
        const dossierId = (group[0] as SimulatedDecision).dossierId;
        const streamId = dossierStreamId(dossierId);
        const commandId = randomUUID();
        const events = toNewEvents(group, commandId);
        const revision = revisions.get(streamId) ?? 0;
        revisions.set(streamId, revision + events.length);
        await store.append(streamId, events, {
          expectedRevision: revision === 0 ? "no_stream" : revision,
          commandId,
        });
        appended += events.length;
        options.onProgress?.(appended, total);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, groups.length) }, run));
  }
  return appended;
}
