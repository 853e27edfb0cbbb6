import fc from 'fast-check';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readYaml } from '../../src/config/document.js';
import { problemAt } from '../../src/config/positions.js';

// portwatch walks the yaml library's nodes into its own tree (Go's semantics). Here the library's
// own toJS reads the same random documents: both must find the same
// data, and the same line and column for every value and key.

const RUNS = 400;
const TIMEOUT_MS = 60_000;

/** Every path in `node` to a value, with the yaml library's position of the value and of its key. */
function paths(
  node: Node | null,
  lines: LineCounter,
  path: (string | number)[] = [],
  out: [string, string, string][] = [],
): [string, string, string][] {
  if (node === null) return out;
  const at = (offset: number | undefined) =>
    offset === undefined ? '' : `${lines.linePos(offset).line}:${lines.linePos(offset).col}`;
  out.push([JSON.stringify(path), at(node.range?.[0]), '']);
  if (isSeq(node)) node.items.forEach((item, i) => paths(item as Node, lines, [...path, i], out));
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      // The generated documents have only plain scalars as keys.
      const scalar = pair.key.value as string | number | boolean | null;
      const key = scalar === null ? '' : String(scalar);
      const start = out.length;
      paths(pair.value as Node | null, lines, [...path, key], out);
      if (out[start]) out[start][2] = at(pair.key.range?.[0]);
    }
  }
  return out;
}

function agree(text: string): void {
  const ours = readYaml(text);
  const lines = new LineCounter();
  const theirs = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (theirs.errors.length > 0 || theirs.contents === null) return;
  if (!ours.ok)
    throw new Error(
      `refused what the yaml library reads: ${JSON.stringify(ours.problems)}\ninput: ${JSON.stringify(text)}`,
    );
  expect(ours.value.data).toEqual(theirs.toJS());
  for (const [path, value, key] of paths(theirs.contents, lines)) {
    const steps = JSON.parse(path) as (string | number)[];
    const got = problemAt(ours.value, steps, '');
    expect(`${got.line}:${got.col}`, `value at ${path} in ${JSON.stringify(text)}`).toBe(value);
    if (key !== '') {
      const k = problemAt(ours.value, steps, '', true);
      expect(`${k.line}:${k.col}`, `key at ${path} in ${JSON.stringify(text)}`).toBe(key);
    }
  }
}

const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('80', '1.10', 'true', 'null', '~', '', ' lead', 'a: b', '- x', '#x', 'multi\nline', '"q"', "it's"),
);
// `<<` is Go's merge key, which the yaml library (YAML 1.2) reads as a key like any other;
// the reader merges as Go does, tested in test/config/load.test.ts.
const key = fc.string({ maxLength: 6 }).filter((k) => k !== '<<');
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;

describe('the YAML reader, against the yaml library', () => {
  it('finds the same data and positions in random documents, block and flow', { timeout: TIMEOUT_MS }, () => {
    fc.assert(
      fc.property(value, fc.constantFrom('block', 'flow'), fc.nat(3), (v, style, indent) => {
        agree(stringify(v, { collectionStyle: style, indent: indent + 1 }));
      }),
      { numRuns: RUNS },
    );
  });

  it('finds the same data in documents with anchors, aliases, comments and block scalars', () => {
    const texts = [
      'a: &x [1, 2]\nb: *x\n',
      'base: &b {team: x, env: "prod"}\nother: *b\n',
      '# c\nlist:\n  - one # trailing\n  -   two\n  - |\n    block\n    text\n  - >-\n    folded\n    text\n',
      'k: !!str 5\nn: !!int "7"\nq: \'single\'\nd: "esc\\tape"\n',
      '? complex\n: value\nempty:\nnull: ~\n',
    ];
    for (const t of texts) agree(t);
  });
});
