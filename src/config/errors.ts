/** One thing wrong with a config file, at a 1-based line and column (0 and 0: the file as a whole). */
export interface ConfigProblem {
  line: number;
  col: number;
  /** Where in the document, e.g. `monitors[0].expect_open[3]`; empty for the document itself or a syntax error. */
  path: string;
  message: string;
}

/** What reading and checking input gives: its value, or every problem found, each with its position. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };

/** Problems shown in a message; a file with thousands of them says how many more there are. */
export const MAX_SHOWN_PROBLEMS = 100;

/** A config file that cannot be used. `.message`: one line per problem (MAX_SHOWN_PROBLEMS at most), in file order. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    const lines = sorted.slice(0, MAX_SHOWN_PROBLEMS).map((p) => formatProblem(file, p));
    const more = sorted.length - MAX_SHOWN_PROBLEMS;
    if (more > 0) lines.push(`${file}: and ${more.toLocaleString('en-US')} more problems`);
    super(lines.join('\n'));
    this.problems = sorted;
  }
}

/** `file:line:col: path: message`, leaving out what a problem does not have. */
export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.line > 0 ? `${file}:${p.line}:${p.col}` : file;
  return p.path === '' ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}
