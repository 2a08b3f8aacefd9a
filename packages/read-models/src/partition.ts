const utf8 = new TextEncoder();

/**
 * The partition a stream's events go to: FNV-1a (32-bit) of the stream id's UTF-8 bytes, modulo the
 * partition count. Stable across processes, releases and platforms, so every feeder and worker agrees,
 * and all of a dossier's events share one partition (its order is the partition's order).
 */
export function partitionOf(streamId: string, partitions: number): number {
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new RangeError("partitions must be a whole number ≥ 1");
  }
  let hash = 0x811c9dc5;
  for (const byte of utf8.encode(streamId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
