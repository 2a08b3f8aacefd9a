/**
 * A steady load of worklist reads with `?minPosition=` — the position of the latest command the load saw
 * acknowledged — spread over the API processes. Each answer must reflect at least that position,
 * wherever it was read (`X-Read-Source`: replica or primary).
 */

export interface ReadTally {
  requests: number;
  ok: number;
  /** 200s whose position was below the minPosition asked: a stale read, never allowed. */
  olderThanAsked: number;
  unavailable: number;
  serverErrors: number;
  noAnswer: number;
  other: Record<number, number>;
  bySource: Record<string, number>;
}

export const emptyReadTally = (): ReadTally => ({
  requests: 0,
  ok: 0,
  olderThanAsked: 0,
  unavailable: 0,
  serverErrors: 0,
  noAnswer: 0,
  other: {},
  bySource: {},
});

export interface ReadLoadOptions {
  readonly baseUrls: readonly string[];
  readonly rate: number;
  readonly token: string;
  readonly unitId: string;
  /** The position to ask for: the latest acknowledged command's. */
  readonly minPosition: () => number | undefined;
}

export class ReadLoad {
  tally: ReadTally = emptyReadTally();
  private timer: NodeJS.Timeout | null = null;
  private sent = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: ReadLoadOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.inFlight.size >= 20) return;
      const read = this.read().finally(() => this.inFlight.delete(read));
      this.inFlight.add(read);
    }, 1_000 / this.options.rate);
  }

  async drain(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async read(): Promise<void> {
    const { baseUrls, token, unitId } = this.options;
    const minPosition = this.options.minPosition();
    const url = `${baseUrls[this.sent++ % baseUrls.length]}/dossiers?status=open&unitId=${unitId}&limit=5${
      minPosition === undefined ? "" : `&minPosition=${minPosition}`
    }`;
    const tally = this.tally;
    tally.requests += 1;
    try {
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(15_000),
      });
      const body = (await response.json().catch(() => null)) as { position?: number } | null;
      if (response.status === 200) {
        tally.ok += 1;
        const source = response.headers.get("x-read-source") ?? "none";
        tally.bySource[source] = (tally.bySource[source] ?? 0) + 1;
        if (minPosition !== undefined && (body?.position ?? -1) < minPosition) tally.olderThanAsked += 1;
      } else if (response.status === 503) tally.unavailable += 1;
      else if (response.status >= 500) tally.serverErrors += 1;
      else tally.other[response.status] = (tally.other[response.status] ?? 0) + 1;
    } catch {
      tally.noAnswer += 1;
    }
  }
}
