/** One line of the table: one tool in one scenario. */
export interface Row {
  scenario: string;
  tool: string;
  runs: number;
  /** Median time in ms; undefined when it never finished. */
  medianMs: number | undefined;
  /** Every run's time, for the JSON. */
  timesMs: number[];
  peakRssMb: number | undefined;
  right: number | undefined;
  wrong: number | undefined;
  /** "0.42", "<0.05" or "" for the anchor itself. */
  ratio: string;
  /** The goal and whether it was met, e.g. "<=1.0, <=150 MB: met". */
  goal: string;
  met: boolean | undefined;
  notes: string[];
}

export interface ScenarioOutcome {
  rows: Row[];
  /** Figures that have no row, e.g. the cost table of scenario 3. */
  extra: Record<string, unknown>;
  /** A wrong verdict or a broken harness: the smoke run fails on these, never on a missed goal. */
  failures: string[];
}

export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

export function fmtRatio(r: number | undefined, bound = false): string {
  if (r === undefined) return 'n/a';
  return `${bound ? '<' : ''}${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}`;
}

export function row(partial: Partial<Row> & Pick<Row, 'scenario' | 'tool'>): Row {
  return {
    runs: 0,
    medianMs: undefined,
    timesMs: [],
    peakRssMb: undefined,
    right: undefined,
    wrong: undefined,
    ratio: '',
    goal: '',
    met: undefined,
    notes: [],
    ...partial,
  };
}
