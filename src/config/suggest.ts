// "did you mean ...?" for a key nobody knows: the allowed key a typo most likely came from.

/**
 * The allowed word closest to `word`, or undefined when none is close: the same word in
 * another case, one a few edits away (two at most, one for short words), or one that
 * starts with the other (`refresh` for `refresh_interval`).
 */
export function nearest(word: string, allowed: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const same = allowed.find((a) => a.toLowerCase() === lower);
  if (same !== undefined) return same;
  const most = lower.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = most + 1;
  for (const a of allowed) {
    const d = editDistance(lower, a.toLowerCase(), bestDistance);
    if (d < bestDistance) [best, bestDistance] = [a, d];
  }
  if (best !== undefined) return best;
  if (lower.length < 4) return undefined;
  return allowed.find((a) => a.toLowerCase().startsWith(lower) || (a.length >= 4 && lower.startsWith(a.toLowerCase())));
}

/** `; did you mean X?` for `word`, or nothing. */
export function didYouMean(word: string, allowed: readonly string[]): string {
  const found = nearest(word, allowed);
  return found === undefined ? '' : `; did you mean ${found}?`;
}

/** The message of a key a format does not have, with the keys it has: config and web config word it alike. */
export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  return `unknown key ${JSON.stringify(key)}${didYouMean(key, allowed)} (allowed: ${allowed.join(', ')})`;
}

/**
 * Edits (insert, delete, replace, swap of neighbours) from a to b, or `limit` when that
 * many or more: words far apart cost no more than their length times the limit.
 */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before = Array.from({ length: b.length + 1 }, (_, j) => j);
  let previous = before;
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
      smallest = Math.min(smallest, d);
    }
    if (smallest >= limit) return limit;
    [before, previous] = [previous, row];
  }
  return Math.min(previous[b.length]!, limit);
}
