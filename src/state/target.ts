import type { IpFamily, MonitorConfig } from '../config/types.js';
import type { Expectation, Protocol } from '../types.js';
import type { Labels } from './labels.js';

/**
 * How a monitor checks its targets of one protocol: one object per monitor and protocol,
 * which they share. The store updates it in place at a reload, so that a changed timeout
 * reaches every target of the monitor without a pass over them.
 */
export interface MonitorSettings {
  readonly monitor: string;
  readonly protocol: Protocol;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  /** Absent: auto. */
  ipFamily: IpFamily | undefined;
}

/** One configured (monitor, host, port, protocol): what it is, what it expects, and how its monitor checks it. */
export interface Target {
  /** targetId(monitor, host, port, protocol): the key of the target in the store and the scheduler. */
  readonly id: string;
  readonly monitor: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly expected: Expectation;
  /** The monitor's labels, or its host's from service discovery; shared by the targets that carry the same. */
  readonly labels: Labels;
  /** Its monitor's for its protocol, shared with the monitor's other targets of that protocol. */
  readonly settings: MonitorSettings;
}

/**
 * A TCP target's id has no protocol in it, so that the ids, and with them the schedule
 * phases and saved states, of TCP targets stay what they were before UDP.
 */
export function targetId(monitor: string, host: string, port: number, protocol: Protocol = 'tcp'): string {
  // join() makes a flat string; a template literal makes a rope that each Map lookup flattens into a second copy.
  return protocol === 'tcp' ? [monitor, host, port].join('\u0000') : [monitor, host, port, protocol].join('\u0000');
}

export function settingsOf(m: MonitorConfig, protocol: Protocol): MonitorSettings {
  return {
    monitor: m.name,
    protocol,
    intervalMs: m.intervalMs,
    timeoutMs: m.timeoutMs,
    retries: m.retries,
    ipFamily: m.ipFamily,
  };
}

/** A target checked over its settings' protocol. */
export function newTarget(
  settings: MonitorSettings,
  host: string,
  port: number,
  expected: Expectation,
  labels: Labels,
  id = targetId(settings.monitor, host, port, settings.protocol),
): Target {
  const { monitor, protocol } = settings;
  return { id, monitor, host, port, protocol, expected, labels, settings };
}
