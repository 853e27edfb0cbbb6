import type { CheckTarget } from '../check/target.js';
import type { IpFamily, MonitorConfig } from '../config/types.js';
import type { Expectation, PortState, Reason } from '../types.js';

/** The believed state of one port on one address of one host of one monitor. */
export interface PortRecord {
  readonly monitor: string;
  readonly host: string;
  /** The address probed; "" when the host did not resolve. */
  readonly ip: string;
  readonly port: number;
  readonly expected: Expectation;
  /** Extra labels (the monitor's, or its host's from service discovery), names sorted; shared by the records that carry the same. */
  readonly labels: Labels;
  state: PortState;
  reason: Reason;
  /** Epoch ms of the last confirmed change of state, or of the first result. */
  changedAt: number;
  /** Epoch ms at which the last check of this port ended. */
  checkedAt: number;
  durationSeconds: number;
}

/** Extra labels of a monitor's series, names sorted. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A target's records by address. Nearly every target has one address, so that one is kept
 * inline and a Map made only for a second: a Map per target is most of the memory of 100k
 * targets. Offers the part of Map's interface that is used.
 */
export class AddressRecords {
  #one: PortRecord | undefined;
  #many: Map<string, PortRecord> | undefined;

  get size(): number {
    return this.#many?.size ?? (this.#one === undefined ? 0 : 1);
  }

  get(ip: string): PortRecord | undefined {
    if (this.#many !== undefined) return this.#many.get(ip);
    return this.#one?.ip === ip ? this.#one : undefined;
  }

  set(ip: string, record: PortRecord): void {
    if (this.#many === undefined && (this.#one === undefined || this.#one.ip === ip)) {
      this.#one = record;
      return;
    }
    if (this.#many === undefined) {
      this.#many = new Map([[this.#one!.ip, this.#one!]]);
      this.#one = undefined;
    }
    this.#many.set(ip, record);
  }

  delete(ip: string): boolean {
    if (this.#many !== undefined) return this.#many.delete(ip);
    if (this.#one?.ip !== ip) return false;
    this.#one = undefined;
    return true;
  }

  *keys(): IterableIterator<string> {
    for (const r of this.values()) yield r.ip;
  }

  values(): IterableIterator<PortRecord> {
    if (this.#many !== undefined) return this.#many.values();
    return (this.#one === undefined ? [] : [this.#one]).values();
  }

  /** Each record, without the iterator and array values() makes: scrapes visit 100k+ of these. */
  forEach(visit: (record: PortRecord) => void): void {
    if (this.#many !== undefined) for (const r of this.#many.values()) visit(r);
    else if (this.#one !== undefined) visit(this.#one);
  }
}

/** What every target of one monitor shares: referenced by each target, not copied into it. */
export interface MonitorSettings {
  readonly monitor: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly ipFamily: IpFamily | undefined;
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

/**
 * One configured (monitor, host, port), everything needed to check it, and what its last
 * check found per address (the AddressRecords it extends). It is the target the scheduler
 * and checker work on too: one object per target rather than three.
 */
export class TargetEntry extends AddressRecords implements CheckTarget {
  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
    readonly expected: Expectation,
    readonly labels: Labels,
    /** Its monitor's, replaced at each reload that keeps the target, so new intervals and timeouts apply to it. */
    public settings: MonitorSettings,
  ) {
    super();
  }

  get monitor(): string {
    return this.settings.monitor;
  }

  get intervalMs(): number {
    return this.settings.intervalMs;
  }

  get timeoutMs(): number {
    return this.settings.timeoutMs;
  }

  get retries(): number {
    return this.settings.retries;
  }

  get ipFamily(): IpFamily | undefined {
    return this.settings.ipFamily;
  }
}

/**
 * A PortRecord that reads what its target fixes (monitor, host, port, expectation,
 * labels) from the target's entry instead of copying it: five fields fewer on each of
 * 100k+ records.
 */
export class AddressRecord implements PortRecord {
  constructor(
    readonly target: TargetEntry,
    readonly ip: string,
    public state: PortState,
    public reason: Reason,
    public changedAt: number,
    public checkedAt: number,
    public durationSeconds: number,
  ) {}

  get monitor(): string {
    return this.target.monitor;
  }

  get host(): string {
    return this.target.host;
  }

  get port(): number {
    return this.target.port;
  }

  get expected(): Expectation {
    return this.target.expected;
  }

  get labels(): Labels {
    return this.target.labels;
  }
}
