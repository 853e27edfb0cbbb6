// YAML scalars as Go's YAML reader (go-yaml v2, which Prometheus and the exporters use)
// decodes them into a string field: the scalar's own text, not its YAML type. `tier: 1`
// is "1", `version: 1.10` is "1.10", `tls: true` is "true", an empty value is "". So a file
// Prometheus users write means the same here. Where a number or a list is expected, nothing
// changes. Mapping keys are always text (`1.0:` is the key "1.0").
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document, type Node } from 'yaml';

/**
 * Where a format expects strings: `'text'`, a string (a scalar there is its text);
 * `{ items }`, every item of a list or every value of a mapping; `{ fields }`, the named
 * keys of a mapping. Places left out keep their YAML types.
 */
export type Shape = 'text' | { readonly items: Shape } | { readonly fields: Readonly<Record<string, Shape>> };

/** The string Go's reader makes of a scalar: its text as written (folded lines joined), "" for an empty value. */
export function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  if (node.value === null || node.value === undefined) return '';
  return typeof node.source === 'string' ? node.source : String(node.value);
}

/**
 * Turns, in place, every scalar at a `'text'` place of `shape` and every mapping key into
 * its text, so that `doc.toJS()` has strings there. Each node is walked once per shape,
 * so aliases cost no more than the nodes they name.
 */
export function keepScalarText(doc: Document.Parsed, shape: Shape): void {
  const walked = new WeakMap<Node, Set<Shape>>();
  const walk = (node: unknown, at: Shape, replace: (n: Node) => void): void => {
    const target = isAlias(node) ? node.resolve(doc) : node;
    if (at === 'text') {
      if (!isScalar(target) || typeof target.value === 'string') return;
      // A shared anchor may also be read as a number elsewhere: the alias gets its own copy.
      if (isAlias(node)) replace(copyAt(node, scalarText(target)));
      else target.value = scalarText(target);
      return;
    }
    if (!isMap(target) && !isSeq(target)) return;
    const seen = walked.get(target) ?? new Set<Shape>();
    if (seen.has(at)) return;
    walked.set(target, seen.add(at));
    if (isSeq(target)) {
      const items = 'items' in at ? at.items : undefined;
      if (items !== undefined) target.items.forEach((item, i) => walk(item, items, (n) => (target.items[i] = n)));
      return;
    }
    for (const pair of target.items) {
      if (!isPair(pair)) continue;
      if (isScalar(pair.key) && typeof pair.key.value !== 'string') pair.key.value = scalarText(pair.key);
      const next = 'items' in at ? at.items : fieldShape(at.fields, pair.key);
      if (next !== undefined) walk(pair.value, next, (n) => (pair.value = n));
    }
  };
  // An alias cannot be the whole document (its anchor would have to come before it).
  walk(doc.contents, shape, () => undefined);
}

function fieldShape(fields: Readonly<Record<string, Shape>>, key: unknown): Shape | undefined {
  if (!isScalar(key)) return undefined;
  const name = String(key.value);
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** A scalar of `text` where `alias` was written, so that problems point there. */
function copyAt(alias: Node, text: string): Scalar {
  const copy = new Scalar(text);
  if (alias.range) copy.range = alias.range;
  return copy;
}
