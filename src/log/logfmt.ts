import type { Writable } from 'node:stream';

/** Quote a value only when logfmt needs it, the way Prometheus' go-kit logger does. */
function formatValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v instanceof Object ? JSON.stringify(v) : String(v);
  return s === '' || /[\s"=\\]/.test(s) ? JSON.stringify(s) : s;
}

function flatten(prefix: string, obj: Record<string, unknown>, out: string[]): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(key, v as Record<string, unknown>, out);
    else out.push(`${key}=${formatValue(v)}`);
  }
}

/** pino writes one JSON object per line; this re-renders each as a logfmt line. */
export function logfmtStream(dest: Writable): { write(line: string): void } {
  return {
    write(line: string): void {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        dest.write(line);
        return;
      }
      const { time, level, msg, ...rest } = rec;
      const parts = [`ts=${formatValue(time)}`, `level=${formatValue(level)}`, `msg=${formatValue(msg ?? '')}`];
      flatten('', rest, parts);
      dest.write(`${parts.join(' ')}\n`);
    },
  };
}
