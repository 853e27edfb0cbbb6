// Offsets in a text to the lines and columns messages name.

/** 1-based line and column (UTF-16 code units, as the yaml library counts) of each offset, in one pass. */
export function lineCols(text: string, offsets: readonly number[]): { line: number; col: number }[] {
  const order = offsets.map((o, i) => [o, i] as const).sort((a, b) => a[0] - b[0]);
  const out = offsets.map(() => ({ line: 0, col: 0 }));
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for (const [offset, i] of order) {
    if (offset < 0) continue;
    for (; at < offset && at < text.length; at++) {
      if (text.charCodeAt(at) === 0x0a) {
        line++;
        lineStart = at + 1;
      }
    }
    out[i] = { line, col: offset - lineStart + 1 };
  }
  return out;
}
