import { hash } from "node:crypto";

/** Bumped only if the hashed layout ever changes; stored hashes keep verifying under their own version. */
export const EVENT_HASH_VERSION = "motcua-event-v1";

export interface HashedEventContent {
  prevHash: string | null;
  streamId: string;
  revision: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  /** Canonical JSON of the data as stored (personal fields as ciphertext). */
  dataJson: string;
  /** Canonical JSON of the metadata as stored (including recordedAt). */
  metadataJson: string;
}

/**
 * The text that is hashed: fields joined by newlines. Stream ids, types and ids cannot contain a newline
 * and canonical JSON never does, so the layout is unambiguous. The Postgres adapter computes the very
 * same text in SQL (see postgres/schema.ts); both must stay in step.
 */
export function hashInput(content: HashedEventContent): string {
  return [
    EVENT_HASH_VERSION,
    content.prevHash ?? "",
    content.streamId,
    String(content.revision),
    content.eventId,
    content.type,
    String(content.schemaVersion),
    content.dataJson,
    content.metadataJson,
  ].join("\n");
}

export function computeEventHash(content: HashedEventContent): string {
  return hash("sha256", hashInput(content), "hex");
}

export interface StoredChainLink extends HashedEventContent {
  hash: string;
}

/**
 * Checks a stream's stored events in revision order and names the first revision whose place in the
 * chain (revision number, prevHash) or content does not match its hash. Fed one event at a time, so a
 * long stream is verified page by page.
 */
export class ChainVerifier {
  private expectedPrev: string | null = null;
  private expectedRevision = 1;
  private events = 0;
  private brokenAt: number | undefined;

  add(link: StoredChainLink): void {
    this.events += 1;
    if (this.brokenAt === undefined) {
      const intact =
        link.revision === this.expectedRevision &&
        link.prevHash === this.expectedPrev &&
        computeEventHash(link) === link.hash;
      if (!intact) this.brokenAt = this.expectedRevision;
    }
    this.expectedPrev = link.hash;
    this.expectedRevision += 1;
  }

  result(): { valid: boolean; events: number; brokenAt?: number } {
    return this.brokenAt === undefined
      ? { valid: true, events: this.events }
      : { valid: false, events: this.events, brokenAt: this.brokenAt };
  }
}
