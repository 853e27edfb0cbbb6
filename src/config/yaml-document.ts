// YAML text to the yaml library's document, with positions, or the syntax problems that
// library found: for readers that walk its nodes themselves (the web config). The config and
// service-discovery files are read by document.ts.
import { LineCounter, parseDocument, visit, type Document, type YAMLError } from 'yaml';
import type { ConfigProblem } from './errors.js';

export interface YamlDocument {
  doc: Document.Parsed;
  lines: LineCounter;
  /** The document as plain data. */
  data: unknown;
}

export type DocumentResult = { ok: true; source: YamlDocument } | { ok: false; problems: ConfigProblem[] };

/** `empty`: what an empty file is told, naming what it should hold. */
export function readYamlDocument(text: string, empty = 'file is empty'): DocumentResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): ConfigProblem => ({ ...lines.linePos(offset), path: '', message });
  // Warnings (an unknown tag, say) are problems too: the file would not mean what it says.
  const found = [...doc.errors, ...doc.warnings].map((e: YAMLError) => at(e.pos[0], oneLine(e.message)));
  if (found.length > 0) return { ok: false, problems: found };
  if (doc.contents === null) return { ok: false, problems: [at(0, empty)] };
  try {
    return { ok: true, source: { doc, lines, data: doc.toJS() } };
  } catch (err) {
    // An alias to an anchor that is not defined before it, or too many aliases.
    return { ok: false, problems: [at(unresolvedAlias(doc) ?? 0, oneLine((err as Error).message))] };
  }
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
  return first
    .replace(/ at line \d+, column \d+:?\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
