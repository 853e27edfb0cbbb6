// A YAML document's parser events (js-yaml's parseEvents, which reads a megabyte in tens of
// milliseconds) to its data, and to where each value and key was written. Keys are text,
// each once per mapping; merge keys (<<) and aliases are resolved as Go's YAML reader
// resolves them; scalars are strings or typed as the format's shape says (scalars.ts).
import {
  EVENT_ID,
  getScalarValue,
  SCALAR_STYLE,
  type Event,
  type MappingEvent,
  type ScalarEvent,
  type SequenceEvent,
} from 'js-yaml';
import type { LineIndex } from './line-cols.js';
import { goText, shapeWithin, typedValue, type Shape, type WrittenScalar } from './scalars.js';

/** Where a value was written: its first character, and for lists and mappings where their parts were. */
export interface Placed {
  readonly at: number;
  /** A scalar's text as Go's reader makes it ("" for null); undefined for a list or mapping. */
  readonly text?: string;
  readonly items?: Placed[];
  /** A mapping's entries by key text: where the key was written, and its value. */
  readonly entries?: Map<string, { readonly key: number; readonly value: Placed }>;
}

export interface Tree {
  data: unknown;
  root: Placed | undefined;
  /** [offset, message]: what makes the document unusable. */
  problems: [number, string][];
}

/** Values a document may stand for, aliases expanded: far above any config, far below what would hurt. */
export const MAX_EXPANDED_VALUES = 2_000_000;

interface Key {
  text: string;
  at: number;
  merge: boolean;
  /** A list or mapping written as a key: it and its value are left out. */
  bad: boolean;
}

interface Frame {
  readonly value: Record<string, unknown> | unknown[];
  readonly placed: Placed;
  readonly shape: Shape | undefined;
  readonly anchor: string | undefined;
  readonly discard: boolean;
  size: number;
  key: Key | undefined;
  /** Keys a merge (<<) set and no key of the mapping itself has yet. */
  readonly merged: Set<string>;
}

interface Anchored {
  value: unknown;
  placed: Placed;
  shape: Shape | undefined;
  size: number;
}

export function buildTree(text: string, events: readonly Event[], shape: Shape | undefined, lines: LineIndex): Tree {
  return new TreeBuilder(text, shape, lines).build(events);
}

class TreeBuilder {
  readonly #text: string;
  readonly #shape: Shape | undefined;
  readonly #lines: LineIndex;
  readonly #stack: Frame[] = [];
  readonly #anchors = new Map<string, Anchored>();
  readonly #problems: [number, string][] = [];
  #root: { value: unknown; placed: Placed } | undefined;
  #lastEnd = 0;
  #expanded = 0;

  constructor(text: string, shape: Shape | undefined, lines: LineIndex) {
    this.#text = text;
    this.#shape = shape;
    this.#lines = lines;
  }

  build(events: readonly Event[]): Tree {
    let documents = 0;
    for (const ev of events) {
      if (ev.type === EVENT_ID.DOCUMENT && ++documents > 1) {
        const at = Math.max(0, this.#text.indexOf('---', this.#lastEnd));
        this.#problems.push([at, 'the file holds more than one YAML document ("---"); portwatch reads one']);
        break;
      }
      if (ev.type === EVENT_ID.MAPPING || ev.type === EVENT_ID.SEQUENCE) this.#open(ev);
      else if (ev.type === EVENT_ID.SCALAR) this.#scalar(ev);
      else if (ev.type === EVENT_ID.ALIAS) this.#alias(ev.anchorStart, ev.anchorEnd);
      else if (ev.type === EVENT_ID.POP) this.#pop();
      if (this.#expanded > MAX_EXPANDED_VALUES) {
        const many = MAX_EXPANDED_VALUES.toLocaleString('en-US');
        this.#problems.push([
          this.#lastEnd,
          `aliases (*) make the document stand for more than ${many} values; write it with fewer aliases`,
        ]);
        break;
      }
    }
    return { data: this.#root?.value, root: this.#root?.placed, problems: this.#problems };
  }

  /** Whether the next node is a mapping's key, and else the shape of the place it fills. */
  #slot(): { key: boolean; shape: Shape | undefined } {
    const top = this.#stack.at(-1);
    if (top === undefined) return { key: false, shape: this.#shape };
    if (Array.isArray(top.value)) return { key: false, shape: shapeWithin(top.shape, undefined) };
    if (top.key === undefined) return { key: true, shape: undefined };
    return { key: false, shape: shapeWithin(top.shape, top.key.text) };
  }

  #open(ev: MappingEvent | SequenceEvent): void {
    const map = ev.type === EVENT_ID.MAPPING;
    const slot = this.#slot();
    const top = this.#stack.at(-1);
    this.#lastEnd = ev.start;
    this.#checkCollectionTag(ev, map);
    if (slot.key) {
      this.#problems.push([ev.start, 'a key must be a single value, not a list or a mapping']);
      top!.key = { text: '', at: ev.start, merge: false, bad: true };
    }
    const placed: Placed = map ? { at: ev.start, entries: new Map() } : { at: ev.start, items: [] };
    this.#stack.push({
      value: map ? {} : [],
      placed,
      shape: slot.key ? undefined : slot.shape,
      anchor: ev.anchorStart < 0 ? undefined : this.#text.slice(ev.anchorStart, ev.anchorEnd),
      discard: slot.key || top?.discard === true,
      size: 1,
      key: undefined,
      merged: new Set(),
    });
  }

  #checkCollectionTag(ev: MappingEvent | SequenceEvent, map: boolean): void {
    if (ev.tagStart < 0) return;
    const tag = this.#text.slice(ev.tagStart, ev.tagEnd);
    const name = map ? 'map' : 'seq';
    if (tag !== '!' && tag !== `!!${name}` && tag !== `!<tag:yaml.org,2002:${name}>`) {
      this.#problems.push([ev.tagStart, `unknown tag ${tag}; portwatch reads plain YAML values`]);
    }
  }

  #scalar(ev: ScalarEvent): void {
    const written: WrittenScalar = {
      text: ev.valueStart < 0 ? '' : getScalarValue(this.#text, ev),
      plain: ev.style === SCALAR_STYLE.PLAIN,
      tag: ev.tagStart < 0 ? '' : this.#text.slice(ev.tagStart, ev.tagEnd),
    };
    const at = this.#scalarStart(ev);
    const go = goText(written);
    const slot = this.#slot();
    if (slot.key) {
      if (!go.ok) this.#problems.push([at, go.message]);
      const merge = written.plain && written.tag === '' && written.text === '<<';
      this.#stack.at(-1)!.key = { text: go.ok ? String(go.value) : written.text, at, merge, bad: false };
      return;
    }
    const read = slot.shape === 'text' ? go : typedValue(written);
    if (!read.ok) this.#problems.push([at, read.message]);
    const value = read.ok ? read.value : written.text;
    const placed: Placed = { at, text: go.ok ? String(go.value) : written.text };
    if (ev.anchorStart >= 0)
      this.#anchors.set(this.#text.slice(ev.anchorStart, ev.anchorEnd), { value, placed, shape: slot.shape, size: 1 });
    this.#attach(value, placed, 1);
  }

  /** Where a scalar starts: its first character, the quote of a quoted one, the | or > of a block. */
  #scalarStart(ev: ScalarEvent): number {
    const t = this.#text;
    if (ev.valueStart < 0) {
      // An empty value: just after the ":" or "-" that announced it.
      let i = this.#lastEnd;
      while (t[i] === ' ' || t[i] === '\t') i++;
      if (t[i] === ':' || t[i] === '-' || t[i] === '?') i++;
      while (t[i] === ' ' || t[i] === '\t') i++;
      return i;
    }
    const quoted = ev.style === SCALAR_STYLE.SINGLE_QUOTED || ev.style === SCALAR_STYLE.DOUBLE_QUOTED;
    this.#lastEnd = quoted ? ev.valueEnd + 1 : ev.valueEnd;
    if (quoted) return ev.valueStart - 1;
    if (ev.style === SCALAR_STYLE.PLAIN) return ev.valueStart;
    return Math.max(t.lastIndexOf('|', ev.valueStart), t.lastIndexOf('>', ev.valueStart), 0);
  }

  #alias(nameStart: number, nameEnd: number): void {
    const name = this.#text.slice(nameStart, nameEnd);
    const at = nameStart - 1;
    this.#lastEnd = nameEnd;
    const anchored = this.#anchors.get(name);
    const slot = this.#slot();
    if (anchored === undefined) {
      this.#problems.push([
        at,
        `unknown alias *${name}: its anchor (&${name}) must come before it, outside of what it names`,
      ]);
      if (slot.key) this.#stack.at(-1)!.key = { text: '', at, merge: false, bad: true };
      else this.#attach(null, { at }, 1);
      return;
    }
    this.#expanded += anchored.size;
    if (slot.key) {
      const bad = anchored.placed.text === undefined;
      if (bad) this.#problems.push([at, 'a key must be a single value, not a list or a mapping']);
      this.#stack.at(-1)!.key = { text: anchored.placed.text ?? '', at, merge: false, bad };
      return;
    }
    // Another place may want other types (a list of strings where numbers were): read it again for this one.
    const value = slot.shape === anchored.shape ? anchored.value : reshape(anchored.value, anchored.placed, slot.shape);
    this.#attach(value, { ...anchored.placed, at }, anchored.size);
  }

  #pop(): void {
    const frame = this.#stack.pop();
    if (frame === undefined) return; // the end of the document
    if (frame.anchor !== undefined)
      this.#anchors.set(frame.anchor, {
        value: frame.value,
        placed: frame.placed,
        shape: frame.shape,
        size: frame.size,
      });
    this.#attach(frame.value, frame.placed, frame.size);
  }

  #attach(value: unknown, placed: Placed, size: number): void {
    const top = this.#stack.at(-1);
    if (top === undefined) {
      this.#root = { value, placed };
      return;
    }
    top.size += size;
    if (top.discard) return;
    if (Array.isArray(top.value)) {
      top.value.push(value);
      top.placed.items!.push(placed);
      return;
    }
    const key = top.key;
    top.key = undefined;
    if (key === undefined || key.bad) return;
    if (key.merge) this.#merge(top, value, placed, key.at);
    else this.#set(top, key, value, placed);
  }

  #set(frame: Frame, key: Key, value: unknown, placed: Placed): void {
    const entries = frame.placed.entries!;
    const before = entries.get(key.text);
    if (before !== undefined && !frame.merged.has(key.text)) {
      this.#problems.push([
        key.at,
        `duplicate key ${JSON.stringify(key.text)}; it is already at line ${this.#lines.linePos(before.key).line}`,
      ]);
      return;
    }
    if (before !== undefined) {
      frame.merged.delete(key.text);
      // Go's reader refuses a key of a mapping of values (labels) given both ways; a struct field takes the last.
      if (isValues(frame.shape)) this.#mergedAgain(key.at, key.text);
    }
    define(frame.value as Record<string, unknown>, key.text, value);
    entries.set(key.text, { key: key.at, value: placed });
  }

  /** `<<: *anchor` or `<<: [*a, *b]`: the keys of those mappings that the mapping does not have yet. */
  #merge(frame: Frame, value: unknown, placed: Placed, at: number): void {
    const sources: [unknown, Placed][] = placed.items
      ? (value as unknown[]).map((v, i) => [v, placed.items![i]!])
      : [[value, placed]];
    for (const [source, where] of sources) {
      if (where.entries === undefined) {
        this.#problems.push([at, 'a merge ("<<") takes a mapping, or a list of mappings']);
        continue;
      }
      for (const [key, entry] of where.entries) {
        if (frame.placed.entries!.has(key)) {
          if (isValues(frame.shape)) this.#mergedAgain(at, key);
          continue;
        }
        const shape = shapeWithin(frame.shape, key);
        define(
          frame.value as Record<string, unknown>,
          key,
          reshape((source as Record<string, unknown>)[key], entry.value, shape),
        );
        frame.merged.add(key);
        frame.placed.entries!.set(key, { key: at, value: entry.value });
      }
    }
  }

  #mergedAgain(at: number, key: string): void {
    this.#problems.push([at, `key ${JSON.stringify(key)} is set again through a merge ("<<")`]);
  }
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
