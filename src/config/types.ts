import type { PortKey } from './port-keys.js';

/** Which address families of a host a monitor checks (the `ip_family` key). */
export type IpFamily = 'auto' | 'ipv4' | 'ipv6' | 'dual';
export const IP_FAMILIES: readonly IpFamily[] = ['auto', 'ipv4', 'ipv6', 'dual'];

/** A validated monitor with defaults applied and port lists expanded. */
export interface MonitorConfig {
  name: string;
  /** Host names, IPv4 or IPv6 literals, as written; address blocks (CIDR) expanded to their addresses. */
  hosts: string[];
  intervalMs: number;
  timeoutMs: number;
  /** Extra attempts before a changed state is believed. */
  retries: number;
  /** auto (also when absent): the families this machine can route; ipv4, ipv6: that one only; dual: both, always. */
  ipFamily?: IpFamily;
  /** Port keys (port-keys.ts: TCP ports as themselves, UDP ports after them), sorted, unique. */
  expectOpen: PortKey[];
  /** Port keys, sorted, unique, disjoint from expectOpen: a port may be open on TCP and closed on UDP. */
  expectClosed: PortKey[];
  /** Extra labels of every port series of the monitor (defaults merged in), names sorted; absent or {} when none. */
  labels?: Readonly<Record<string, string>>;
  /**
   * Hosts whose series carry other labels than `labels` (hosts from service discovery
   * with sd_labels): the whole set, names sorted. Absent when none differ.
   */
  hostLabels?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Prometheus file_sd: files of target groups whose hosts this monitor checks too. */
  fileSd?: FileSdConfig[];
  /** Prometheus http_sd: endpoints serving target groups whose hosts this monitor checks too. */
  httpSd?: HttpSdConfig[];
  /** Port label name to the service-discovery label whose value it takes; absent when none. */
  sdLabels?: Readonly<Record<string, string>>;
  /** Sweeps for open ports nobody declared; absent when not configured. */
  discover?: DiscoverConfig;
}

/** A monitor's `discover` block, validated. */
export interface DiscoverConfig {
  /** The port keys each sweep probes: sorted, unique, declared (expect_*) and allowed ones left out. */
  ports: PortKey[];
  intervalMs: number;
  /** Port keys that may be open without being unexpected, sorted, unique. */
  allow: PortKey[];
}

export interface FileSdConfig {
  /** Patterns as written (relative ones are read from the config file's directory). */
  files: string[];
  /** The config file's directory, against which relative patterns are read. */
  baseDir: string;
  /** How often the files are read even when no change was noticed. */
  refreshIntervalMs: number;
}

export interface HttpSdConfig {
  url: string;
  refreshIntervalMs: number;
}

export interface Config {
  monitors: MonitorConfig[];
}
