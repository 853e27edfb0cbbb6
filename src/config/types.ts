/** A validated monitor with defaults applied and port lists expanded. */
export interface MonitorConfig {
  name: string;
  /** Host names, IPv4 or IPv6 literals, as written. */
  hosts: string[];
  intervalMs: number;
  timeoutMs: number;
  /** Extra attempts before a changed state is believed. */
  retries: number;
  /** Sorted, unique. */
  expectOpen: number[];
  /** Sorted, unique, disjoint from expectOpen. */
  expectClosed: number[];
}

export interface Config {
  monitors: MonitorConfig[];
}
