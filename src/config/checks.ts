// Checks across fields. They run even when some values were bad (those hold a
// placeholder: NaN, '' or []; or, where a list or mapping had the wrong type, the raw
// value), so everything is read through type guards.
import { quote } from './describe.js';
import type { Duration } from './fields.js';
import { hostCount, hostFamily, isBlock } from './blocks.js';
import { hostKey } from './hosts.js';
import { formatPortKey } from './port-keys.js';

export interface Finding {
  path: (string | number)[];
  message: string;
}

const LISTED_PORTS = 8;
/** The most host:port targets a config may make, address blocks expanded. */
export const MAX_TARGETS = 1_000_000;

/** The same host twice in one list, in any spelling. */
export function duplicateHosts(hosts: unknown): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  entries(hosts).forEach((host, i) => {
    if (typeof host !== 'string' || host === '') return;
    const first = seen.get(hostKey(host));
    if (first === undefined) seen.set(hostKey(host), i);
    else findings.push({ path: [i], message: `duplicate host ${quote(host)}; already listed as hosts[${first}]` });
  });
  return findings;
}

/** A monitor that checks nothing, or a port expected both open and closed (on the same protocol). */
export function monitorFindings(monitor: unknown): Finding[] {
  if (!isRecord(monitor)) return [];
  const fromSd = !isEmptyList(monitor['file_sd_configs']) || !isEmptyList(monitor['http_sd_configs']);
  if (!fromSd && isEmptyList(monitor['hosts'])) {
    const path = monitor['hosts'] === undefined ? [] : ['hosts'];
    return [{ path, message: 'monitor has no hosts: give hosts, file_sd_configs or http_sd_configs' }];
  }
  if (!fromSd && monitor['sd_labels'] !== undefined) {
    return [
      {
        path: ['sd_labels'],
        message:
          'sd_labels without file_sd_configs or http_sd_configs: there is no service discovery to take labels from',
      },
    ];
  }
  const open = monitor['expect_open'];
  const closed = monitor['expect_closed'];
  if (isEmptyList(open) && isEmptyList(closed) && monitor['discover'] === undefined) {
    return [{ path: [], message: 'monitor checks no ports: give expect_open, expect_closed or both' }];
  }
  const openedBy = new Map<number, number>();
  entries(open).forEach((ports, i) => {
    for (const port of numbers(ports)) if (!openedBy.has(port)) openedBy.set(port, i);
  });
  const findings: Finding[] = [];
  entries(closed).forEach((ports, j) => {
    const clashes = new Map<number, Set<number>>();
    for (const port of numbers(ports)) {
      const i = openedBy.get(port);
      if (i !== undefined) clashes.set(i, (clashes.get(i) ?? new Set()).add(port));
    }
    for (const [i, set] of clashes)
      findings.push({
        path: ['expect_closed', j],
        message: clashMessage(
          [...set].sort((a, b) => a - b),
          i,
        ),
      });
  });
  return findings;
}

function clashMessage(ports: number[], openIndex: number): string {
  const shown = ports.slice(0, LISTED_PORTS).map(formatPortKey).join(', ');
  const more = ports.length > LISTED_PORTS ? ` and ${ports.length - LISTED_PORTS} more` : '';
  const subject = ports.length === 1 ? `port ${shown} is` : `ports ${shown}${more} are`;
  return `${subject} also in expect_open[${openIndex}]; a port cannot be expected both open and closed`;
}

type Timing = (
  interval: unknown,
  timeout: unknown,
  path: Finding['path'],
  blame: 'interval' | 'timeout',
  fromDefaults?: typeof NONE,
) => void;

/** Monitor names used twice, timeouts that do not fit in their interval, literals ip_family excludes. */
export function configFindings(config: unknown): Finding[] {
  if (!isRecord(config)) return [];
  const defaults = isRecord(config['defaults']) ? config['defaults'] : {};
  const findings: Finding[] = [];
  // A bad duration is NaN here, and NaN compares false: no finding on top of its own.
  const timing: Timing = (interval, timeout, path, blame, fromDefaults = NONE) => {
    if (!isDuration(interval) || !isDuration(timeout) || !(timeout.ms >= interval.ms)) return;
    const i = named('interval', interval, fromDefaults.interval);
    const t = named('timeout', timeout, fromDefaults.timeout);
    const message = blame === 'timeout' ? `${t} must be shorter than ${i}` : `${i} must be longer than ${t}`;
    findings.push({ path: [...path, blame], message });
  };
  const defaultTimeout = defaults['timeout'];
  const blame = isDuration(defaultTimeout) && !defaultTimeout.written ? 'interval' : 'timeout';
  timing(defaults['interval'], defaultTimeout, ['defaults'], blame);
  findings.push(...acrossMonitors(entries(config['monitors']), defaults, timing));
  return findings;
}

/** Names used twice, per-monitor timing and ip_family findings, and the target count of all monitors together. */
function acrossMonitors(monitors: unknown[], defaults: Record<string, unknown>, timing: Timing): Finding[] {
  const findings: Finding[] = [];
  const names = new Map<string, number>();
  let targets = 0;
  monitors.forEach((monitor, i) => {
    if (!isRecord(monitor)) return;
    targets += targetCount(monitor);
    const name = monitor['name'];
    if (typeof name === 'string' && name !== '') {
      const first = names.get(name);
      if (first === undefined) names.set(name, i);
      else
        findings.push({
          path: ['monitors', i, 'name'],
          message: `duplicate monitor name ${quote(name)}; already used by monitors[${first}]`,
        });
    }
    findings.push(...familyFindings(monitor, defaults['ip_family'], i));
    const ownInterval = monitor['interval'];
    const ownTimeout = monitor['timeout'];
    if (ownInterval === undefined && ownTimeout === undefined) return; // the defaults, checked above
    const fromDefaults = { interval: ownInterval === undefined, timeout: ownTimeout === undefined };
    const blame = ownTimeout === undefined ? 'interval' : 'timeout';
    timing(
      ownInterval ?? defaults['interval'],
      ownTimeout ?? defaults['timeout'],
      ['monitors', i],
      blame,
      fromDefaults,
    );
  });
  if (targets > MAX_TARGETS) {
    const n = (v: number): string => v.toLocaleString('en-US');
    findings.push({
      path: ['monitors'],
      message:
        `the monitors make ${n(targets)} host:port targets (address blocks expanded); ` +
        `portwatch checks at most ${n(MAX_TARGETS)}: use smaller blocks or fewer ports`,
    });
  }
  return findings;
}

/** Hosts (blocks expanded, overlaps counted twice: an upper bound) times distinct ports of both protocols. */
function targetCount(monitor: Record<string, unknown>): number {
  const hosts = entries(monitor['hosts']).reduce<number>(
    (sum, h) => sum + (typeof h === 'string' ? hostCount(h) : 0),
    0,
  );
  const ports = new Set<number>();
  for (const key of ['expect_open', 'expect_closed'])
    for (const entry of entries(monitor[key])) for (const p of numbers(entry)) ports.add(p);
  return hosts * ports.size;
}

/** An IP literal of the family the monitor excludes could never be checked: say so at the host. */
function familyFindings(monitor: Record<string, unknown>, defaultFamily: unknown, i: number): Finding[] {
  const family = monitor['ip_family'] ?? defaultFamily;
  if (family !== 'ipv4' && family !== 'ipv6') return [];
  const excluded = family === 'ipv4' ? 6 : 4;
  const findings: Finding[] = [];
  entries(monitor['hosts']).forEach((host, j) => {
    if (typeof host === 'string' && hostFamily(host) === excluded) {
      const what = isBlock(host) ? 'address block' : 'address';
      findings.push({
        path: ['monitors', i, 'hosts', j],
        message: `${quote(host)} is an IPv${excluded} ${what}, but ip_family is ${family}`,
      });
    }
  });
  return findings;
}

const NONE = { interval: false, timeout: false };

/** A duration in a message: the user's own text, quoted, or the default portwatch filled in. */
function named(key: string, d: Duration, inDefaults: boolean): string {
  if (!d.written) return `the default ${key} ${d.text}`;
  return inDefaults ? `${key} ${quote(d.text)} (from defaults)` : `${key} ${quote(d.text)}`;
}

function isDuration(v: unknown): v is Duration {
  return typeof v === 'object' && v !== null && typeof (v as Duration).ms === 'number';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyList(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.length === 0);
}

function entries(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : [];
}
