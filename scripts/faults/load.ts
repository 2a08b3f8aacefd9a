import { randomUUID } from "node:crypto";

/**
 * A steady load of officers' commands through the API, as a counter would send them: each dossier is
 * received at commune A, transferred to commune B, resolved and returned there, one command at a time,
 * each with its own Idempotency-Key and If-Match. A command that meets a 503, a 429, a key still in
 * progress or no answer at all is sent again with the same key (what a client should do); anything
 * else ends that dossier's life here. Figures go to the tally of the phase the answer arrived in.
 */

export interface Tally {
  requests: number;
  ok: number;
  unavailable: number;
  /** 503s without Retry-After (API.md promises it). */
  unavailableWithoutRetryAfter: number;
  serverErrors: number;
  /** No HTTP answer: refused (the API process was down), reset or timed out. */
  noAnswer: number;
  /** Other statuses by code (409s, 4xx), for the report. */
  other: Record<number, number>;
  /** Why requests got no answer (refused, reset, timeout), for the report. */
  noAnswerReasons: Record<string, number>;
  /** Every 2xx: the stream and the revisions the command's events took (from < revision ≤ to). */
  accepted: AcceptedCommand[];
}

export interface AcceptedCommand {
  readonly streamId: string;
  readonly fromRevision: number;
  readonly toRevision: number;
  /** The global position the answer named (a read with `minPosition` of it must see the command). */
  readonly position?: number;
}

export const emptyTally = (): Tally => ({
  requests: 0,
  ok: 0,
  unavailable: 0,
  unavailableWithoutRetryAfter: 0,
  serverErrors: 0,
  noAnswer: 0,
  other: {},
  noAnswerReasons: {},
  accepted: [],
});

export interface LoadOptions {
  readonly baseUrl: string;
  /** Several API processes: each request goes to the next in turn (a retry, so, to another one). */
  readonly baseUrls?: readonly string[];
  /** Commands per second offered. */
  readonly rate: number;
  readonly tokens: { readonly communeA: string; readonly communeB: string };
  readonly procedureId: string;
  readonly units: { readonly communeA: string; readonly communeB: string };
  /** Commands in flight at most (an outage must not pile up thousands of retrying chains). */
  readonly maxInFlight?: number;
}

type Step = "receive" | "transfer" | "resolve" | "return";
const NEXT: Record<Step, Step | null> = {
  receive: "transfer",
  transfer: "resolve",
  resolve: "return",
  return: null,
};

interface Dossier {
  readonly id: string;
  revision: number;
  next: Step;
}

interface Answer {
  readonly status: number;
  readonly body: { revision?: number; position?: number; code?: string } | null;
  readonly retryAfter: boolean;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class CommandLoad {
  tally: Tally = emptyTally();
  private timer: NodeJS.Timeout | null = null;
  private readonly idle: Dossier[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  private sent = 0;

  constructor(private readonly options: LoadOptions) {}

  private nextUrl(): string {
    const urls = this.options.baseUrls;
    if (!urls || urls.length === 0) return this.options.baseUrl;
    return urls[this.sent++ % urls.length] as string;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), 1_000 / this.options.rate);
  }

  /** Stops offering new commands and waits until every command in flight has its final answer. */
  async drain(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private tick(): void {
    if (this.inFlight.size >= (this.options.maxInFlight ?? 200)) return;
    const dossier = this.idle.shift() ?? { id: randomUUID(), revision: 0, next: "receive" as Step };
    const run = this.advance(dossier).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async advance(dossier: Dossier): Promise<void> {
    const { units, tokens, procedureId } = this.options;
    const step = dossier.next;
    const [path, body, token] =
      step === "receive"
        ? [
            "/dossiers",
            {
              dossierId: dossier.id,
              procedureId,
              unitId: units.communeA,
              channel: "direct",
              applicant: { name: "Công dân thử tải" },
            },
            tokens.communeA,
          ]
        : step === "transfer"
          ? [`/dossiers/${dossier.id}/transfer`, { toUnitId: units.communeB }, tokens.communeA]
          : step === "resolve"
            ? [`/dossiers/${dossier.id}/resolve`, { outcome: "approved" }, tokens.communeB]
            : [`/dossiers/${dossier.id}/return`, { method: "counter" }, tokens.communeB];
    const answer = await this.sendUntilAnswered(
      path,
      body,
      token,
      step === "receive" ? null : dossier.revision,
    );
    if (answer === null || answer.status >= 300) return; // this dossier's life ends here
    const revision = answer.body?.revision;
    if (typeof revision !== "number") return;
    this.tally.accepted.push({
      streamId: `dossier-${dossier.id}`,
      fromRevision: dossier.revision,
      toRevision: revision,
      ...(typeof answer.body?.position === "number" ? { position: answer.body.position } : {}),
    });
    dossier.revision = revision;
    const next = NEXT[step];
    if (next !== null) this.idle.push({ ...dossier, next });
  }

  /** The same command (same key, same body) until an answer that is not "try again", or 90 s. */
  private async sendUntilAnswered(
    path: string,
    body: unknown,
    token: string,
    ifMatch: number | null,
  ): Promise<Answer | null> {
    const key = randomUUID();
    const deadline = Date.now() + 90_000;
    let inProgress = 0;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const answer = await this.send(path, body, token, key, ifMatch);
      const again =
        answer === null ||
        answer.status === 503 ||
        answer.status === 429 ||
        (answer.status === 409 && answer.body?.code === "idempotency.in_progress");
      if (!again) return answer;
      // A request cut off mid-way (its process killed) holds its key for a minute: give that one up.
      if (answer?.status === 409 && ++inProgress >= 3) return null;
      await delay(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
    return null;
  }

  private async send(
    path: string,
    body: unknown,
    token: string,
    key: string,
    ifMatch: number | null,
  ): Promise<Answer | null> {
    const tally = this.tally;
    tally.requests += 1;
    try {
      const response = await fetch(`${this.nextUrl()}${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": key,
          ...(ifMatch === null ? {} : { "if-match": `"${ifMatch}"` }),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      let parsed: Answer["body"] = null;
      try {
        parsed = JSON.parse(text) as Answer["body"];
      } catch {
        parsed = null;
      }
      const retryAfter = response.headers.get("retry-after") !== null;
      const counted = this.tally;
      if (response.status < 300) counted.ok += 1;
      else if (response.status === 503) {
        counted.unavailable += 1;
        if (!retryAfter) counted.unavailableWithoutRetryAfter += 1;
      } else if (response.status >= 500) counted.serverErrors += 1;
      else counted.other[response.status] = (counted.other[response.status] ?? 0) + 1;
      return { status: response.status, body: parsed, retryAfter };
    } catch (error) {
      const tally = this.tally;
      tally.noAnswer += 1;
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      tally.noAnswerReasons[cause] = (tally.noAnswerReasons[cause] ?? 0) + 1;
      return null;
    }
  }
}
