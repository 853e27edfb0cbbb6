// The response headers a web config may set, as exporter-toolkit allows them: five names,
// written exactly so; X-Frame-Options and X-Content-Type-Options only with the values it
// lists (exactly, so "DENY" is refused like "allow"); the others with any value. Go writes
// a value with line breaks turned into spaces and surrounding blanks trimmed, as UTF-8.

const HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

export function headerNameProblem(name: string): string | undefined {
  if (Object.hasOwn(HEADERS, name)) return undefined;
  return `header ${JSON.stringify(name)} cannot be set; allowed: ${Object.keys(HEADERS).join(', ')}`;
}

export function headerValueProblem(name: string, value: string): string | undefined {
  const allowed = HEADERS[name];
  if (allowed !== undefined && !allowed.includes(value)) {
    return `${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`;
  }
  // Go would send these bytes as they are; Node refuses to (and no browser wants them).
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses.
  if (/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) return 'a header value cannot hold control characters';
  return undefined;
}

/** The value as Go sends it, as the latin1 string whose bytes Node writes. */
export function headerWireValue(value: string): string {
  const oneLine = value.replace(/[\r\n]/g, ' ').replace(/^[ \t]+|[ \t]+$/g, '');
  return Buffer.from(oneLine, 'utf8').toString('latin1');
}
