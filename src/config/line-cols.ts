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

/** Lines and columns of many offsets into one text: line starts found once, each lookup a binary search. */
export class LineIndex {
  readonly #text: string;
  #starts: number[] | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** 1-based line and column of `offset` (UTF-16 code units). */
  linePos(offset: number): { line: number; col: number } {
    const starts = (this.#starts ??= lineStarts(this.#text));
    let [lo, hi] = [0, starts.length - 1];
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
