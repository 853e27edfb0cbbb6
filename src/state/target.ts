import type { IpFamily, MonitorConfig } from '../config/types.js';
import type { Expectation } from '../types.js';
import type { Labels } from './labels.js';

/** How a monitor checks each of its targets. */
export interface MonitorSettings {
  readonly monitor: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Absent: auto. */
  readonly ipFamily: IpFamily | undefined;
}

/** One configured (monitor, host, port): what it is, what it expects, and how its monitor checks it. */
export interface Target extends MonitorSettings {
  /** targetId(monitor, host, port): the key of the target in the store and the scheduler. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly expected: Expectation;
  /** The monitor's labels, or its host's from service discovery; shared by the targets that carry the same. */
  readonly labels: Labels;
}

export function targetId(monitor: string, host: string, port: number): string {
  // join() makes a flat string; a template literal makes a rope that each Map lookup flattens into a second copy.
  return [monitor, host, port].join('\u0000');
}

export function settingsOf(m: MonitorConfig): MonitorSettings {
  return {
    monitor: m.name,
    intervalMs: m.intervalMs,
    timeoutMs: m.timeoutMs,
    retries: m.retries,
    ipFamily: m.ipFamily,
  };
}

export function newTarget(
  settings: MonitorSettings,
  host: string,
  port: number,
  expected: Expectation,
  labels: Labels,
  id = targetId(settings.monitor, host, port),
): Target {
  // Every target is made here, so all of them share one shape.
  return {
    id,
    monitor: settings.monitor,
    host,
    port,
    expected,
    labels,
    intervalMs: settings.intervalMs,
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    ipFamily: settings.ipFamily,
  };
}

/** The same target under its monitor's new settings: itself when they did not change. */
export function withSettings(target: Target, settings: MonitorSettings): Target {
  const same =
    target.intervalMs === settings.intervalMs &&
    target.timeoutMs === settings.timeoutMs &&
    target.retries === settings.retries &&
    target.ipFamily === settings.ipFamily;
  return same ? target : newTarget(settings, target.host, target.port, target.expected, target.labels, target.id);
}
