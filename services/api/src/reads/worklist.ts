import type { DossierService } from "@motcua/commands";
import { dossierStreamId, isDueSoon, PENDING, parseInstant } from "@motcua/domain";
import type { EventStore } from "@motcua/event-store";
import type { Principal } from "@motcua/platform";
import type { DossierView } from "@motcua/read-models";

/** What an officer's worklist adds to each dossier beyond the read model's row. */
export interface WorklistExtras {
  /** Pending and due within the next 24 working hours (the domain's `isDueSoon`). */
  readonly dueSoon: boolean;
  /**
   * The applicant's name, for the officer of the unit holding the dossier only (null when erased);
   * absent for everyone else — analysts and the public never see it.
   */
  readonly applicantName?: string | null;
}

/**
 * The applicant's name as received: the stream's first event (the receipt, or the online submission)
 * carries it, decrypted from the vault. One short read per dossier, only for the page being answered.
 */
async function applicantNameOf(store: EventStore, dossierId: string): Promise<string | null> {
  for await (const first of store.readStream(dossierStreamId(dossierId), { maxCount: 1 })) {
    const applicant = first.data.applicant as { name?: unknown } | undefined;
    return typeof applicant?.name === "string" ? applicant.name : null;
  }
  return null;
}

/** Adds `dueSoon` to every item, and the applicant's name to those the calling officer's unit holds. */
export async function withWorklistExtras<T extends DossierView>(
  items: readonly T[],
  deps: { principal: Principal; now: number; service: DossierService; store: EventStore },
): Promise<(T & WorklistExtras)[]> {
  const { principal, now } = deps;
  return Promise.all(
    items.map(async (item) => {
      const schedule = await deps.service.schedule(item.receivingUnitId);
      const dueSoon =
        PENDING.has(item.status) &&
        isDueSoon(schedule, now, item.dueAt === null ? null : parseInstant(item.dueAt));
      const holdsIt = principal.role === "officer" && principal.unitId === item.currentUnitId;
      if (!holdsIt) return { ...item, dueSoon };
      return { ...item, dueSoon, applicantName: await applicantNameOf(deps.store, item.dossierId) };
    }),
  );
}
