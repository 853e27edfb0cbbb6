// What discovery sweeps believe: per (monitor, host, address), the ports the last sweep
// saw open and, of those, the ones seen open by two sweeps in a row: the unexpected ones.
// Ports are port keys (config/port-keys.ts), so that one set holds both protocols.
import { portKey, portOfKey, protocolOfKey, type PortKey } from '../config/port-keys.js';
import type { MonitorConfig } from '../config/types.js';
import type { Protocol } from '../types.js';
import type { RestoreCounts, SavedDiscovery } from './saved.js';
import type { Labels } from './labels.js';

/** One port found open by two sweeps in a row that nobody declared or allowed. */
export interface UnexpectedPort {
  readonly monitor: string;
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Epoch ms of the sweep that confirmed it. */
  readonly since: number;
}

/** A port that became unexpected (to: true) or stopped being so (to: false) at a sweep. */
export interface DiscoveryChange {
  readonly monitor: string;
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly unexpected: boolean;
}

export interface SweepSummary {
  /** Epoch ms at which the last sweep of any host of the monitor ended. */
  readonly at: number;
  readonly durationSeconds: number;
}

interface AddressFindings {
  /** Port keys open at the last sweep that got an answer for the port. */
  readonly seen: Set<PortKey>;
  /** Port key to epoch ms since when it is unexpected; always a subset of seen. */
  readonly unexpected: Map<PortKey, number>;
}

interface MonitorFindings {
  /** The port keys its sweeps probe: anything else is no longer believed. */
  sweep: Set<PortKey>;
  labels: Labels;
  /** Hosts from service discovery whose labels differ from the monitor's. */
  hostLabels: ReadonlyMap<string, Labels> | undefined;
  /** The monitor's hosts now: findings about others are not believed. */
  configured: Set<string>;
  readonly hosts: Map<string, Map<string, AddressFindings>>;
  last: SweepSummary | undefined;
}

/**
 * One address's answers of one sweep of every discover port, as port keys: the ports found
 * open, the ports that could not be probed (state error: they change nothing); all others
 * were closed, filtered or (UDP) open|filtered: only an answer counts as open.
 */
export interface AddressSweep {
  ip: string;
  open: readonly PortKey[];
  errors: readonly PortKey[];
}

export class DiscoveryState {
  readonly #monitors = new Map<string, MonitorFindings>();
  #revision = 0;

  /** Counts changes of what is believed, as PortStore.revision does. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Make the monitors with discovery equal to the configured ones. Beliefs about ports a
   * monitor now declares or allows, about hosts it no longer has and about monitors
   * without discovery are dropped at once, with their series.
   */
  setMonitors(monitors: readonly MonitorConfig[]): void {
    const wanted = new Set<string>();
    for (const m of monitors) {
      if (m.discover === undefined) continue;
      wanted.add(m.name);
      const sweep = new Set(m.discover.ports);
      const labels = m.labels ?? {};
      const hosts = new Set(m.hosts);
      let f = this.#monitors.get(m.name);
      if (f === undefined) {
        f = { sweep, labels, hostLabels: m.hostLabels, configured: hosts, hosts: new Map(), last: undefined };
        this.#monitors.set(m.name, f);
        continue;
      }
      f.sweep = sweep;
      f.labels = labels;
      f.hostLabels = m.hostLabels;
      f.configured = hosts;
      for (const host of [...f.hosts.keys()]) if (!hosts.has(host)) f.hosts.delete(host);
      for (const byIp of f.hosts.values()) {
        for (const a of byIp.values()) {
          for (const p of a.seen) if (!sweep.has(p)) a.seen.delete(p);
          for (const p of a.unexpected.keys()) if (!sweep.has(p)) a.unexpected.delete(p);
        }
      }
    }
    for (const name of [...this.#monitors.keys()]) if (!wanted.has(name)) this.#monitors.delete(name);
    this.#revision++;
  }

  /**
   * The answers of one completed sweep of a host. A port open now and at the previous
   * sweep is unexpected; closed or filtered ends that; an error is no news. Addresses
   * the host no longer resolves to are forgotten. Returns what changed.
   */
  recordSweep(
    monitor: string,
    host: string,
    addresses: readonly AddressSweep[],
    endedAt: number,
    durationSeconds: number,
  ): DiscoveryChange[] {
    const f = this.#monitors.get(monitor);
    if (f === undefined) return []; // discovery removed by a reload while the sweep ran
    const changes: DiscoveryChange[] = [];
    const before = f.hosts.get(host) ?? new Map<string, AddressFindings>();
    const after = new Map<string, AddressFindings>();
    for (const { ip, open: open_, errors: errors_ } of addresses) {
      const a = before.get(ip) ?? { seen: new Set<PortKey>(), unexpected: new Map<PortKey, number>() };
      after.set(ip, a);
      const open = new Set(open_);
      const errors = new Set(errors_);
      // Closed or filtered now: only what was seen open before can change.
      for (const port of a.seen) {
        if (open.has(port) || errors.has(port)) continue;
        a.seen.delete(port);
        if (a.unexpected.delete(port)) changes.push(change(monitor, host, ip, port, false));
      }
      for (const port of open) {
        if (!f.sweep.has(port)) continue; // declared or allowed by a reload while the sweep ran
        if (a.seen.has(port) && !a.unexpected.has(port)) {
          a.unexpected.set(port, endedAt);
          changes.push(change(monitor, host, ip, port, true));
        }
        a.seen.add(port);
      }
    }
    for (const [ip, a] of before) {
      if (after.has(ip)) continue;
      for (const port of a.unexpected.keys()) changes.push(change(monitor, host, ip, port, false));
    }
    f.hosts.set(host, after);
    f.last = { at: endedAt, durationSeconds };
    // Every sweep: what was seen open is believed too, and the next sweep judges by it.
    this.#revision++;
    return changes;
  }

  /** What is believed, per monitor with discovery. */
  saved(): SavedDiscovery[] {
    return [...this.#monitors].map(([monitor, f]) => ({
      monitor,
      lastSweep: f.last,
      hosts: [...f.hosts].map(([host, byIp]) => ({
        host,
        addresses: [...byIp].map(([ip, a]) => ({
          ip,
          seen: [...a.seen].filter((k) => protocolOfKey(k) === 'tcp'),
          seenUdp: [...a.seen].filter((k) => protocolOfKey(k) === 'udp').map(portOfKey),
          unexpected: [...a.unexpected].map(([k, since]) => ({
            port: portOfKey(k),
            protocol: protocolOfKey(k),
            since,
          })),
        })),
      })),
    }));
  }

  /**
   * Takes back what was believed about the hosts and ports configured now (as setMonitors
   * keeps them); the rest is dropped. Call after setMonitors, before the first sweep.
   */
  restore(saved: Iterable<SavedDiscovery>): RestoreCounts {
    const counts = { restored: 0, dropped: 0 };
    for (const s of saved) {
      const f = this.#monitors.get(s.monitor);
      if (f === undefined) {
        counts.dropped += s.hosts.length;
        continue;
      }
      f.last ??= s.lastSweep;
      for (const { host, addresses } of s.hosts) {
        if (!f.configured.has(host) || f.hosts.has(host)) {
          counts.dropped++;
          continue;
        }
        const byIp = new Map<string, AddressFindings>();
        for (const a of addresses) {
          const keys = [...a.seen, ...a.seenUdp.map((p) => portKey('udp', p))];
          const seen = new Set(keys.filter((k) => f.sweep.has(k)));
          const unexpected = new Map<PortKey, number>();
          for (const u of a.unexpected) {
            const key = portKey(u.protocol, u.port);
            if (seen.has(key)) unexpected.set(key, u.since);
          }
          byIp.set(a.ip, { seen, unexpected });
        }
        f.hosts.set(host, byIp);
        counts.restored++;
      }
    }
    this.#revision++;
    return counts;
  }

  /** Whether the last sweep that got an answer saw this port (key) open on this address. */
  seenOpen(monitor: string, host: string, ip: string, port: PortKey): boolean {
    return this.#monitors.get(monitor)?.hosts.get(host)?.get(ip)?.seen.has(port) ?? false;
  }

  /** Monitors with discovery, in config order. */
  monitors(): string[] {
    return [...this.#monitors.keys()];
  }

  /** The monitor's extra labels; with `host`, those of that host's series (which service discovery may set). */
  labelsOf(monitor: string, host?: string): Labels {
    const f = this.#monitors.get(monitor);
    return (host === undefined ? undefined : f?.hostLabels?.get(host)) ?? f?.labels ?? {};
  }

  lastSweep(monitor: string): SweepSummary | undefined {
    return this.#monitors.get(monitor)?.last;
  }

  /** Unexpected open ports, by monitor, host, address, protocol (TCP first), port. */
  unexpected(): UnexpectedPort[] {
    const out: UnexpectedPort[] = [];
    for (const [monitor, f] of this.#monitors) {
      for (const [host, byIp] of f.hosts) {
        for (const [ip, a] of byIp)
          for (const [key, since] of a.unexpected) {
            out.push({ monitor, host, ip, port: portOfKey(key), protocol: protocolOfKey(key), since });
          }
      }
    }
    // TCP before UDP, each by port.
    const order = (u: UnexpectedPort): number => (u.protocol === 'udp' ? 0x10000 : 0) + u.port;
    return out.sort(
      (x, y) => cmp(x.monitor, y.monitor) || cmp(x.host, y.host) || cmp(x.ip, y.ip) || order(x) - order(y),
    );
  }

  /** Per monitor with discovery, how many ports are unexpectedly open (0 included). */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [monitor, f] of this.#monitors) {
      let n = 0;
      for (const byIp of f.hosts.values()) for (const a of byIp.values()) n += a.unexpected.size;
      counts.set(monitor, n);
    }
    return counts;
  }
}

function change(monitor: string, host: string, ip: string, key: PortKey, unexpected: boolean): DiscoveryChange {
  return { monitor, host, ip, port: portOfKey(key), protocol: protocolOfKey(key), unexpected };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
