// Prometheus service-discovery target groups (the file_sd and http_sd format): a list of
// `{targets: ["host:port", ...], labels: {name: value}}`, read as Prometheus reads them
// (discovery/targetgroup in Prometheus, model.LabelSet in prometheus/common). What
// Prometheus refuses refuses the whole document; a target Prometheus takes but portwatch
// cannot check is left out on its own. portwatch takes the host part of each target; the
// port is the scrape port of some other job and means nothing here.
import { isIP } from 'node:net';
import { describeValue, quote } from '../config/describe.js';
import { isBlock } from '../config/blocks.js';
import { hostProblem } from '../config/hosts.js';
import { didYouMean } from '../config/suggest.js';

/** A host from service discovery and the labels of its target group (shared by the group's hosts). */
export interface DiscoveredHost {
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * How the document was written. JSON is read as Go's encoding/json reads it: a string is
 * a string (a number there refuses the document) and keys match without regard to case.
 * YAML has had its scalars turned into their text where strings are expected (scalars.ts).
 */
export type Dialect = 'json' | 'yaml';

export type Path = (string | number)[];

export interface Finding {
  path: Path;
  /** Whether it is about the key at `path` rather than its value. */
  atKey: boolean;
  message: string;
}

export interface GroupsRead {
  hosts: DiscoveredHost[];
  /** What Prometheus refuses too: when any, no host of the document is taken. At most MAX_FINDINGS. */
  refused: Finding[];
  /** Targets left out, each on its own: Prometheus takes them, portwatch cannot check them. At most MAX_FINDINGS. */
  dropped: Finding[];
  droppedCount: number;
}

export const MAX_FINDINGS = 20;
const GROUP = '{targets: [...], labels: {...}}';
const FIELDS = ['targets', 'labels'];

/** The hosts of a list of target groups in order, what refuses the document, and the targets left out. */
export function readTargetGroups(data: unknown, dialect: Dialect): GroupsRead {
  const read: GroupsRead = { hosts: [], refused: [], dropped: [], droppedCount: 0 };
  const refuse = (path: Path, message: string, atKey = false): void => {
    if (read.refused.length < MAX_FINDINGS) read.refused.push({ path, atKey, message });
  };
  // An empty document is no groups, in either format.
  if (data === null || data === undefined) return read;
  if (!Array.isArray(data)) {
    refuse([], `expected a list of target groups (${GROUP}), got ${describeValue(data)}`);
    return read;
  }
  data.forEach((group: unknown, i) => {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      refuse([i], `expected a target group (${GROUP}), got ${describeValue(group)}`);
      return;
    }
    const { targets, labels } = groupFields(group as Record<string, unknown>, dialect, (key, message) => refuse([i, key], message, true));
    const groupLabels = labelSet(labels, (path, message, atKey) => refuse([i, 'labels', ...path], message, atKey));
    for (const [j, target] of texts(targets, 'a list of "host:port" targets', (path, message) => refuse([i, 'targets', ...path], message))) {
      const host = hostOfTarget(target);
      if (host.ok) read.hosts.push({ host: host.host, labels: groupLabels });
      else if (read.droppedCount++ < MAX_FINDINGS) read.dropped.push({ path: [i, 'targets', j], atKey: false, message: host.message });
    }
  });
  return read;
}

/** `targets` and `labels` of a group; YAML keys exactly, JSON keys as Go matches struct fields (last one wins). */
function groupFields(group: Record<string, unknown>, dialect: Dialect, refuse: (key: string, message: string) => void): { targets: unknown; labels: unknown } {
  const fields: { targets: unknown; labels: unknown } = { targets: undefined, labels: undefined };
  for (const key of Object.keys(group)) {
    const field = dialect === 'json' ? goJsonField(key) : key === 'targets' || key === 'labels' ? key : undefined;
    if (field === undefined) refuse(key, `unknown key ${JSON.stringify(key)}${didYouMean(key, FIELDS)} (allowed: targets, labels)`);
    else fields[field] = group[key];
  }
  return fields;
}

/**
 * Go's encoding/json takes a key for a field when the two are equal under Unicode simple
 * case folding: ASCII letters without case, and "ſ" (U+017F) for "s".
 */
function goJsonField(key: string): 'targets' | 'labels' | undefined {
  if (key.length !== 6 && key.length !== 7) return undefined;
  const folded = key.replace(/[a-z\u017f]/g, (c) => (c === '\u017f' ? 'S' : c.toUpperCase()));
  return folded === 'TARGETS' ? 'targets' : folded === 'LABELS' ? 'labels' : undefined;
}

type Refuse = (path: Path, message: string, atKey: boolean) => void;

/** The strings of a list; an empty value is "" and an absent list none, as in Go. */
function texts(v: unknown, what: string, refuse: (path: Path, message: string) => void): [number, string][] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    refuse([], `expected ${what}, got ${describeValue(v)}`);
    return [];
  }
  const out: [number, string][] = [];
  v.forEach((item: unknown, j) => {
    if (typeof item === 'string') out.push([j, item]);
    else if (item === null) out.push([j, '']);
    else refuse([j], `expected a string, got ${describeValue(item)}`);
  });
  return out;
}

/**
 * A group's labels, frozen, shared by its hosts. Names are those Prometheus 3 takes (any
 * non-empty UTF-8, e.g. "service.name"); a label with an empty value is no label.
 */
function labelSet(v: unknown, refuse: Refuse): Readonly<Record<string, string>> {
  if (v === undefined || v === null) return NO_LABELS;
  if (typeof v !== 'object' || Array.isArray(v)) {
    refuse([], `expected a mapping of label names to values, got ${describeValue(v)}`, false);
    return NO_LABELS;
  }
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(v)) {
    if (name === '') refuse([name], 'label name is empty', true);
    else if (typeof value === 'string') {
      if (value !== '') entries.push([name, value]);
    } else if (value !== null) refuse([name], `label ${quote(name)} must have a string value, got ${describeValue(value)}`, false);
  }
  // fromEntries defines each name as an own property, "__proto__" included.
  return entries.length === 0 ? NO_LABELS : Object.freeze(Object.fromEntries(entries));
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

type HostOf = { ok: true; host: string } | { ok: false; message: string };

/** `host:port`, `[v6]:port`, or a bare host or IPv6 address: the host. */
export function hostOfTarget(target: unknown): HostOf {
  if (typeof target !== 'string') return { ok: false, message: `expected a "host:port" target, got ${describeValue(target)}` };
  const q = quote(target);
  if (target.includes('://')) return { ok: false, message: `${q} is a URL; give "host:port" or a host` };
  const blocks = `${q}: address blocks are not taken from service discovery; list them in hosts`;
  if (target.includes('/')) return { ok: false, message: blocks };
  let host = target;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(target);
  if (bracketed) {
    host = bracketed[1]!;
    if (isIP(host) !== 6) return { ok: false, message: `${q}: ${quote(host)} in brackets is not an IPv6 address` };
    if (bracketed[2] !== undefined && !isPort(bracketed[2])) return { ok: false, message: `${q}: the port must be a number 1-65535` };
  } else if (isIP(target) === 0 && target.includes(':')) {
    const colon = target.lastIndexOf(':');
    host = target.slice(0, colon);
    if (host.includes(':')) return { ok: false, message: `${q}: write IPv6 addresses with a port as "[address]:port"` };
    if (!isPort(target.slice(colon + 1))) return { ok: false, message: `${q}: the port must be a number 1-65535` };
  }
  if (isBlock(host)) return { ok: false, message: blocks };
  const problem = hostProblem(host);
  return problem === undefined ? { ok: true, host } : { ok: false, message: problem };
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}
