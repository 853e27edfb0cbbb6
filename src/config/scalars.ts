// What a YAML scalar means. Where a format expects a string, it is what Go's YAML reader
// (go-yaml v2, which Prometheus and the exporters use) puts in a string field: the scalar's
// own text, not its YAML type. `tier: 1` is "1", `version: 1.10` is "1.10", `tls: true` is
// "true", an empty value is "". So a file Prometheus users write means the same here.
// Elsewhere a plain scalar has its YAML 1.2 core-schema type (80 is a number).

/**
 * Where a format expects strings: `'text'`, a string (a scalar there is its text);
 * `{ items }`, every item of a list or every value of a mapping; `{ fields }`, the named
 * keys of a mapping. Places left out keep their YAML types.
 */
export type Shape = 'text' | { readonly items: Shape } | { readonly fields: Readonly<Record<string, Shape>> };

/** The shape of the value at `key` (a mapping) or of an item (a list, key undefined). */
export function shapeWithin(shape: Shape | undefined, key: string | undefined): Shape | undefined {
  if (shape === undefined || shape === 'text') return undefined;
  if ('items' in shape) return shape.items;
  return key !== undefined && Object.hasOwn(shape.fields, key) ? shape.fields[key] : undefined;
}

/** A scalar as written: its decoded text, whether it was plain (unquoted), and its tag ('' for none). */
export interface WrittenScalar {
  text: string;
  plain: boolean;
  tag: string;
}

export type ScalarValue = { ok: true; value: unknown } | { ok: false; message: string };

/** The tags a scalar may carry (`!!str` or `!<tag:yaml.org,2002:str>`), by their short name. */
const CORE_TAG = /^(?:!!|!<tag:yaml\.org,2002:)(str|int|float|bool|null|binary|timestamp)>?$/;

/** The string Go's reader makes of a scalar: its text ("" for null), or for !!binary the bytes it encodes. */
export function goText(s: WrittenScalar): ScalarValue {
  if (s.tag === '') return { ok: true, value: s.plain && isNull(s.text) ? '' : s.text };
  const tag = coreTag(s.tag);
  if (tag === undefined) return unknownTag(s.tag);
  if (tag === 'binary') return binary(s.text);
  if (tag === 'null' || (tag === '' && s.plain && isNull(s.text))) return { ok: true, value: '' };
  return { ok: true, value: s.text };
}

/** A scalar where no string is expected: plain ones by the YAML 1.2 core schema, tagged ones by their tag. */
export function typedValue(s: WrittenScalar): ScalarValue {
  if (s.tag === '') return { ok: true, value: s.plain ? resolvePlain(s.text) : s.text };
  const tag = coreTag(s.tag);
  if (tag === undefined) return unknownTag(s.tag);
  if (tag === '') return { ok: true, value: s.plain ? resolvePlain(s.text) : s.text };
  if (tag === 'str' || tag === 'timestamp') return { ok: true, value: s.text };
  if (tag === 'binary') return binary(s.text);
  const value = resolvePlain(s.text);
  const fits =
    tag === 'null' ? value === null : tag === 'bool' ? typeof value === 'boolean' : typeof value === 'number';
  if (!fits || (tag === 'int' && !Number.isInteger(value)))
    return { ok: false, message: `${JSON.stringify(s.text)} is not a valid !!${tag}` };
  return { ok: true, value };
}

/** The short name of a tag portwatch knows: '' for none or `!` (a string), undefined for one it does not. */
function coreTag(tag: string): string | undefined {
  if (tag === '' || tag === '!') return '';
  return CORE_TAG.exec(tag)?.[1];
}

function unknownTag(tag: string): ScalarValue {
  return { ok: false, message: `unknown tag ${tag}; portwatch reads plain YAML values` };
}

function binary(text: string): ScalarValue {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact))
    return { ok: false, message: `${JSON.stringify(text)} is not valid !!binary (base64)` };
  return { ok: true, value: Buffer.from(compact, 'base64').toString('utf8') };
}

function isNull(text: string): boolean {
  return text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL';
}

const INT = /^[-+]?[0-9]+$/;
const OCTAL = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INFINITY = /^[-+]?\.(inf|Inf|INF)$/;
const NAN = /^\.(nan|NaN|NAN)$/;

/** A plain scalar by the YAML 1.2 core schema: null, a boolean, a number, or else the string itself. */
export function resolvePlain(text: string): null | boolean | number | string {
  // Most scalars are words: none of the patterns below starts with a letter other than these.
  if (text !== '' && !/^[-+.0-9tTfFnN~]/.test(text)) return text;
  if (isNull(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (INT.test(text)) return Number(text);
  if (OCTAL.test(text)) return parseInt(text.slice(2), 8);
  if (HEX.test(text)) return parseInt(text.slice(2), 16);
  if (FLOAT.test(text)) return Number(text);
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (NAN.test(text)) return Number.NaN;
  return text;
}
