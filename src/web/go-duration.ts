// Go's time.ParseDuration, which reads exporter-toolkit's rate_limit.interval: a sign, then
// numbers with units (ns, us, µs, ms, s, m, h), "1h30m", "1.5s"; "0" alone needs no unit.
// Prometheus' "d" and "w" are not Go units.

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const LIMIT = 2n ** 63n;

/** Nanoseconds, or why `text` is not a Go duration. */
export function parseGoDuration(text: string): { ns: bigint } | { problem: string } {
  const bad = (why: string) => ({
    problem: `${JSON.stringify(text)} is not a Go duration (${why}; e.g. 1s, 500ms, 1m30s)`,
  });
  let rest = text;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return { ns: 0n };
  if (rest === '') return bad('empty');
  let total = 0n;
  while (rest !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]*)/.exec(rest)!;
    const [all, whole = '', fraction, unit = ''] = m;
    if (whole === '' && (fraction === undefined || fraction === '')) return bad('a number must come before each unit');
    if (unit === '') return bad('missing unit');
    const perUnit = UNIT_NS[unit];
    if (perUnit === undefined) return bad(`unknown unit ${JSON.stringify(unit)}`);
    let ns = BigInt(whole === '' ? '0' : whole) * perUnit;
    // Go keeps the fraction's leading digits as long as they fit; nanoseconds are whole.
    if (fraction) ns += (BigInt(fraction.slice(0, 18)) * perUnit) / 10n ** BigInt(Math.min(fraction.length, 18));
    total += ns;
    if (total > LIMIT) return bad('too long');
    rest = rest.slice(all.length);
  }
  if (!negative && total === LIMIT) return bad('too long');
  return { ns: negative ? -total : total };
}
