/** A short description of a YAML value for messages: `string "abc"`, `number 5`, `a list`, `an empty value`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `string ${quote(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (v instanceof Date) return `a timestamp`;
  return typeof v === 'object' ? 'a mapping' : typeof v;
}

/** A string in double quotes, shortened to keep messages on one readable line. */
export function quote(s: string): string {
  const short = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return JSON.stringify(short);
}
