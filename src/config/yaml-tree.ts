// The yaml library's nodes to a document's data and to where each value and key was written,
// with Go's YAML semantics: keys are text, each once per mapping (found with a Map, so a large
// mapping costs linear time); merge keys (<<) and aliases are resolved as Go's reader resolves
// them; scalars are strings or typed as the format's shape says (scalars.ts).
import { isAlias, isMap, isScalar, isSeq, type Node, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import type { LineIndex } from './line-cols.js';
import { goText, shapeWithin, typedValue, type Shape, type WrittenScalar } from './scalars.js';

/** Where a value was written: its first character, and for lists and mappings where their parts were. */
export interface Placed {
  readonly at: number;
  /** A scalar's text as Go's reader makes it ("" for null); undefined for a list or mapping. */
  readonly text?: string;
  /** A scalar whose type comes from its text: written unquoted, not as a block, not tagged !!str. */
  readonly plain?: boolean;
  /** A scalar with nothing written: problems about it are better shown at its key. */
  readonly blank?: boolean;
  readonly items?: Placed[];
  /** A mapping's entries by key text: where the key was written, and its value. */
  readonly entries?: Map<string, { readonly key: number; readonly value: Placed }>;
}

export interface Tree {
  data: unknown;
  root: Placed;
  /** [offset, message]: what makes the document unusable. */
  problems: [number, string][];
}

/** Values a document may stand for, aliases expanded: far above any config, far below what would hurt. */
export const MAX_EXPANDED_VALUES = 2_000_000;

/** A walked value: its data, where it was written, the shape it was read for, and how many values it stands for. */
interface Built {
  value: unknown;
  placed: Placed;
  shape: Shape | undefined;
  size: number;
}

interface Key {
  text: string;
  at: number;
  merge: boolean;
  /** A list or mapping written as a key: it and its value are left out. */
  bad: boolean;
}

interface MapFrame {
  readonly value: Record<string, unknown>;
  readonly entries: Map<string, { readonly key: number; readonly value: Placed }>;
  readonly shape: Shape | undefined;
  /** Keys a merge (<<) set and no key of the mapping itself has yet. */
  readonly merged: Set<string>;
}

/** Thrown to stop a walk whose aliases stand for too many values; its problem is already recorded. */
class TooManyValues extends Error {}

const CORE_TAG_PREFIX = 'tag:yaml.org,2002:';
const STR_TAG = `${CORE_TAG_PREFIX}str`;

/**
 * `root` walked in document order. `tagStarts`: offsets of the tags the yaml library could not
 * resolve, in order (its nodes keep no position of their tag).
 */
export function buildTree(root: Node, shape: Shape | undefined, lines: LineIndex, tagStarts: number[]): Tree {
  const walker = new TreeWalker(lines, tagStarts);
  const built = walker.walk(root, shape);
  return { data: built?.value, root: built?.placed ?? { at: 0 }, problems: walker.problems };
}

class TreeWalker {
  readonly problems: [number, string][] = [];
  readonly #lines: LineIndex;
  readonly #tagStarts: number[];
  readonly #anchors = new Map<string, Built>();
  #expanded = 0;

  constructor(lines: LineIndex, tagStarts: number[]) {
    this.#lines = lines;
    this.#tagStarts = tagStarts;
  }

  walk(root: Node, shape: Shape | undefined): Built | undefined {
    try {
      return this.#node(root, shape);
    } catch (err) {
      if (err instanceof TooManyValues) return undefined;
      throw err;
    }
  }

  #node(node: Node, shape: Shape | undefined): Built {
    let built: Built;
    if (isAlias(node)) return this.#alias(node.source, node.range?.[0] ?? 0, shape);
    if (isScalar(node)) built = this.#scalar(node, shape);
    else if (isMap(node)) built = this.#map(node, shape);
    else if (isSeq(node)) built = this.#seq(node, shape);
    else built = { value: null, placed: { at: 0 }, shape, size: 1 };
    if (node.anchor !== undefined) this.#anchors.set(node.anchor, built);
    return built;
  }

  /** An empty value (a key with no value after it): null, at `at`. */
  #empty(at: number, shape: Shape | undefined): Built {
    return { value: shape === 'text' ? '' : null, placed: { at, text: '', plain: true, blank: true }, shape, size: 1 };
  }

  #scalar(node: Scalar, shape: Shape | undefined): Built {
    const at = node.range?.[0] ?? 0;
    // The failsafe schema makes every scalar's value its text.
    const source = typeof node.source === 'string' ? node.source : typeof node.value === 'string' ? node.value : '';
    const tag = this.#writtenTag(node.tag);
    const written: WrittenScalar = { text: source, plain: node.type === 'PLAIN', tag };
    const go = goText(written);
    const read = shape === 'text' ? go : typedValue(written);
    if (!read.ok) this.problems.push([tag === '' ? at : this.#tagAt(at), read.message]);
    const placed: Placed = {
      at,
      text: go.ok ? String(go.value) : source,
      plain: written.plain && node.tag !== STR_TAG,
      blank: written.plain && tag === '' && source === '',
    };
    return { value: read.ok ? read.value : source, placed, shape, size: 1 };
  }

  /** A tag as written, as scalars.ts reads it: '' for none, `!!str` for the yaml library's tag:yaml.org,2002:str. */
  #writtenTag(tag: string | undefined): string {
    if (tag === undefined) return '';
    return tag.startsWith(CORE_TAG_PREFIX) ? `!!${tag.slice(CORE_TAG_PREFIX.length)}` : tag;
  }

  /** Where the tag of a value at `valueAt` starts: the last unresolved tag before it. */
  #tagAt(valueAt: number): number {
    const starts = this.#tagStarts;
    let [lo, hi, found] = [0, starts.length - 1, valueAt];
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= valueAt) [found, lo] = [starts[mid]!, mid + 1];
      else hi = mid - 1;
    }
    return found;
  }

  #checkCollectionTag(node: YAMLMap<unknown, unknown> | YAMLSeq<unknown>, name: 'map' | 'seq'): void {
    const tag = this.#writtenTag(node.tag);
    if (tag === '' || tag === '!' || tag === `!!${name}`) return;
    const at = this.#tagAt(node.range?.[0] ?? 0);
    this.problems.push([at, `unknown tag ${tag}; portwatch reads plain YAML values`]);
  }

  #seq(node: YAMLSeq<unknown>, shape: Shape | undefined): Built {
    this.#checkCollectionTag(node, 'seq');
    const value: unknown[] = [];
    const items: Placed[] = [];
    const within = shapeWithin(shape, undefined);
    let size = 1;
    for (const item of node.items) {
      const built = item === null ? this.#empty(node.range?.[0] ?? 0, within) : this.#node(item as Node, within);
      value.push(built.value);
      items.push(built.placed);
      size += built.size;
    }
    return { value, placed: { at: node.range?.[0] ?? 0, items }, shape, size };
  }

  #map(node: YAMLMap<unknown, unknown>, shape: Shape | undefined): Built {
    this.#checkCollectionTag(node, 'map');
    const frame: MapFrame = { value: {}, entries: new Map(), shape, merged: new Set() };
    let size = 1;
    for (const pair of node.items) {
      const key = this.#key(pair);
      const at = valueStart(pair, key);
      const within = key.bad ? undefined : shapeWithin(shape, key.text);
      const built = pair.value === null ? this.#empty(at, within) : this.#node(pair.value as Node, within);
      size += built.size;
      if (key.bad) continue;
      if (key.merge) this.#merge(frame, built, key.at);
      else this.#set(frame, key, built);
    }
    return { value: frame.value, placed: { at: node.range?.[0] ?? 0, entries: frame.entries }, shape, size };
  }

  #key(pair: Pair<unknown, unknown>): Key {
    const node = pair.key as Node | null;
    if (node === null) return { text: '', at: 0, merge: false, bad: false };
    const at = node.range?.[0] ?? 0;
    const unknownAlias = isAlias(node) && !this.#anchors.has(node.source);
    const built = this.#node(node, 'text');
    if (unknownAlias) return { text: '', at, merge: false, bad: true };
    if (built.placed.text === undefined) {
      this.problems.push([at, 'a key must be a single value, not a list or a mapping']);
      return { text: '', at, merge: false, bad: true };
    }
    const merge = isScalar(node) && node.type === 'PLAIN' && node.tag === undefined && node.source === '<<';
    return { text: built.placed.text, at, merge, bad: false };
  }

  #alias(name: string, at: number, shape: Shape | undefined): Built {
    const anchored = this.#anchors.get(name);
    if (anchored === undefined) {
      this.problems.push([
        at,
        `unknown alias *${name}: its anchor (&${name}) must come before it, outside of what it names`,
      ]);
      return { value: null, placed: { at }, shape, size: 1 };
    }
    this.#expanded += anchored.size;
    if (this.#expanded > MAX_EXPANDED_VALUES) {
      const many = MAX_EXPANDED_VALUES.toLocaleString('en-US');
      this.problems.push([
        at,
        `aliases (*) make the document stand for more than ${many} values; write it with fewer aliases`,
      ]);
      throw new TooManyValues();
    }
    // Another place may want other types (a list of strings where numbers were): read it again for this one.
    const value = shape === anchored.shape ? anchored.value : reshape(anchored.value, anchored.placed, shape);
    return { value, placed: { ...anchored.placed, at }, shape, size: anchored.size };
  }

  #set(frame: MapFrame, key: Key, built: Built): void {
    const before = frame.entries.get(key.text);
    if (before !== undefined && !frame.merged.has(key.text)) {
      const line = this.#lines.linePos(before.key).line;
      this.problems.push([key.at, `duplicate key ${JSON.stringify(key.text)}; it is already at line ${line}`]);
      return;
    }
    if (before !== undefined) {
      frame.merged.delete(key.text);
      // Go's reader refuses a key of a mapping of values (labels) given both ways; a struct field takes the last.
      if (isValues(frame.shape)) this.#mergedAgain(key.at, key.text);
    }
    define(frame.value, key.text, built.value);
    frame.entries.set(key.text, { key: key.at, value: built.placed });
  }

  /** `<<: *anchor` or `<<: [*a, *b]`: the keys of those mappings that the mapping does not have yet. */
  #merge(frame: MapFrame, built: Built, at: number): void {
    const { value, placed } = built;
    const sources: [unknown, Placed][] = placed.items
      ? (value as unknown[]).map((v, i) => [v, placed.items![i]!])
      : [[value, placed]];
    for (const [source, where] of sources) {
      if (where.entries === undefined) {
        this.problems.push([at, 'a merge ("<<") takes a mapping, or a list of mappings']);
        continue;
      }
      for (const [key, entry] of where.entries) {
        if (frame.entries.has(key)) {
          if (isValues(frame.shape)) this.#mergedAgain(at, key);
          continue;
        }
        const shape = shapeWithin(frame.shape, key);
        define(frame.value, key, reshape((source as Record<string, unknown>)[key], entry.value, shape));
        frame.merged.add(key);
        frame.entries.set(key, { key: at, value: entry.value });
      }
    }
  }

  #mergedAgain(at: number, key: string): void {
    this.problems.push([at, `key ${JSON.stringify(key)} is set again through a merge ("<<")`]);
  }
}

/** Where a key's missing value would be: just after the key (the yaml library gives it no node). */
function valueStart(pair: Pair<unknown, unknown>, key: Key): number {
  const node = pair.key as Node | null;
  return node?.range?.[1] ?? key.at;
}

/** A mapping of values (labels): every key is the user's, not a field of a format. */
function isValues(shape: Shape | undefined): boolean {
  return shape !== undefined && shape !== 'text' && 'items' in shape;
}

/** `value` read again for a place of `shape`: a string where text is expected, as written. */
function reshape(value: unknown, placed: Placed, shape: Shape | undefined): unknown {
  if (shape === 'text') return placed.text ?? value;
  if (shape === undefined) return value;
  if (placed.items && Array.isArray(value))
    return value.map((v, i) => reshape(v, placed.items![i]!, shapeWithin(shape, undefined)));
  if (!placed.entries || typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of placed.entries)
    define(out, key, reshape((value as Record<string, unknown>)[key], entry.value, shapeWithin(shape, key)));
  return out;
}

/** Sets an own property, "__proto__" included (assigning that one would set the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
