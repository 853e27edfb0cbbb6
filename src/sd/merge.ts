// The config a daemon runs: the file's monitors with the hosts service discovery found
// added, and the labels sd_labels maps from those hosts' target groups.
import { MAX_TARGETS } from '../config/checks.js';
import { hostKey } from '../config/hosts.js';
import { mergeLabels } from '../config/labels.js';
import type { Config, MonitorConfig } from '../config/types.js';
import type { DiscoveredHost } from './target-groups.js';

type Labels = Readonly<Record<string, string>>;

export interface Merged {
  config: Config;
  /** Per monitor, discovered hosts left out because the targets would pass MAX_TARGETS. */
  dropped: Map<string, number>;
}

/**
 * Each monitor with its discovered hosts after its own, each host once in any spelling:
 * a host listed in `hosts` keeps the monitor's labels, and of two target groups naming
 * one host the first (sources in config order, files in name order) wins. Discovered
 * hosts that would take the targets past MAX_TARGETS are left out (monitors in order).
 */
export function withDiscoveredHosts(
  config: Config,
  discovered: (monitor: string) => readonly DiscoveredHost[],
): Merged {
  const dropped = new Map<string, number>();
  if (!config.monitors.some((m) => m.fileSd || m.httpSd)) return { config, dropped };
  let budget = MAX_TARGETS - config.monitors.reduce((n, m) => n + m.hosts.length * portsOf(m), 0);
  const monitors = config.monitors.map((m) => {
    if (!m.fileSd && !m.httpSd) return m;
    const added = addHosts(m, discovered(m.name), portsOf(m) === 0 ? Infinity : Math.floor(budget / portsOf(m)));
    budget -= (added.monitor.hosts.length - m.hosts.length) * portsOf(m);
    if (added.dropped > 0) dropped.set(m.name, added.dropped);
    return added.monitor;
  });
  return { config: { ...config, monitors }, dropped };
}

function portsOf(m: MonitorConfig): number {
  return m.expectOpen.length + m.expectClosed.length;
}

function addHosts(
  m: MonitorConfig,
  found: readonly DiscoveredHost[],
  room: number,
): { monitor: MonitorConfig; dropped: number } {
  if (found.length === 0) return { monitor: m, dropped: 0 };
  const hosts = [...m.hosts];
  const seen = new Set(hosts.map(hostKey));
  const hostLabels = new Map<string, Labels>();
  const labelsFor = labelMapper(m);
  let dropped = 0;
  for (const { host, labels } of found) {
    const key = hostKey(host);
    if (seen.has(key)) continue;
    seen.add(key);
    if (hosts.length - m.hosts.length >= room) {
      dropped++;
      continue;
    }
    hosts.push(host);
    const own = labelsFor(labels);
    if (own !== undefined) hostLabels.set(host, own);
  }
  return { monitor: hostLabels.size === 0 ? { ...m, hosts } : { ...m, hosts, hostLabels }, dropped };
}

/**
 * The labels of a host of a target group: the monitor's, overridden by the sd_labels the
 * group has (an absent or empty one keeps the monitor's value); undefined when that is
 * just the monitor's. Equal sets are one object, shared by every target that carries it.
 */
function labelMapper(m: MonitorConfig): (group: Labels) => Labels | undefined {
  const mapping = Object.entries(m.sdLabels ?? {});
  if (mapping.length === 0) return () => undefined;
  const byGroup = new WeakMap<Labels, Labels | undefined>();
  const interned = new Map<string, Labels>();
  return (group) => {
    if (byGroup.has(group)) return byGroup.get(group);
    const taken: Record<string, string> = {};
    for (const [to, from] of mapping) if (group[from]) taken[to] = group[from];
    let result: Labels | undefined;
    if (Object.keys(taken).length > 0) {
      const merged = mergeLabels(m.labels, taken);
      const key = JSON.stringify(merged);
      result = interned.get(key) ?? Object.freeze(merged);
      interned.set(key, result);
    }
    byGroup.set(group, result);
    return result;
  };
}
