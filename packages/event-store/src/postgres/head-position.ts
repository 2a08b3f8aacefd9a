/**
 * The log's head, asked for by many at once: callers share one query, but a caller is never handed a
 * head computed before it asked (it waits for the next query), so it sees every append it knows of.
 */
export function coalescedHead(fetchHead: () => Promise<number>): () => Promise<number> {
  let headRunning: Promise<number> | null = null;
  let headQueued: Promise<number> | null = null;
  const headPosition = (): Promise<number> => {
    if (!headRunning) {
      headRunning = fetchHead().finally(() => {
        headRunning = null;
      });
      return headRunning;
    }
    headQueued ??= headRunning
      .catch(() => 0)
      .then(() => {
        headQueued = null;
        return headPosition();
      });
    return headQueued;
  };
  return headPosition;
}
