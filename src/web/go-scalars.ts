// What Go's YAML v2 reader (the one exporter-toolkit decodes the web config with) makes of
// a plain scalar: null, a YAML 1.1 boolean (yes/no/on/off too), an integer (0x, 0o, 0b and
// leading-zero octal, underscores allowed), a float, a timestamp, or else a string. Quoted
// and block scalars are always strings.

export type GoScalar =
  | { kind: 'null' }
  | { kind: 'bool'; value: boolean }
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'timestamp' }
  | { kind: 'str' };

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSES = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];
const BOOLS = new Map<string, boolean>([
  ...TRUES.map((t) => [t, true] as const),
  ...FALSES.map((f) => [f, false] as const),
]);
const SPECIAL_FLOATS = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

/** The float syntax Go's reader tries after an integer failed (its exponent needs a sign). */
const YAML_STYLE_FLOAT = /^[-+]?[0-9]*\.?[0-9]+([eE][-+][0-9]+)?$/;
const DECIMAL_FLOAT = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** How Go's reader resolves the plain scalar `text`. */
export function resolvePlain(text: string): GoScalar {
  const hint = hintOf(text);
  if (hint === undefined) return { kind: 'str' };
  if (NULLS.has(text)) return { kind: 'null' };
  const bool = BOOLS.get(text);
  if (bool !== undefined) return { kind: 'bool', value: bool };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: special };
  if (hint === '.') return DECIMAL_FLOAT.test(text) ? { kind: 'float', value: Number(text) } : { kind: 'str' };
  if (hint !== 'digit' && hint !== 'sign') return { kind: 'str' };
  if (/^[0-9]{4}-/.test(text) && looksLikeTimestamp(text)) return { kind: 'timestamp' };
  const plain = text.replaceAll('_', '');
  const int = parseGoInt(plain);
  if (int !== undefined) return { kind: 'int', value: int };
  if (YAML_STYLE_FLOAT.test(plain)) return { kind: 'float', value: Number(plain) };
  const binary = /^(-?)0b([01]+)$/.exec(plain);
  if (binary) return { kind: 'int', value: (binary[1] === '-' ? -1n : 1n) * BigInt(`0b${binary[2]!}`) };
  return { kind: 'str' };
}

type Hint = 'sign' | 'digit' | 'map' | '.';

/** Go's reader looks only at scalars whose first character could start something other than a string. */
function hintOf(text: string): Hint | undefined {
  const first = text[0];
  if (first === undefined) return 'map';
  if (first === '+' || first === '-') return 'sign';
  if (first >= '0' && first <= '9') return 'digit';
  if ('yYnNtTfFoO~'.includes(first)) return 'map';
  return first === '.' ? '.' : undefined;
}

/** strconv.ParseInt(s, 0, 64), then ParseUint(s, 0, 64): a sign, then 0x, 0o, 0b, a leading 0 (octal) or decimal. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const digits = m[2]!;
  const value = (m[1] === '-' ? -1n : 1n) * BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits);
  // ParseUint takes no sign: beyond int64 only an unsigned number is one.
  const max = m[1] === '' ? UINT64_MAX : INT64_MAX;
  return value < INT64_MIN || value > max ? undefined : value;
}

/** The timestamp forms Go's reader knows (RFC 3339 with short fields, "date time", date only). */
function looksLikeTimestamp(s: string): boolean {
  const date = String.raw`\d{4}-\d{1,2}-\d{1,2}`;
  const time = String.raw`\d{1,2}:\d{1,2}:\d{1,2}(\.\d+)?`;
  return new RegExp(`^${date}([Tt]${time}(Z|[+-]\\d{2}:\\d{2})| ${time})?$`).test(s);
}
