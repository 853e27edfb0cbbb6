import { describeValue, quote } from './describe.js';
import { PORT_GROUP_NAMES, PORT_GROUPS } from './port-groups.js';

export const PORT_MIN = 1;
export const PORT_MAX = 65535;

export type PortEntry = { ok: true; ports: number[] } | { ok: false; message: string };

/**
 * One entry of expect_open or expect_closed: a port (80 or "80"), an inclusive
 * range ("8000-8010") or a group name ("databases"), expanded to its ports.
 */
export function parsePortEntry(value: unknown): PortEntry {
  if (typeof value === 'number') return single(value, String(value));
  if (typeof value !== 'string')
    return fail(`expected a port, a range "A-B" or a group name, got ${describeValue(value)}`);
  if (/^\d+$/.test(value)) return single(Number(value), value);
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range !== null) return expandRange(value, range[1] ?? '', range[2] ?? '');
  if (Object.hasOwn(PORT_GROUPS, value)) return { ok: true, ports: [...(PORT_GROUPS[value] ?? [])] };
  if (/^[A-Za-z][\w-]*$/.test(value))
    return fail(`unknown port group ${quote(value)}; known groups: ${PORT_GROUP_NAMES.join(', ')}`);
  return fail(`${quote(value)} is not a port, a range "A-B" or a group name`);
}

function single(port: number, written: string): PortEntry {
  if (!Number.isInteger(port)) return fail(`port ${written} is not a whole number`);
  if (!inRange(port)) return fail(`port ${written} is outside ${PORT_MIN}-${PORT_MAX}`);
  return { ok: true, ports: [port] };
}

function expandRange(written: string, fromText: string, toText: string): PortEntry {
  const from = Number(fromText);
  const to = Number(toText);
  for (const [port, text] of [
    [from, fromText],
    [to, toText],
  ] as const) {
    if (!inRange(port)) return fail(`port ${text} in range ${quote(written)} is outside ${PORT_MIN}-${PORT_MAX}`);
  }
  if (from > to) return fail(`range ${quote(written)} is reversed; write "${to}-${from}"`);
  return { ok: true, ports: Array.from({ length: to - from + 1 }, (_, i) => from + i) };
}

function inRange(port: number): boolean {
  return port >= PORT_MIN && port <= PORT_MAX;
}

function fail(message: string): PortEntry {
  return { ok: false, message };
}
