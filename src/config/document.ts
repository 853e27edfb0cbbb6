// YAML text to its data and where each part of it was written, or the problems that make
// it unusable, each at its line and column. The yaml library parses; yaml-tree.ts gives the
// result Go's YAML semantics.
import { parseDocument, type Document, type YAMLError } from 'yaml';
import type { Checked, ConfigProblem } from './errors.js';
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

/** `empty`: the document holds nothing (or only comments); its one problem is the `empty` option's message. */
export type ReadResult = Checked<YamlSource> | { ok: false; problems: ConfigProblem[]; empty: true };

export interface ReadOptions {
  /** What an empty file is told, naming what it should hold. */
  empty?: string;
  /** Where the format expects strings (see scalars.ts); without it scalars keep their YAML types. */
  shape?: Shape;
}

const EMPTY = 'file is empty; expected a mapping with a "monitors" list';

/**
 * Parsed with the failsafe schema (every scalar a string: scalars.ts types them as Go would),
 * without the library's duplicate-key check (it compares each key with all before it; the
 * tree finds duplicates with a Map) and without its merge keys (the tree merges as Go does).
 */
const PARSE_OPTIONS = { schema: 'failsafe', uniqueKeys: false, merge: false, prettyErrors: false } as const;

export function readYaml(written: string, { empty = EMPTY, shape }: ReadOptions = {}): ReadResult {
  // A byte-order mark may start a YAML stream. Editors show no column for it, so positions
  // are those of the text without it.
  const text = written.startsWith('\ufeff') ? written.slice(1) : written;
  const lines = new LineIndex(text);
  const at = (offset: number, message: string): ConfigProblem => ({ ...lines.linePos(offset), path: '', message });
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, PARSE_OPTIONS);
  } catch (err) {
    // The library recurses into nested lists and mappings: thousands deep exhaust the stack.
    if (!(err instanceof RangeError)) throw err;
    return { ok: false, problems: [at(0, 'the document nests lists and mappings too deeply to read')] };
  }
  const syntax = syntaxProblem(doc, text);
  if (syntax !== undefined) return { ok: false, problems: [at(...syntax)] };
  if (doc.contents === null) return { ok: false, problems: [at(0, empty)], empty: true };
  const tree = buildTree(doc.contents, shape, lines, unresolvedTags(doc));
  if (tree.problems.length > 0)
    return { ok: false, problems: tree.problems.map(([offset, message]) => at(offset, message)) };
  return { ok: true, value: { root: tree.root, lines, data: tree.data } };
}

/** Where the tags the library could not resolve start: the tree reports them, at the tag. */
function unresolvedTags(doc: Document.Parsed): number[] {
  return doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED').map((w) => w.pos[0]);
}

/**
 * The parser's first error (or warning other than a tag the tree judges), as [offset, message].
 * One message for a file indented with tabs, however many lines have them, at the tab that
 * indents the line of the error.
 */
function syntaxProblem(doc: Document.Parsed, text: string): [number, string] | undefined {
  const first: YAMLError | undefined = doc.errors[0] ?? doc.warnings.find((w) => w.code !== 'TAG_RESOLVE_FAILED');
  if (first === undefined) return undefined;
  const offset = Math.min(first.pos[0], text.length);
  if (first.code === 'MULTIPLE_DOCS')
    return [offset, 'the file holds more than one YAML document ("---"); portwatch reads one'];
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, lineStart + 256))![0];
  if (first.code !== 'TAB_AS_INDENT' && !indent.includes('\t')) return [offset, `invalid YAML: ${oneLine(first)}`];
  const count = text.match(/^[ \t]*\t/gm)?.length ?? 1;
  const more = count > 1 ? ` (${count} lines in all)` : '';
  const tabAt = indent.includes('\t') ? lineStart + indent.indexOf('\t') : offset;
  return [
    tabAt,
    `this line is indented with a tab${more}; YAML allows only spaces for indentation: indent with spaces`,
  ];
}

/** The library's message on one line, without the position it may repeat at its end. */
function oneLine(error: YAMLError): string {
  const first = error.message.split('\n')[0] ?? '';
  return first
    .replace(/ at line \d+, column \d+:?\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
