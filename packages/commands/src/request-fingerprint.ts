import { dossierStreamId } from "@motcua/domain";
import { canonicalJson, type JsonObject, type RecordedEvent } from "@motcua/event-store";
import type { CommandDeps } from "./command-request";
import { applicantSubjectId, serverRequestFingerprint, uuidFromName } from "./ids";
import { subjectOf } from "./record-events";

/** Whose key fingerprints a keyed request: the applicant in its body, or the applicant of its dossier. */
export type FingerprintSubject =
  | {
      readonly receipt: {
        readonly dossierId?: string | undefined;
        readonly applicant: { readonly idNumber?: string | undefined };
      };
    }
  | { readonly dossierId: string };

/**
 * A keyed request's fingerprint, for Idempotency-Key and the events' `commandHash`: an HMAC of the
 * request under a key derived from its applicant's own vault key, so neither a lookup nor a brute force
 * over ID numbers recovers anything from it, and erasing the applicant destroys the ability to
 * recompute it. A request about no known dossier is keyed by the server's secret instead.
 */
export async function requestFingerprint(
  deps: CommandDeps,
  about: FingerprintSubject,
  commandId: string,
  request: unknown,
): Promise<string> {
  const message = canonicalJson(request as JsonObject);
  let subjectId: string | null;
  if ("receipt" in about) {
    const dossierId = about.receipt.dossierId ?? uuidFromName("motcua.dossier", commandId);
    subjectId = applicantSubjectId(deps.subjectSecret, dossierId, about.receipt.applicant.idNumber);
  } else {
    const first: RecordedEvent[] = [];
    for await (const e of deps.store.readStream(dossierStreamId(about.dossierId), { maxCount: 1 }))
      first.push(e);
    subjectId = first.length > 0 ? subjectOf(deps, about.dossierId, first) : null;
  }
  return subjectId === null
    ? serverRequestFingerprint(deps.subjectSecret, message)
    : `s1:${await deps.store.subjectDigest(subjectId, message)}`;
}
