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
  const reader = new GroupReader(dialect);
  // An empty document is no groups, in either format.
  if (data === null || data === undefined) return reader.read;
  if (!Array.isArray(data))
    reader.refuse([], `expected a list of target groups (${GROUP}), got ${describeValue(data)}`);
  else for (let i = 0; i < data.length; i++) reader.group(data[i], i);
  return reader.read;
}

class GroupReader {
  readonly read: GroupsRead = { hosts: [], refused: [], dropped: [], droppedCount: 0 };
  readonly #dialect: Dialect;

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  refuse(path: Path, message: string, atKey = false): void {
    if (this.read.refused.length < MAX_FINDINGS) this.read.refused.push({ path, atKey, message });
  }

  group(group: unknown, i: number): void {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      this.refuse([i], `expected a target group (${GROUP}), got ${describeValue(group)}`);
      return;
    }
    let targets: unknown;
    let labels: unknown;
    // YAML keys exactly, JSON keys as Go matches struct fields; the last of a key given twice wins.
    for (const key in group) {
      const field =
        key === 'targets' || key === 'labels' ? key : this.#dialect === 'json' ? goJsonField(key) : undefined;
      const value = (group as Record<string, unknown>)[key];
      if (field === 'targets') targets = value;
      else if (field === 'labels') labels = value;
      else
        this.refuse(
          [i, key],
          `unknown key ${JSON.stringify(key)}${didYouMean(key, FIELDS)} (allowed: targets, labels)`,
          true,
        );
    }
    this.#targets(targets, this.#labels(labels, i), i);
  }

  /** The hosts of the targets; an empty value is "" (Go's zero string) and an absent list none. */
  #targets(v: unknown, labels: Readonly<Record<string, string>>, i: number): void {
    if (v === undefined || v === null) return;
    if (!Array.isArray(v))
      return this.refuse([i, 'targets'], `expected a list of "host:port" targets, got ${describeValue(v)}`);
    for (let j = 0; j < v.length; j++) {
      const target: unknown = v[j];
      if (typeof target !== 'string' && target !== null) {
        this.refuse([i, 'targets', j], `expected a string, got ${describeValue(target)}`);
        continue;
      }
      const host = hostOfTarget(target ?? '');
      if (host.ok) this.read.hosts.push({ host: host.host, labels });
      else if (this.read.droppedCount++ < MAX_FINDINGS)
        this.read.dropped.push({ path: [i, 'targets', j], atKey: false, message: host.message });
    }
  }

  /**
   * A group's labels, frozen, shared by its hosts. Names are those Prometheus 3 takes (any
   * non-empty UTF-8, e.g. "service.name"); a label with an empty value is no label.
   */
  #labels(v: unknown, i: number): Readonly<Record<string, string>> {
    if (v === undefined || v === null) return NO_LABELS;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.refuse([i, 'labels'], `expected a mapping of label names to values, got ${describeValue(v)}`);
      return NO_LABELS;
    }
    const entries: [string, string][] = [];
    for (const name in v) {
      const value = (v as Record<string, unknown>)[name];
      if (name === '') this.refuse([i, 'labels', name], 'label name is empty', true);
      else if (typeof value === 'string') {
        if (value !== '') entries.push([name, value]);
      } else if (value !== null)
        this.refuse([i, 'labels', name], `label ${quote(name)} must have a string value, got ${describeValue(value)}`);
    }
    // fromEntries defines each name as an own property, "__proto__" included.
    return entries.length === 0 ? NO_LABELS : Object.freeze(Object.fromEntries(entries));
  }
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

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

type HostOf = { ok: true; host: string } | { ok: false; message: string };

/** `host:port`, `[v6]:port`, or a bare host or IPv6 address: the host. */
export function hostOfTarget(target: unknown): HostOf {
  if (typeof target !== 'string')
    return { ok: false, message: `expected a "host:port" target, got ${describeValue(target)}` };
  const fail = (why: string): HostOf => ({ ok: false, message: `${quote(target)}${why}` });
  if (target.includes('://')) return fail(' is a URL; give "host:port" or a host');
  const blocks = ': address blocks are not taken from service discovery; list them in hosts';
  if (target.includes('/')) return fail(blocks);
  let host = target;
  if (target.startsWith('[')) {
    const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(target);
    if (bracketed === null) return fail(': write an IPv6 address with a port as "[address]:port"');
    host = bracketed[1]!;
    if (isIP(host) !== 6) return fail(`: ${quote(host)} in brackets is not an IPv6 address`);
    if (bracketed[2] !== undefined && !isPort(bracketed[2])) return fail(': the port must be a number 1-65535');
  } else if (target.includes(':') && isIP(target) === 0) {
    const colon = target.lastIndexOf(':');
    host = target.slice(0, colon);
    if (host.includes(':')) return fail(': write IPv6 addresses with a port as "[address]:port"');
    if (!isPort(target.slice(colon + 1))) return fail(': the port must be a number 1-65535');
  }
  if (isBlock(host)) return fail(blocks);
  const problem = hostProblem(host);
  return problem === undefined ? { ok: true, host } : { ok: false, message: problem };
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}
