// Durations as Prometheus writes them (model.ParseDuration): numbers with units
// y, w, d, h, m, s, ms, each at most once and from the largest unit down, e.g. "1h30m".

const UNITS = [
  ['y', 365 * 24 * 3_600_000],
  ['w', 7 * 24 * 3_600_000],
  ['d', 24 * 3_600_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

const MS_PER_UNIT: ReadonlyMap<string, number> = new Map(UNITS);
const RANK: ReadonlyMap<string, number> = new Map(UNITS.map(([unit], i) => [unit, i]));
// "ms" before "m", so that "500ms" is not read as 500 minutes followed by garbage.
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** A duration too large to be counted in milliseconds exactly. */
export class DurationRangeError extends RangeError {}

/** Milliseconds in a Prometheus-style duration. Throws an Error, worded for users, on anything else or zero. */
export function parseDuration(s: string): number {
  const invalid = (why: string): Error => new Error(`invalid duration ${JSON.stringify(s)}: ${why}`);
  if (s === '') throw invalid('expected a number and a unit, like "30s" or "1h30m"');
  if (/^0+$/.test(s)) throw invalid('must be greater than zero');
  if (/^\d+$/.test(s)) throw invalid(`a number needs a unit, like "${s}s"`);
  let total = 0;
  let lastRank = -1;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const match = PART.exec(s);
    if (match === null) throw invalid('expected numbers with units ms, s, m, h, d, w or y, like "30s" or "1h30m"');
    const [, digits = '', unit = ''] = match;
    const rank = RANK.get(unit) ?? 0;
    if (rank <= lastRank) throw invalid('units must go from the largest to the smallest, each once, like "1h30m"');
    lastRank = rank;
    total += Number(digits) * (MS_PER_UNIT.get(unit) ?? 0);
  }
  if (!Number.isSafeInteger(total)) throw new DurationRangeError(`invalid duration ${JSON.stringify(s)}: too large`);
  if (total === 0) throw invalid('must be greater than zero');
  return total;
}

/** The shortest Prometheus-style spelling of a number of milliseconds (rounded): 90_000 is "1m30s", 0 is "0s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format ${ms} as a duration`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
