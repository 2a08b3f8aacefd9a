import { emptyRowOf } from "../columns";
import { type Indicator766CountColumn, type Indicator766Row, indicator766CountColumns } from "./table";

export type Indicator766Delta = Partial<Record<Indicator766CountColumn, number>>;

const ZEROS = emptyRowOf(indicator766CountColumns);

/** The 766 count increments of one batch, summed per row before they reach Postgres. */
export class Indicator766Deltas {
  readonly #rows = new Map<string, Indicator766Row>();

  add(
    unitId: string,
    procedureId: string,
    receivedDay: string,
    delta: Indicator766Delta,
    position: number,
  ): void {
    const month = `${receivedDay.slice(0, 7)}-01`;
    const key = `${unitId}\u0000${procedureId}\u0000${month}`;
    let row = this.#rows.get(key);
    if (row === undefined) {
      row = { receiving_unit_id: unitId, procedure_id: procedureId, month, position, ...ZEROS };
      this.#rows.set(key, row);
    }
    for (const column in delta) {
      row[column as Indicator766CountColumn] += delta[column as Indicator766CountColumn] ?? 0;
    }
    if (position > row.position) row.position = position;
  }

  /** Every row touched, in key order (shared rows are locked in one order by every partition). */
  sorted(): Indicator766Row[] {
    return [...this.#rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }
}
