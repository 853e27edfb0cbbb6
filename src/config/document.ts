// YAML text to its data and where each part of it was written, or the problems that make
// it unusable, each at its line and column.
import { parseEvents, type Event } from 'js-yaml';
import type { ConfigProblem } from './errors.js';
import { LineIndex } from './line-cols.js';
import type { Shape } from './scalars.js';
import { buildTree, type Placed } from './yaml-tree.js';

export interface YamlSource {
  /** Where the document's values and keys were written. */
  root: Placed;
  lines: LineIndex;
  /** The document as plain data. */
  data: unknown;
}

export type ReadResult = { ok: true; source: YamlSource } | { ok: false; problems: ConfigProblem[] };

export interface ReadOptions {
  /** What an empty file is told, naming what it should hold. */
  empty?: string;
  /** Where the format expects strings (see scalars.ts); without it scalars keep their YAML types. */
  shape?: Shape;
}

const EMPTY = 'file is empty; expected a mapping with a "monitors" list';

export function readYaml(written: string, { empty = EMPTY, shape }: ReadOptions = {}): ReadResult {
  // A byte-order mark may start a YAML stream. Editors show no column for it, so positions
  // are those of the text without it.
  const text = written.startsWith('\ufeff') ? written.slice(1) : written;
  const lines = new LineIndex(text);
  const at = (offset: number, message: string): ConfigProblem => ({ ...lines.linePos(offset), path: '', message });
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch (err) {
    return { ok: false, problems: [at(...syntaxProblem(err, text))] };
  }
  const tree = buildTree(text, events, shape, lines);
  if (tree.problems.length > 0)
    return { ok: false, problems: tree.problems.map(([offset, message]) => at(offset, message)) };
  if (tree.root === undefined) return { ok: false, problems: [at(0, empty)] };
  return { ok: true, source: { root: tree.root, lines, data: tree.data } };
}

/**
 * The parser's first error; one message for a file indented with tabs, however many lines
 * have them, at the tab that indents the line of the error.
 */
function syntaxProblem(err: unknown, text: string): [number, string] {
  const { reason, mark } = err as { reason?: unknown; mark?: { position?: unknown } };
  const offset = typeof mark?.position === 'number' ? Math.min(mark.position, text.length) : 0;
  if (typeof reason !== 'string') return [offset, `cannot read the YAML: ${String(err)}`];
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 256))![0];
  if (!reason.startsWith('tab characters') && !indent.includes('\t')) return [offset, `invalid YAML: ${reason}`];
  const count = text.match(/^[ \t]*\t/gm)?.length ?? 1;
  const more = count > 1 ? ` (${count} lines in all)` : '';
  const at = indent.includes('\t') ? lineStart + indent.indexOf('\t') : offset;
  return [at, `this line is indented with a tab${more}; YAML allows only spaces for indentation: indent with spaces`];
}
