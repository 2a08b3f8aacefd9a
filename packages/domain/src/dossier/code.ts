import { type Instant, localDateOf, VIETNAM_UTC_OFFSET_MINUTES } from "../time/local-time";

export interface DossierCodeParts {
  readonly unitCode: string;
  /** The local date of receipt, YYYY-MM-DD. */
  readonly date: string;
  readonly sequence: number;
}

/**
 * `{unit code}-{YYMMDD}-{NNNN}`: the receiving unit's code, the local date of receipt and a sequence per
 * unit per day from 0001. A busy unit's 10,000th dossier of a day gets five digits rather than a repeat.
 */
export function formatDossierCode(
  unitCode: string,
  receivedAt: Instant,
  sequence: number,
  offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES,
): string {
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError("sequence must be a positive integer");
  if (unitCode.includes("-") || unitCode.length === 0)
    throw new RangeError("unit code must be non-empty, without '-'");
  const date = localDateOf(receivedAt, offsetMinutes);
  return `${unitCode}-${date.slice(2, 4)}${date.slice(5, 7)}${date.slice(8, 10)}-${String(sequence).padStart(4, "0")}`;
}

const CODE = /^([0-9A-Za-z.]+)-(\d{2})(\d{2})(\d{2})-(\d{4,})$/;

/** Parses a dossier code; null when it is not one. Years are read as 20YY. */
export function parseDossierCode(code: string): DossierCodeParts | null {
  const m = CODE.exec(code.trim());
  if (!m) return null;
  const [, unitCode, yy, mm, dd, seq] = m as unknown as [string, string, string, string, string, string];
  const date = `20${yy}-${mm}-${dd}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) return null;
  const sequence = Number(seq);
  if (sequence < 1) return null;
  return { unitCode, date, sequence };
}
