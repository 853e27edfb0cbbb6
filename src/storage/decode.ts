// Reads a state file's text back, checking every field: a file that is not wholly valid
// is refused with the first problem and where it is, never taken in part.
import type { SavedHttpSd } from '../sd/service-discovery.js';
import type { DiscoveredHost } from '../sd/target-groups.js';
import type { SavedAddress, SavedDiscovery, SavedSweptAddress, SavedTarget } from '../state/saved.js';
import type { Expectation, PortState, Reason } from '../types.js';
import { FORMAT, VERSION, type SavedState } from './format.js';

export type Decoded = { ok: true; state: SavedState & { targets: SavedTarget[] } } | { ok: false; problem: string };

/** A problem at a place in the file, e.g. `targets[3].addresses[0].state: "up" is not a port state`. */
class Invalid extends Error {}

const STATES = { open: true, closed: true, filtered: true, error: true } satisfies Record<PortState, true>;
const EXPECTATIONS = { open: true, closed: true } satisfies Record<Expectation, true>;
// Every reason, so that the compiler says when one is added and not listed here.
const REASONS = {
  'syn-ack': true, 'conn-refused': true, 'no-response': true, 'host-unreach': true, 'net-unreach': true,
  'admin-prohibited': true, 'proto-unreach': true, 'host-down': true, 'dns-failure': true, 'no-address': true,
  'no-route': true, 'fd-exhausted': true, 'addr-unavailable': true, 'no-buffers': true, 'self-connect': true,
  'local-error': true,
} satisfies Record<Reason, true>;

// Each check takes the place of the value as a path and a field name, joined only when it
// fails: a file of 100k targets would otherwise build a million strings nobody reads.
function fail(at: string, field: string, message: string): never {
  throw new Invalid(`${at}${field}: ${message}`);
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function array(v: unknown, at: string, field = '', min = 0): unknown[] {
  if (!Array.isArray(v)) fail(at, field, `expected a list, got ${shown(v)}`);
  if (v.length < min) fail(at, field, `expected at least ${min} items, got ${v.length}`);
  return v;
}

function object(v: unknown, at: string, field = ''): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, field, `expected an object, got ${shown(v)}`);
  return v as Record<string, unknown>;
}

function text(v: unknown, at: string, field: string, empty = false): string {
  if (typeof v !== 'string' || (!empty && v === '')) fail(at, field, `expected a${empty ? '' : ' non-empty'} string, got ${shown(v)}`);
  return v;
}

function number(v: unknown, at: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(at, field, `expected a number >= 0, got ${shown(v)}`);
  return v;
}

function port(v: unknown, at: string, field: string): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) fail(at, field, `expected a port 1-65535, got ${shown(v)}`);
  return v as number;
}

function oneOf<T extends string>(v: unknown, at: string, field: string, allowed: Record<T, true>, what: string): T {
  if (typeof v !== 'string' || !Object.hasOwn(allowed, v)) fail(at, field, `${shown(v)} is not ${what} (${Object.keys(allowed).join(', ')})`);
  return v as T;
}

type Labels = Readonly<Record<string, string>>;

function labelSets(v: unknown): Labels[] {
  return array(v, 'labels').map((set, i) => {
    const o = object(set, `labels[${i}]`);
    for (const [name, value] of Object.entries(o)) text(value, `labels[${i}]`, `.${name}`, true);
    return Object.freeze(o) as Labels;
  });
}

function labelsAt(v: unknown, at: string, field: string, sets: readonly Labels[]): Labels {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= sets.length) fail(at, field, `expected an index into labels (0-${sets.length - 1}), got ${shown(v)}`);
  return sets[v as number]!;
}

function address(v: unknown, target: string, i: number): SavedAddress {
  const at = `${target}.addresses[${i}]`;
  const a = array(v, at, '', 6);
  return {
    ip: text(a[0], at, '.ip', true),
    state: oneOf(a[1], at, '.state', STATES, 'a port state'),
    reason: oneOf(a[2], at, '.reason', REASONS, 'a reason'),
    changedAt: number(a[3], at, '.changed_at_ms'),
    checkedAt: number(a[4], at, '.checked_at_ms'),
    durationSeconds: number(a[5], at, '.duration_seconds'),
  };
}

function target(v: unknown, i: number, sets: readonly Labels[]): SavedTarget {
  const at = `targets[${i}]`;
  const t = array(v, at, '', 6);
  return {
    monitor: text(t[0], at, '.monitor'),
    host: text(t[1], at, '.host'),
    port: port(t[2], at, '.port'),
    expected: oneOf(t[3], at, '.expected', EXPECTATIONS, 'an expectation'),
    labels: labelsAt(t[4], at, '.labels', sets),
    addresses: array(t[5], at, '.addresses').map((a, j) => address(a, at, j)),
  };
}

function sweptAddress(v: unknown, at: string): SavedSweptAddress {
  const a = object(v, at);
  return {
    ip: text(a['ip'], at, '.ip'),
    seen: array(a['seen'], at, '.seen').map((p, i) => port(p, at, `.seen[${i}]`)),
    unexpected: array(a['unexpected'], at, '.unexpected').map((u, i) => {
      const where = `${at}.unexpected[${i}]`;
      const o = object(u, where);
      return { port: port(o['port'], where, '.port'), since: number(o['since_ms'], where, '.since_ms') };
    }),
  };
}

function discovery(v: unknown, at: string): SavedDiscovery {
  const d = object(v, at);
  const last = d['last_sweep'] === null ? undefined : object(d['last_sweep'], at, '.last_sweep');
  return {
    monitor: text(d['monitor'], at, '.monitor'),
    lastSweep: last && { at: number(last['at_ms'], at, '.last_sweep.at_ms'), durationSeconds: number(last['duration_seconds'], at, '.last_sweep.duration_seconds') },
    hosts: array(d['hosts'], at, '.hosts').map((h, i) => {
      const where = `${at}.hosts[${i}]`;
      const o = object(h, where);
      return { host: text(o['host'], where, '.host'), addresses: array(o['addresses'], where, '.addresses').map((a, j) => sweptAddress(a, `${where}.addresses[${j}]`)) };
    }),
  };
}

function httpSd(v: unknown, at: string, sets: readonly Labels[]): SavedHttpSd {
  const s = object(v, at);
  const hosts = array(s['hosts'], at, '.hosts').map((h, i): DiscoveredHost => {
    const where = `${at}.hosts[${i}]`;
    const pair = array(h, where, '', 2);
    return { host: text(pair[0], where, '.host'), labels: labelsAt(pair[1], where, '.labels', sets) };
  });
  return { monitor: text(s['monitor'], at, '.monitor'), url: text(s['url'], at, '.url'), atMs: number(s['read_at_ms'], at, '.read_at_ms'), hosts };
}

/** The version line of the problem, or undefined when the file is of this format and version. */
function foreign(doc: Record<string, unknown>): string | undefined {
  if (doc['format'] !== FORMAT) return `not a portwatch state file (its "format" is ${shown(doc['format'])}, not "${FORMAT}")`;
  const v = doc['version'];
  if (!Number.isInteger(v) || (v as number) < 1) return `"version" is ${shown(v)}, not a format version`;
  if (v === VERSION) return undefined;
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
    const writtenAt = Date.parse(text(d['written_at'], 'written_at', ''));
    if (Number.isNaN(writtenAt)) fail('written_at', '', `expected an ISO time, got ${shown(d['written_at'])}`);
    const sets = labelSets(d['labels']);
    return {
      ok: true,
      state: {
        writtenAt,
        targets: array(d['targets'], 'targets').map((t, i) => target(t, i, sets)),
        discovery: array(d['discovery'], 'discovery').map((x, i) => discovery(x, `discovery[${i}]`)),
        httpSd: array(d['http_sd'], 'http_sd').map((x, i) => httpSd(x, `http_sd[${i}]`, sets)),
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, problem: err.message };
    throw err;
  }
}
