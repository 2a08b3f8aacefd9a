import type { DossierState } from "@motcua/domain";

/**
 * A dossier as a command last left it in this process: its folded state at a revision, the command ids
 * already applied to it, and the subject its data is sealed under. Enough to decide the next command
 * without reading and folding the stream again.
 */
export interface FoldedDossier {
  readonly state: DossierState;
  readonly revision: number;
  readonly position: number;
  readonly commandIds: ReadonlySet<string>;
  readonly subjectId: string;
}

export interface FoldedDossiersStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
  /** Cached states found stale (another process appended first) and dropped. */
  readonly stale: number;
  readonly evictions: number;
}

/**
 * Folded dossier states by stream, bounded (least recently used out first). Correct under concurrency
 * without coordination: a state from here is only ever trusted by an append whose expected revision is
 * that state's revision — when another process (another API, the scheduler's overdue marking, an erasure)
 * appended meanwhile, the append is refused, the entry is dropped and the command is decided again on the
 * stream as stored. Refusals are never answered from here either: they are judged again on the stream.
 *
 * Holds applicants' data in memory (the state carries it, decrypted), so it is bounded and erasure drops
 * the person's dossiers at once in this process (other processes' entries go at their next append).
 */
export class FoldedDossiers {
  readonly #entries = new Map<string, FoldedDossier>();
  #hits = 0;
  #misses = 0;
  #stale = 0;
  #evictions = 0;

  constructor(readonly capacity: number) {}

  /** The dossier as last folded here, or undefined (counted as a miss). */
  get(dossierId: string): FoldedDossier | undefined {
    const entry = this.#entries.get(dossierId);
    if (entry === undefined) {
      this.#misses += 1;
      return undefined;
    }
    this.#hits += 1;
    // Most recently used last: Map keeps insertion order.
    this.#entries.delete(dossierId);
    this.#entries.set(dossierId, entry);
    return entry;
  }

  remember(dossierId: string, entry: FoldedDossier): void {
    if (this.capacity <= 0) return;
    const known = this.#entries.get(dossierId);
    // An older revision never replaces a newer one (two commands of this process finishing out of order).
    if (known && known.revision > entry.revision) return;
    this.#entries.delete(dossierId);
    this.#entries.set(dossierId, entry);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.#evictions += 1;
    }
  }

  /** The cached state turned out stale: dropped, and counted. */
  dropStale(dossierId: string): void {
    if (this.#entries.delete(dossierId)) this.#stale += 1;
  }

  forget(dossierId: string): void {
    this.#entries.delete(dossierId);
  }

  stats(): FoldedDossiersStats {
    return {
      size: this.#entries.size,
      capacity: this.capacity,
      hits: this.#hits,
      misses: this.#misses,
      stale: this.#stale,
      evictions: this.#evictions,
    };
  }
}
