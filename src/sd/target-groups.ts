// Prometheus service-discovery target groups (the file_sd and http_sd format): a list of
// `{targets: ["host:port", ...], labels: {name: value}}`. portwatch takes the host part of
// each target; the port is the scrape port of some other job and means nothing here.
import { isIP } from 'node:net';
import { describeValue, quote } from '../config/describe.js';
import type { ConfigProblem } from '../config/errors.js';
import { isBlock } from '../config/blocks.js';
import { hostProblem } from '../config/hosts.js';
import { LABEL_NAME, LABEL_VALUE_MAX } from '../config/labels.js';
import { formatPath } from '../config/positions.js';

/** A host from service discovery and the labels of its target group (shared by the group's hosts). */
export interface DiscoveredHost {
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
}

export type GroupsResult = { ok: true; hosts: DiscoveredHost[] } | { ok: false; problems: ConfigProblem[] };

type Path = (string | number)[];
/** Where the value at a path was written (`atKey`: its key), line and column; 0 and 0 when unknown. */
export type Locate = (path: Path, atKey: boolean) => { line: number; col: number };

const MAX_PROBLEMS = 20;

/** The hosts of a list of target groups in order, or every problem (up to 20) with where it is. */
export function parseTargetGroups(data: unknown, locate: Locate): GroupsResult {
  const problems: ConfigProblem[] = [];
  const report = (path: Path, message: string, atKey = false): void => {
    if (problems.length < MAX_PROBLEMS) problems.push({ ...locate(path, atKey), path: formatPath(path), message });
  };
  if (!Array.isArray(data)) {
    report([], `expected a list of target groups ({targets: [...], labels: {...}}), got ${describeValue(data)}`);
    return { ok: false, problems };
  }
  const hosts: DiscoveredHost[] = [];
  data.forEach((group: unknown, i) => {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      report([i], `expected a target group ({targets: [...], labels: {...}}), got ${describeValue(group)}`);
      return;
    }
    const g = group as Record<string, unknown>;
    for (const key of Object.keys(g)) if (key !== 'targets' && key !== 'labels') report([i, key], `unknown key ${JSON.stringify(key)} (allowed: targets, labels)`, true);
    const labels = groupLabels(g['labels'], (path, message, atKey) => report([i, 'labels', ...path], message, atKey));
    const targets = g['targets'];
    if (targets === undefined) return report([i], 'missing required key "targets"');
    if (!Array.isArray(targets)) return report([i, 'targets'], `expected a list of "host:port" targets, got ${describeValue(targets)}`);
    targets.forEach((target: unknown, j) => {
      const parsed = hostOfTarget(target);
      if (parsed.ok) hosts.push({ host: parsed.host, labels });
      else report([i, 'targets', j], parsed.message);
    });
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, hosts };
}

function groupLabels(v: unknown, report: (path: Path, message: string, atKey?: boolean) => void): Readonly<Record<string, string>> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) {
    report([], `expected a mapping of label names to values, got ${describeValue(v)}`);
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(v)) {
    if (!LABEL_NAME.test(name)) report([name], `label name ${quote(name)} may only contain letters, digits and "_", and must not start with a digit`, true);
    else if (typeof value !== 'string') report([name], `label ${quote(name)} must have a string value, got ${describeValue(value)}`);
    else if (value.length > LABEL_VALUE_MAX) report([name], `label ${quote(name)} has a value longer than ${LABEL_VALUE_MAX} characters`);
    else labels[name] = value;
  }
  return Object.freeze(labels);
}

type HostOf = { ok: true; host: string } | { ok: false; message: string };

/** `host:port`, `[v6]:port`, or a bare host or IPv6 address: the host. */
export function hostOfTarget(target: unknown): HostOf {
  if (typeof target !== 'string') return { ok: false, message: `expected a "host:port" target, got ${describeValue(target)}` };
  const q = quote(target);
  if (target.includes('://')) return { ok: false, message: `${q} is a URL; give "host:port" or a host` };
  if (target.includes('/')) return { ok: false, message: `${q}: address blocks are not taken from service discovery; list them in hosts` };
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
  if (isBlock(host)) return { ok: false, message: `${q}: address blocks are not taken from service discovery; list them in hosts` };
  const problem = hostProblem(host);
  return problem === undefined ? { ok: true, host } : { ok: false, message: problem };
}

function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}
