import { PROTOCOLS, type Protocol } from '../types.js';
import { describeValue, quote } from './describe.js';
import { portGroup, PORT_GROUP_NAMES } from './port-groups.js';
import { portKey, type PortKey } from './port-keys.js';
import { didYouMean } from './suggest.js';

export const PORT_MIN = 1;
export const PORT_MAX = 65535;

const GROUP_LIST = PORT_GROUP_NAMES.join(', ');

export type PortEntry = { ok: true; protocol: Protocol; ports: number[] } | { ok: false; message: string };

/**
 * One entry of a port list: a port (80 or "80"), an inclusive range ("8000-8010") or a
 * group name ("databases"), each optionally followed by its protocol ("53/udp",
 * "8000-8010/tcp"), expanded to its ports. Without a protocol, a port or range is TCP and
 * a group its own protocol.
 */
export function parsePortEntry(value: unknown): PortEntry {
  if (typeof value === 'number') return single(value, String(value), 'tcp');
  if (typeof value !== 'string')
    return fail(`expected a port, a range "A-B" or a group name, got ${describeValue(value)}`);
  const slash = value.indexOf('/');
  if (slash < 0 || value.indexOf('/', slash + 1) >= 0) return parseBody(value, value, undefined);
  const [body, written] = [value.slice(0, slash), value.slice(slash + 1)];
  if (body === '')
    return fail(`${quote(value)} has no port before "/": write a port, a range "A-B" or a group name, like "53/udp"`);
  if (written === '') return fail(`${quote(value)} has no protocol after "/": write "${body}/tcp" or "${body}/udp"`);
  if (!(PROTOCOLS as readonly string[]).includes(written))
    return fail(
      `unknown protocol ${quote(written)} in ${quote(value)}${didYouMean(written, PROTOCOLS)} ` +
        `(known: ${PROTOCOLS.join(', ')})`,
    );
  return parseBody(body, value, written as Protocol);
}

/** The entry's ports as port keys (port-keys.ts): a TCP entry's own array, not a copy. */
export function entryKeys(entry: { protocol: Protocol; ports: number[] }): PortKey[] {
  return entry.protocol === 'tcp' ? entry.ports : entry.ports.map((p) => portKey('udp', p));
}

/** A port, range or group (`body`) of the entry `written`, with the protocol written after it, if any. */
function parseBody(body: string, written: string, protocol: Protocol | undefined): PortEntry {
  if (/^\d+$/.test(body)) return single(Number(body), body, protocol ?? 'tcp');
  const range = /^(\d+)-(\d+)$/.exec(body);
  if (range !== null) return expandRange(body, range[1] ?? '', range[2] ?? '', protocol ?? 'tcp');
  const group = portGroup(body);
  if (group !== undefined) {
    if (protocol !== undefined && protocol !== group.protocol) {
      const own = group.protocol;
      return fail(
        `group ${quote(body)} is ${own.toUpperCase()} ports, not ${protocol.toUpperCase()}: ` +
          `write "${body}" or "${body}/${own}"`,
      );
    }
    return { ok: true, protocol: group.protocol, ports: [...group.ports] };
  }
  if (/^[A-Za-z][\w-]*$/.test(body))
    return fail(`unknown port group ${quote(body)}${didYouMean(body, PORT_GROUP_NAMES)} (known groups: ${GROUP_LIST})`);
  return fail(`${quote(written)} is not a port, a range "A-B" or a group name`);
}

function single(port: number, written: string, protocol: Protocol): PortEntry {
  if (!Number.isInteger(port)) return fail(`port ${written} is not a whole number`);
  if (!inRange(port)) return fail(`port ${written} is outside ${PORT_MIN}-${PORT_MAX}`);
  return { ok: true, protocol, ports: [port] };
}

function expandRange(written: string, fromText: string, toText: string, protocol: Protocol): PortEntry {
  const from = Number(fromText);
  const to = Number(toText);
  for (const [port, text] of [
    [from, fromText],
    [to, toText],
  ] as const) {
    if (!inRange(port)) return fail(`port ${text} in range ${quote(written)} is outside ${PORT_MIN}-${PORT_MAX}`);
  }
  if (from > to) return fail(`range ${quote(written)} is reversed; write "${to}-${from}"`);
  return { ok: true, protocol, ports: Array.from({ length: to - from + 1 }, (_, i) => from + i) };
}

function inRange(port: number): boolean {
  return port >= PORT_MIN && port <= PORT_MAX;
}

function fail(message: string): PortEntry {
  return { ok: false, message };
}
