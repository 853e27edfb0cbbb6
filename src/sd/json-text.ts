// Where things are in a JSON text: the first syntax error, or where the values at some
// paths start. JSON.parse says neither reliably, and service-discovery problems must name
// their line and column. One pass, no recursion, nothing kept but what is asked for.

export type JsonPath = readonly (string | number)[];

/** A syntax error at an offset (UTF-16 code units) of the text. */
export interface JsonSyntaxError {
  offset: number;
  message: string;
}

/** What to find: the value at `path`, or with `atKey` its key. */
export interface JsonPlace {
  path: JsonPath;
  atKey: boolean;
}

/** As deep as Go's encoding/json reads, which refuses deeper documents. */
const MAX_DEPTH = 10_000;

interface Trie {
  valueOf: number[];
  keyOf: number[];
  children: Map<string | number, Trie>;
}

interface Frame {
  object: boolean;
  index: number;
  trie: Trie | undefined;
}

/** The first syntax error of `text` read as JSON (RFC 8259, as Go's encoding/json reads it); undefined if none. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  return scan(text, undefined, []);
}

/** Where each place starts in `text` (valid JSON); -1 for a place not in it. */
export function jsonOffsets(text: string, places: readonly JsonPlace[]): number[] {
  const offsets = places.map(() => -1);
  const root: Trie = node();
  places.forEach((p, i) => {
    let t = root;
    for (const step of p.path) {
      let next = t.children.get(step);
      if (next === undefined) t.children.set(step, (next = node()));
      t = next;
    }
    (p.atKey ? t.keyOf : t.valueOf).push(i);
  });
  scan(text, root, offsets);
  return offsets;
}

function node(): Trie {
  return { valueOf: [], keyOf: [], children: new Map() };
}

/** Walks the text once; records offsets of the places in `root` into `offsets`. */
function scan(text: string, root: Trie | undefined, offsets: number[]): JsonSyntaxError | undefined {
  const r = new Reader(text);
  const stack: Frame[] = [];
  let trie = root;
  for (;;) {
    // A value starts here.
    r.space();
    for (const i of trie?.valueOf ?? []) offsets[i] = r.at;
    const opened = r.value();
    if (typeof opened === 'object') return opened;
    if (opened !== 'scalar') {
      if (stack.length >= MAX_DEPTH) return r.fail(`nested more than ${MAX_DEPTH} levels deep`);
      const frame: Frame = { object: opened === 'object', index: 0, trie };
      r.space();
      if (!r.close(frame.object)) {
        stack.push(frame);
        const next = frame.object ? r.key(frame, offsets) : child(frame.trie, 0);
        if (next === false) return r.error;
        trie = next;
        continue;
      }
    }
    // A value ended: what comes next is decided by the lists and mappings it is in.
    for (;;) {
      const frame = stack.at(-1);
      if (frame === undefined) {
        r.space();
        return r.at < text.length ? r.fail('unexpected text after the end of the JSON value') : undefined;
      }
      r.space();
      if (r.take(',')) {
        frame.index++;
        const next = frame.object ? r.key(frame, offsets) : child(frame.trie, frame.index);
        if (next === false) return r.error;
        trie = next;
        break;
      }
      if (!r.close(frame.object))
        return r.fail(frame.object ? 'expected "," or "}" after a value' : 'expected "," or "]" after a list item');
      stack.pop();
    }
  }
}

function child(trie: Trie | undefined, step: string | number): Trie | undefined {
  return trie?.children.get(step);
}

class Reader {
  at = 0;
  error: JsonSyntaxError = { offset: 0, message: '' };
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  fail(message: string): JsonSyntaxError {
    this.error = { offset: this.at, message: this.at >= this.#text.length ? 'unexpected end of the text' : message };
    return this.error;
  }

  space(): void {
    const t = this.#text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  take(c: string): boolean {
    if (this.#text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  close(object: boolean): boolean {
    return this.take(object ? '}' : ']');
  }

  /** One value: a scalar read whole, or the opening of a list or mapping. */
  value(): 'scalar' | 'object' | 'array' | JsonSyntaxError {
    const c = this.#text[this.at];
    if (c === '{' || c === '[') {
      this.at++;
      return c === '{' ? 'object' : 'array';
    }
    if (c === '"') return this.string() ?? 'scalar';
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number() ?? 'scalar';
    for (const word of ['true', 'false', 'null']) {
      if (this.#text.startsWith(word, this.at)) {
        this.at += word.length;
        return 'scalar';
      }
    }
    return this.fail(`unexpected ${describe(c)}; expected a value`);
  }

  /** A key and its colon; the trie of its value, or false on a syntax error. */
  key(frame: Frame, offsets: number[]): Trie | undefined | false {
    this.space();
    const start = this.at;
    if (this.#text[start] !== '"')
      return (this.fail(`unexpected ${describe(this.#text[start])}; expected a key in double quotes`), false);
    if (this.string() !== undefined) return false;
    let trie: Trie | undefined;
    if (frame.trie !== undefined && frame.trie.children.size > 0) {
      trie = frame.trie.children.get(JSON.parse(this.#text.slice(start, this.at)) as string);
      for (const i of trie?.keyOf ?? []) offsets[i] = start;
    }
    this.space();
    if (!this.take(':')) return (this.fail('expected ":" after a key'), false);
    return trie;
  }

  string(): JsonSyntaxError | undefined {
    const t = this.#text;
    this.at++;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        this.at++;
        return undefined;
      }
      if (c < 0x20) return this.fail('a control character in a string must be escaped');
      if (c === 0x5c) {
        const e = t[this.at + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(this.at + 2, this.at + 6)))
            return this.fail('"\\u" must be followed by 4 hex digits');
          this.at += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return this.fail(`unknown escape "\\${e ?? ''}" in a string`);
        this.at += 2;
        continue;
      }
      this.at++;
    }
    return this.fail('a string is not closed');
  }

  number(): JsonSyntaxError | undefined {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.at;
    const found = m.exec(this.#text);
    if (found === null) return this.fail('not a number');
    this.at += found[0].length;
    return undefined;
  }
}

function describe(c: string | undefined): string {
  return c === undefined ? 'end of the text' : `character ${JSON.stringify(c)}`;
}
