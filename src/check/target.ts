import type { Config, IpFamily, MonitorConfig } from '../config/types.js';
import { targetId } from '../state/store.js';
import type { Expectation } from '../types.js';

/** One configured (monitor, host, port) with everything needed to check it. */
export interface CheckTarget {
  readonly id: string;
  readonly monitor: string;
  readonly host: string;
  readonly port: number;
  readonly expected: Expectation;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  /** Absent: auto. */
  readonly ipFamily?: IpFamily | undefined;
}

/** What every target of one monitor shares. */
interface MonitorSettings {
  readonly monitor: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly ipFamily: IpFamily | undefined;
}

/**
 * A target as four fields of its own and its monitor's settings by reference: a config of
 * 100k targets keeps one of these per target, so a monitor's settings are not copied
 * into each (that copy was most of a target's size, and spilled out of the object).
 */
class ConfiguredTarget implements CheckTarget {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly expected: Expectation;
  readonly #settings: MonitorSettings;

  constructor(id: string, host: string, port: number, expected: Expectation, settings: MonitorSettings) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.expected = expected;
    this.#settings = settings;
  }

  get monitor(): string {
    return this.#settings.monitor;
  }

  get intervalMs(): number {
    return this.#settings.intervalMs;
  }

  get timeoutMs(): number {
    return this.#settings.timeoutMs;
  }

  get retries(): number {
    return this.#settings.retries;
  }

  get ipFamily(): IpFamily | undefined {
    return this.#settings.ipFamily;
  }
}

function settingsOf(m: MonitorConfig): MonitorSettings {
  return { monitor: m.name, intervalMs: m.intervalMs, timeoutMs: m.timeoutMs, retries: m.retries, ipFamily: m.ipFamily };
}

/**
 * The targets of `config` by id. `sameId` may return an equal id string that is kept
 * elsewhere already (the store's), so that 100k+ ids are held once, not twice.
 */
export function targetsOf(config: Config, sameId: (id: string) => string = (id) => id): Map<string, CheckTarget> {
  const targets = new Map<string, CheckTarget>();
  for (const m of config.monitors) {
    const settings = settingsOf(m);
    for (const host of m.hosts) {
      for (const [ports, expected] of [[m.expectOpen, 'open'], [m.expectClosed, 'closed']] as const) {
        for (const port of ports) {
          const id = sameId(targetId(m.name, host, port));
          targets.set(id, new ConfiguredTarget(id, host, port, expected, settings));
        }
      }
    }
  }
  return targets;
}
