import {
  type CalendarYear,
  CalendarYearSchema,
  createWorkSchedule,
  type ProcedureVersion,
} from "@motcua/domain";
import type { SimulationUnit } from "./plan";

/** A small HTTP client for the motcua API, as any other system would call it (API.md). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      // Rate limits and a store briefly busy are worth a pause and another try; nothing else is.
      if ((response.status === 429 || response.status === 503) && attempt < 50) {
        const wait = Number(response.headers.get("retry-after") ?? "1");
        await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 2) * 1000));
        continue;
      }
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    }
  }

  async get<T>(path: string): Promise<T> {
    const r = await this.request<T>("GET", path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async units(): Promise<(SimulationUnit & { parentId: string | null; code: string; name: string })[]> {
    return (
      await this.get<{ items: (SimulationUnit & { parentId: string | null; code: string; name: string })[] }>(
        "/units",
      )
    ).items;
  }

  async procedures(): Promise<ProcedureVersion[]> {
    return (await this.get<{ items: ProcedureVersion[] }>("/procedures")).items;
  }

  /** The calendars of the years a period touches, as the API keeps them. */
  async schedule(fromYear: number, toYear: number) {
    const years: CalendarYear[] = [];
    for (let year = fromYear; year <= toYear; year++) {
      const calendar = await this.get<CalendarYear & { known: boolean }>(`/calendars/${year}`);
      // Only the year's own lists: the answer adds fields about the year (known, a note) around them.
      if (calendar.known) {
        const { holidays, compensatoryDays, workingDays, notice } = calendar;
        years.push(
          CalendarYearSchema.parse({
            year,
            holidays,
            compensatoryDays,
            workingDays,
            ...(notice === undefined ? {} : { notice }),
          }),
        );
      }
    }
    return createWorkSchedule(years);
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight, reporting each completion. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  });
  await Promise.all(runners);
}
