const unitMilliseconds: Record<string, number> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * Reads a duration such as `8h`, `90s`, `1 minute` or a bare number of milliseconds.
 * Returns undefined when the text is not a positive duration, so callers can say what was wrong.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const [, amount, unit = ""] = match;
  const factor = unit === "" ? 1 : unitMilliseconds[unit.toLowerCase()];
  if (factor === undefined) return undefined;
  const ms = Math.round(Number(amount) * factor);
  return ms > 0 ? ms : undefined;
}
