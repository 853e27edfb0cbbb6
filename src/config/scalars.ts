// YAML scalars as Go's YAML reader (go-yaml v2, which Prometheus and the exporters use)
// decodes them into a string field: the scalar's own text, not its YAML type. `tier: 1`
// is "1", `version: 1.10` is "1.10", `tls: true` is "true", an empty value is "". So a file
// Prometheus users write means the same here. Where a number or a list is expected, nothing
// changes. Mapping keys are always text (`1.0:` is the key "1.0").
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document, type Node, type YAMLMap } from 'yaml';

/**
 * Where a format expects strings: `'text'`, a string (a scalar there is its text);
 * `{ items }`, every item of a list or every value of a mapping; `{ fields }`, the named
 * keys of a mapping. Places left out keep their YAML types.
 */
export type Shape = 'text' | { readonly items: Shape } | { readonly fields: Readonly<Record<string, Shape>> };

/** A problem the walk found, at an offset of the text. */
export type KeyProblem = [offset: number, message: string];

/** The string Go's reader makes of a scalar: its text as written (folded lines joined), "" for an empty value. */
export function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  if (node.value === null || node.value === undefined) return '';
  // !!binary: Go's reader puts the decoded bytes in the string.
  if (node.value instanceof Uint8Array) return Buffer.from(node.value).toString('utf8');
  return typeof node.source === 'string' ? node.source : String(node.value);
}

/**
 * Turns, in place, every scalar at a `'text'` place of `shape` and every mapping key into
 * its text, so that `doc.toJS()` has strings there; merge keys (`<<: *anchor`) carry the
 * shape of their mapping. Returns the keys of a mapping of values (labels) that a merge
 * sets again, which Go's reader refuses. Each node is walked once per shape, so aliases
 * cost no more than the nodes they name.
 */
export function keepScalarText(doc: Document.Parsed, shape: Shape): KeyProblem[] {
  const keeper = new TextKeeper(doc);
  // An alias cannot be the whole document (its anchor would have to come before it).
  keeper.walk(doc.contents, shape, () => undefined);
  return keeper.problems;
}

class TextKeeper {
  readonly problems: KeyProblem[] = [];
  readonly #doc: Document.Parsed;
  readonly #walked = new WeakMap<Node, Set<Shape>>();

  constructor(doc: Document.Parsed) {
    this.#doc = doc;
  }

  walk(node: unknown, at: Shape, replace: (n: Node) => void): void {
    const target = isAlias(node) ? node.resolve(this.#doc) : node;
    if (at === 'text') {
      if (!isScalar(target) || typeof target.value === 'string') return;
      // A shared anchor may also be read as a number elsewhere: the alias gets its own copy.
      if (isAlias(node)) replace(copyAt(node, scalarText(target)));
      else target.value = scalarText(target);
      return;
    }
    if (!isMap(target) && !isSeq(target)) return;
    const seen = this.#walked.get(target) ?? new Set<Shape>();
    if (seen.has(at)) return;
    this.#walked.set(target, seen.add(at));
    if (isMap(target)) return this.#walkMap(target, at);
    const items = 'items' in at ? at.items : undefined;
    if (items !== undefined) target.items.forEach((item, i) => this.walk(item, items, (n) => (target.items[i] = n)));
  }

  #walkMap(map: YAMLMap, at: Exclude<Shape, 'text'>): void {
    for (const pair of map.items) {
      if (!isPair(pair)) continue;
      if (isMergeKey(pair.key)) {
        for (const source of this.#mergeSources(pair.value)) this.walk(source, at, () => undefined);
        continue;
      }
      if (isScalar(pair.key) && typeof pair.key.value !== 'string') pair.key.value = scalarText(pair.key);
      const next = 'items' in at ? at.items : fieldShape(at.fields, pair.key);
      if (next !== undefined) this.walk(pair.value, next, (n) => (pair.value = n));
    }
    if ('items' in at) this.#mergedAgain(map);
  }

  /** The mappings a merge key names: one, or a list of them. */
  #mergeSources(value: unknown): unknown[] {
    const resolved = isAlias(value) ? value.resolve(this.#doc) : value;
    return isSeq(resolved) ? resolved.items : [resolved];
  }

  /** In a mapping of values, a key set both by a merge and otherwise (or by two merges): Go refuses it. */
  #mergedAgain(map: YAMLMap): void {
    if (!map.items.some((p) => isMergeKey(p.key))) return;
    const [merged, explicit] = [new Set<string>(), new Set<string>()];
    const again = (pair: unknown, key: string): void => {
      this.problems.push([rangeOf((pair as { key?: unknown }).key), `key ${JSON.stringify(key)} is set again through a merge ("<<")`]);
    };
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) {
        for (const key of this.#mergeSources(pair.value).flatMap((s) => keyTexts(s, this.#doc))) {
          if (merged.has(key) || explicit.has(key)) again(pair, key);
          merged.add(key);
        }
      } else {
        // The same key written twice is a duplicate key, found with the others (document.ts).
        for (const key of keyTexts(pair, this.#doc)) if (merged.has(key)) again(pair, key);
        for (const key of keyTexts(pair, this.#doc)) explicit.add(key);
      }
    }
  }
}

/** Texts of the keys of a mapping (or of one pair). */
function keyTexts(node: unknown, doc: Document.Parsed): string[] {
  if (isPair(node)) return isScalar(node.key) && !isMergeKey(node.key) ? [String(node.key.value)] : [];
  const map = isAlias(node) ? node.resolve(doc) : node;
  return isMap(map) ? map.items.flatMap((p) => keyTexts(p, doc)) : [];
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

function rangeOf(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
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
