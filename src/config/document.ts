// YAML text to a document with positions, or the syntax problems the yaml library found.
import { isNode, isScalar, LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { ConfigProblem } from './errors.js';
import { keepScalarText, type Shape } from './scalars.js';

export interface YamlSource {
  doc: Document.Parsed;
  lines: LineCounter;
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
  // A byte-order mark may start a YAML stream; the yaml library trips over it before a block.
  // Editors show no column for it, so positions are those of the text without it.
  const text = written.startsWith('\ufeff') ? written.slice(1) : written;
  const lines = new LineCounter();
  // Duplicate keys are found below: the yaml library's own check is quadratic in the keys of a mapping.
  // Merge keys (<<: *anchor) as Go's YAML reader takes them.
  const options = { lineCounter: lines, prettyErrors: false, uniqueKeys: false, logLevel: 'error', merge: true } as const;
  const doc = parseDocument(text, options);
  const at = (offset: number, message: string): ConfigProblem => ({ ...lines.linePos(offset), path: '', message });
  // Warnings (an unknown tag, say) are problems too: the file would not mean what it says.
  const found = [...doc.errors, ...doc.warnings];
  const tab = tabProblem(text, found, lines);
  if (tab !== undefined) return { ok: false, problems: [tab] };
  if (found.length > 0) return { ok: false, problems: found.map((e: YAMLError) => at(e.pos[0], oneLine(e.message))) };
  if (doc.contents === null) return { ok: false, problems: [at(0, empty)] };
  const merged = shape === undefined ? [] : keepScalarText(doc, shape);
  const keyProblems = [...keyProblemsOf(doc, lines), ...merged].map(([offset, message]) => at(offset, message));
  if (keyProblems.length > 0) return { ok: false, problems: keyProblems };
  try {
    return { ok: true, source: { doc, lines, data: doc.toJS() } };
  } catch (err) {
    // An alias to an anchor that is not defined before it, or too many aliases.
    return { ok: false, problems: [at(unresolvedAlias(doc) ?? 0, oneLine((err as Error).message))] };
  }
}

/**
 * One problem for a file indented with tabs, however many lines have them: at the first tab
 * the yaml library names, or at the tab that indents the line of its first error.
 */
function tabProblem(text: string, found: readonly YAMLError[], lines: LineCounter): ConfigProblem | undefined {
  if (found.length === 0) return undefined;
  let offset = found.find((e) => e.code === 'TAB_AS_INDENT')?.pos[0];
  if (offset === undefined) {
    const { line } = lines.linePos(found[0]!.pos[0]);
    const start = lines.lineStarts[line - 1] ?? 0;
    const indent = /^[ \t]*/.exec(text.slice(start, start + 256))![0];
    if (!indent.includes('\t')) return undefined;
    offset = start + indent.indexOf('\t');
  }
  const count = text.match(/^[ \t]*\t/gm)?.length ?? 1;
  const more = count > 1 ? ` (${count} lines in all)` : '';
  const message = `this line is indented with a tab${more}; YAML allows only spaces for indentation: indent with spaces`;
  return { ...lines.linePos(offset), path: '', message };
}

/**
 * Keys given twice in one mapping, and keys that are lists or mappings, as [offset, message].
 * Keys compare as text, as Go's reader compares them (`1` and `"1"` are the same key).
 */
function keyProblemsOf(doc: Document.Parsed, lines: LineCounter): [number, string][] {
  const problems: [number, string][] = [];
  visit(doc, {
    Map(_key, map) {
      const first = new Map<string, number>();
      for (const pair of map.items) {
        const key: unknown = pair.key;
        const offset = isNode(key) ? (key.range?.[0] ?? 0) : (map.range?.[0] ?? 0);
        if (key !== null && !isScalar(key)) {
          problems.push([offset, 'a key must be a single value, not a list or a mapping']);
          continue;
        }
        const text = isScalar(key) ? String(key.value ?? '') : '';
        const seen = first.get(text);
        if (seen === undefined) first.set(text, offset);
        else problems.push([offset, `duplicate key ${JSON.stringify(text)}; it is already at line ${lines.linePos(seen).line}`]);
      }
    },
  });
  return problems;
}

function unresolvedAlias(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined) return undefined;
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** The yaml library's message on one line, without the position it may repeat at its end. */
function oneLine(message: string): string {
  const first = message.split('\n')[0] ?? '';
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').replace(/\s+/g, ' ').trim();
}
