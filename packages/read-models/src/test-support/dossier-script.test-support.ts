import type { DossierCommand } from "@motcua/domain";
import { RECEIVING_UNITS, scriptedDossier } from "@motcua/testing";
import type { ProjectableEvent } from "../events";

export const COMMUNE = RECEIVING_UNITS[0];
export const DEPARTMENT = "unit-dept-construction";
export const PROVINCE = "unit-province-office";
export const A = "0b9f6c2e-8a4e-4d3b-9a51-2f6f3c1d7e10";

/** Receipt at the commune's counter, directly, two documents both digitised (building permit: 5 working days). */
export const receive = (dossierId = A): DossierCommand => ({
  type: "ReceiveDossier",
  data: {
    dossierId,
    code: `000.00.10.H26-250312-${dossierId.slice(0, 4).replace(/\D/g, "1")}`,
    unitId: COMMUNE,
    channel: "direct",
    applicant: { name: "Nguyễn Văn A", idNumber: "001085012345", phone: "0912345678" },
    documents: [
      { name: "Đơn đề nghị", digitized: true },
      { name: "Bản vẽ", digitized: true },
    ],
  },
});

type Step = readonly [DossierCommand, string];

/**
 * One dossier's life decided by the domain, cut where `given` ends: the events of the `given` steps,
 * and those the `when` steps add after them (an overdue event the decider records first included).
 */
export function dossierLife(
  given: readonly Step[],
  when: readonly Step[],
  dossierId = A,
): { given: ProjectableEvent[]; when: ProjectableEvent[] } {
  const all = scriptedDossier(dossierId, [...given, ...when]);
  const cut = scriptedDossier(dossierId, given).length;
  return { given: all.slice(0, cut), when: all.slice(cut) };
}
