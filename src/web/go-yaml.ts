// Decodes a YAML document field by field the way Go's yaml.v2 UnmarshalStrict fills
// exporter-toolkit's structs: a key the struct does not have is an error, an empty value is
// the field's zero value, a scalar read into a string is its text as written (so
// `X-XSS-Protection: 1` is "1"), and booleans, integers and durations follow Go's rules
// (go-scalars.ts, go-duration.ts). Every problem is kept with the node it is about.
import type { ConfigProblem } from '../config/errors.js';
import type { LineIndex } from '../config/line-cols.js';
import { formatPath } from '../config/positions.js';
import { unknownKeyMessage } from '../config/suggest.js';
import type { Placed } from '../config/yaml-tree.js';
import { parseGoDuration } from './go-duration.js';
import { resolvePlain, type GoScalar } from './go-scalars.js';

export type Path = readonly (string | number)[];

/** A value in the document: where it was written (null when absent), its path, and where its key was. */
export interface Field {
  node: Placed | null;
  path: Path;
  keyAt?: number | undefined;
}

const INT64_MAX = 2n ** 63n - 1n;

export class GoYamlReader {
  readonly problems: ConfigProblem[] = [];
  /** What exporter-toolkit accepts and portwatch serves otherwise, or what has no effect. */
  readonly warnings: ConfigProblem[] = [];
  readonly #lines: LineIndex;

  constructor(lines: LineIndex) {
    this.#lines = lines;
  }

  /** A problem at the field's value (or at its key, when asked or when there is no value). */
  fail(at: Field, message: string, onKey = false): void {
    this.problems.push(this.#at(at, message, onKey));
  }

  warn(at: Field, message: string): void {
    this.warnings.push(this.#at(at, message, false));
  }

  #at(at: Field, message: string, onKey: boolean): ConfigProblem {
    // An empty value has its place at the end of the line: the key is where to look.
    const offset = onKey || at.node?.blank === true ? (at.keyAt ?? at.node?.at) : (at.node?.at ?? at.keyAt);
    return { ...this.#lines.linePos(offset ?? 0), path: formatPath(at.path), message };
  }

  /** The value of a field; null for an empty value. */
  value(at: Field): Placed | null {
    const node = at.node;
    if (node === null || (node.text !== undefined && this.#scalar(node).kind === 'null')) return null;
    return node;
  }

  /** The fields of a mapping read into a Go struct with `keys`; undefined when empty or not a mapping. */
  struct(at: Field, keys: readonly string[]): Map<string, Field> | undefined {
    const entries = this.entries(at, 'a mapping');
    if (entries === undefined) return undefined;
    const fields = new Map<string, Field>();
    for (const entry of entries) {
      if (keys.includes(entry.key)) fields.set(entry.key, entry);
      else this.fail(entry, unknownKeyMessage(entry.key, keys), true);
    }
    return fields;
  }

  /** The entries of a mapping read into a Go map with string keys; undefined when empty or not a mapping. */
  entries(at: Field, what = 'a mapping'): (Field & { key: string })[] | undefined {
    const node = this.value(at);
    if (node === null) return undefined;
    if (node.entries === undefined) {
      this.fail(at, `expected ${what}, got ${this.describe(node)}`);
      return undefined;
    }
    return [...node.entries].map(([key, entry]) => ({
      key,
      node: entry.value,
      path: [...at.path, key],
      keyAt: entry.key,
    }));
  }

  /** The items of a sequence read into a Go slice; undefined (a nil slice) when empty. */
  list(at: Field): Field[] | undefined {
    const node = this.value(at);
    if (node === null) return undefined;
    if (node.items === undefined) {
      this.fail(at, `expected a list, got ${this.describe(node)}`);
      return undefined;
    }
    return node.items.map((item, i) => ({ node: item, path: [...at.path, i] }));
  }

  /** A Go string: a scalar's text as written; "" when empty. Undefined after a problem. */
  string(at: Field): string | undefined {
    const node = this.value(at);
    if (node === null) return '';
    if (node.text !== undefined) return node.text;
    this.fail(at, `expected a string, got ${this.describe(node)}`);
    return undefined;
  }

  /** A Go bool: YAML 1.1's true/false/yes/no/on/off/y/n, unquoted; false when empty. */
  bool(at: Field): boolean | undefined {
    const node = this.value(at);
    if (node === null) return false;
    const scalar = node.text === undefined ? undefined : this.#scalar(node);
    if (scalar?.kind === 'bool') return scalar.value;
    this.fail(at, `expected true or false, got ${this.describe(node)}`);
    return undefined;
  }

  /** A Go int: an integer, or a float cut to one as Go's reader does; 0 when empty. */
  int(at: Field): bigint | undefined {
    const node = this.value(at);
    if (node === null) return 0n;
    const scalar = node.text === undefined ? undefined : this.#scalar(node);
    const value = scalar === undefined ? undefined : wholeNumber(scalar);
    if (value !== undefined) return value;
    this.fail(at, `expected a whole number, got ${this.describe(node)}`);
    return undefined;
  }

  /** A Go time.Duration in nanoseconds: a duration string like 1s, or a number of nanoseconds; 0 when empty. */
  duration(at: Field): bigint | undefined {
    const node = this.value(at);
    if (node === null) return 0n;
    const scalar = node.text === undefined ? undefined : this.#scalar(node);
    const ns = scalar === undefined ? undefined : wholeNumber(scalar);
    if (ns !== undefined) return ns;
    if (scalar?.kind === 'str') {
      const parsed = parseGoDuration(node.text!);
      if ('ns' in parsed) return parsed.ns;
      this.fail(at, parsed.problem);
      return undefined;
    }
    this.fail(at, `expected a duration such as 1s, got ${this.describe(node)}`);
    return undefined;
  }

  /** `a list`, `a mapping`, `string "x"`, `number 5`, `boolean true`: for messages. */
  describe(node: Placed): string {
    if (node.items !== undefined) return 'a list';
    if (node.entries !== undefined) return 'a mapping';
    if (node.text === undefined) return 'a value';
    const scalar = this.#scalar(node);
    const text = node.text;
    if (scalar.kind === 'int' || scalar.kind === 'float') return `number ${text}`;
    if (scalar.kind === 'bool') return `boolean ${text}`;
    if (scalar.kind === 'null') return 'an empty value';
    return `string ${JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text)}`;
  }

  /** Quoted and block scalars, and explicit !!str, are strings whatever they hold. */
  #scalar(node: Placed): GoScalar {
    return node.plain === true ? resolvePlain(node.text ?? '') : { kind: 'str' };
  }
}

/** An integer as Go's reader stores it in an int64: floats cut toward zero, nothing beyond int64. */
function wholeNumber(scalar: GoScalar): bigint | undefined {
  if (scalar.kind === 'int') return scalar.value <= INT64_MAX ? scalar.value : undefined;
  const float = scalar.kind === 'float' ? scalar.value : Number.NaN;
  if (Number.isFinite(float) && Math.abs(float) < 2 ** 63) return BigInt(Math.trunc(float));
  return undefined;
}
