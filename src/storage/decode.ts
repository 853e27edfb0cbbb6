// Reads a state file's text back, checking every field: a file that is not wholly valid
// is refused with the first problem and where it is, never taken in part.
import type { SavedHttpSd } from '../sd/service-discovery.js';
import type { DiscoveredHost } from '../sd/target-groups.js';
import type { SavedAddress, SavedDiscovery, SavedSweptAddress, SavedTarget } from '../state/saved.js';
import type { Expectation, PortState, Protocol, Reason } from '../types.js';
import { FORMAT, OLDEST_VERSION, VERSION, type SavedState } from './format.js';

export type Decoded = { ok: true; state: SavedState & { targets: SavedTarget[] } } | { ok: false; problem: string };

/**
 * A problem and the path to it, e.g. `targets[3].addresses[0].state`. The path is put
 * together as the error passes each list on its way out: a file of 100k targets would
 * otherwise build a million place names that nobody reads.
 */
class Invalid extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${path}: ${detail}`);
  }

  within(prefix: string): Invalid {
    return new Invalid(`${prefix}${this.path}`, this.detail);
  }
}

const STATES = {
  open: true,
  closed: true,
  filtered: true,
  'open|filtered': true,
  error: true,
} satisfies Record<PortState, true>;
const EXPECTATIONS = { open: true, closed: true } satisfies Record<Expectation, true>;
const PROTOCOLS = { tcp: true, udp: true } satisfies Record<Protocol, true>;
// Every reason, so that the compiler says when one is added and not listed here.
const REASONS = {
  'syn-ack': true,
  'udp-response': true,
  'conn-refused': true,
  'port-unreach': true,
  'no-response': true,
  'host-unreach': true,
  'net-unreach': true,
  'admin-prohibited': true,
  'proto-unreach': true,
  'host-down': true,
  'dns-failure': true,
  'no-address': true,
  'no-route': true,
  'fd-exhausted': true,
  'addr-unavailable': true,
  'no-buffers': true,
  'self-connect': true,
  'local-error': true,
} satisfies Record<Reason, true>;

function fail(field: string, message: string): never {
  throw new Invalid(field, message);
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function array(v: unknown, field: string, min = 0): unknown[] {
  if (!Array.isArray(v)) fail(field, `expected a list, got ${shown(v)}`);
  if (v.length < min) fail(field, `expected at least ${min} items, got ${v.length}`);
  return v;
}

/** Each item of a list read by `read`; a problem in one is placed at `field[i]`. */
function each<T>(v: unknown, field: string, read: (item: unknown) => T): T[] {
  const list = array(v, field);
  const out: T[] = new Array<T>(list.length);
  for (let i = 0; i < list.length; i++) {
    try {
      out[i] = read(list[i]);
    } catch (err) {
      throw err instanceof Invalid ? err.within(`${field}[${i}]`) : err;
    }
  }
  return out;
}

function object(v: unknown, field = ''): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `expected an object, got ${shown(v)}`);
  return v as Record<string, unknown>;
}

function text(v: unknown, field: string, empty = false): string {
  if (typeof v !== 'string' || (!empty && v === '')) {
    fail(field, `expected a${empty ? '' : ' non-empty'} string, got ${shown(v)}`);
  }
  return v;
}

function number(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(field, `expected a number >= 0, got ${shown(v)}`);
  return v;
}

function port(v: unknown, field = ''): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) {
    fail(field, `expected a port 1-65535, got ${shown(v)}`);
  }
  return v as number;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: Record<T, true>, what: string): T {
  if (typeof v !== 'string' || !Object.hasOwn(allowed, v)) {
    fail(field, `${shown(v)} is not ${what} (${Object.keys(allowed).join(', ')})`);
  }
  return v as T;
}

type Labels = Readonly<Record<string, string>>;

function labelSet(v: unknown): Labels {
  const o = object(v);
  for (const [name, value] of Object.entries(o)) text(value, `.${name}`, true);
  return Object.freeze(o) as Labels;
}

function labelsAt(v: unknown, field: string, sets: readonly Labels[]): Labels {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= sets.length) {
    fail(field, `expected an index into labels (0-${sets.length - 1}), got ${shown(v)}`);
  }
  return sets[v as number]!;
}

function address(v: unknown): SavedAddress {
  const a = array(v, '', 6);
  return {
    ip: text(a[0], '.ip', true),
    state: oneOf(a[1], '.state', STATES, 'a port state'),
    reason: oneOf(a[2], '.reason', REASONS, 'a reason'),
    changedAt: number(a[3], '.changed_at_ms'),
    checkedAt: number(a[4], '.checked_at_ms'),
    durationSeconds: number(a[5], '.duration_seconds'),
  };
}

/** A protocol, TCP when absent: version 1 wrote none, and every port of it was TCP. */
function protocol(v: unknown, field: string): Protocol {
  return v === undefined ? 'tcp' : oneOf(v, field, PROTOCOLS, 'a protocol');
}

function target(v: unknown, sets: readonly Labels[]): SavedTarget {
  const t = array(v, '', 6);
  return {
    monitor: text(t[0], '.monitor'),
    host: text(t[1], '.host'),
    port: port(t[2], '.port'),
    protocol: protocol(t[6], '.protocol'),
    expected: oneOf(t[3], '.expected', EXPECTATIONS, 'an expectation'),
    labels: labelsAt(t[4], '.labels', sets),
    addresses: each(t[5], '.addresses', address),
  };
}

function sweptAddress(v: unknown): SavedSweptAddress {
  const a = object(v);
  return {
    ip: text(a['ip'], '.ip'),
    seen: each(a['seen'], '.seen', port),
    seenUdp: a['seen_udp'] === undefined ? [] : each(a['seen_udp'], '.seen_udp', port),
    unexpected: each(a['unexpected'], '.unexpected', (u) => {
      const o = object(u);
      const since = number(o['since_ms'], '.since_ms');
      return { port: port(o['port'], '.port'), protocol: protocol(o['protocol'], '.protocol'), since };
    }),
  };
}

function discovery(v: unknown): SavedDiscovery {
  const d = object(v);
  const last = d['last_sweep'] === null ? undefined : object(d['last_sweep'], '.last_sweep');
  return {
    monitor: text(d['monitor'], '.monitor'),
    lastSweep: last && {
      at: number(last['at_ms'], '.last_sweep.at_ms'),
      durationSeconds: number(last['duration_seconds'], '.last_sweep.duration_seconds'),
    },
    hosts: each(d['hosts'], '.hosts', (h) => {
      const o = object(h);
      return { host: text(o['host'], '.host'), addresses: each(o['addresses'], '.addresses', sweptAddress) };
    }),
  };
}

function httpSd(v: unknown, sets: readonly Labels[]): SavedHttpSd {
  const s = object(v);
  const hosts = each(s['hosts'], '.hosts', (h): DiscoveredHost => {
    const pair = array(h, '', 2);
    return { host: text(pair[0], '.host'), labels: labelsAt(pair[1], '.labels', sets) };
  });
  return {
    monitor: text(s['monitor'], '.monitor'),
    url: text(s['url'], '.url'),
    atMs: number(s['read_at_ms'], '.read_at_ms'),
    hosts,
  };
}

/** Why the file is not one this portwatch reads, or undefined when it is of this format and version. */
function foreign(doc: Record<string, unknown>): string | undefined {
  if (doc['format'] !== FORMAT) {
    return `not a portwatch state file (its "format" is ${shown(doc['format'])}, not "${FORMAT}")`;
  }
  const v = doc['version'];
  if (!Number.isInteger(v) || (v as number) < 1) return `"version" is ${shown(v)}, not a format version`;
  if ((v as number) >= OLDEST_VERSION && (v as number) <= VERSION) return undefined;
  return (v as number) > VERSION
    ? `format version ${v as number}, written by a newer portwatch; this one reads version ${VERSION}`
    : `format version ${v as number}, which this portwatch no longer reads (it reads version ${VERSION})`;
}

/** The state a file's text holds, or the first problem with it. */
export function decodeState(textOfFile: string): Decoded {
  let doc: unknown;
  try {
    doc = JSON.parse(textOfFile);
  } catch (err) {
    return { ok: false, problem: `not valid JSON (truncated or damaged): ${(err as Error).message}` };
  }
  try {
    const d = object(doc, 'the file');
    const problem = foreign(d);
    if (problem !== undefined) return { ok: false, problem };
    const writtenAt = Date.parse(text(d['written_at'], 'written_at'));
    if (Number.isNaN(writtenAt)) fail('written_at', `expected an ISO time, got ${shown(d['written_at'])}`);
    const sets = each(d['labels'], 'labels', labelSet);
    return {
      ok: true,
      state: {
        writtenAt,
        targets: each(d['targets'], 'targets', (t) => target(t, sets)),
        discovery: each(d['discovery'], 'discovery', discovery),
        httpSd: each(d['http_sd'], 'http_sd', (s) => httpSd(s, sets)),
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, problem: err.message };
    throw err;
  }
}
