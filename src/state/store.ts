import type { CheckTarget } from '../check/target.js';
import type { IpFamily, MonitorConfig } from '../config/types.js';
import type { Expectation, PortState, ProbeResult, Reason } from '../types.js';
import { isViolation } from '../types.js';
import { DiscoveryState } from './discovery.js';

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

const NO_LABELS: Labels = Object.freeze({});

/** Label sets compared so far, by object: most targets share a few sets, each written out once. */
const keys = new WeakMap<Labels, string>();

/** Equal for the same labels in the same order (names are sorted at config load). */
function sameLabels(a: Labels, b: Labels): boolean {
  return a === b || keyOf(a) === keyOf(b);
}

function keyOf(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = JSON.stringify(labels);
    keys.set(labels, key);
  }
  return key;
}

export interface StateChange {
  readonly record: PortRecord;
  /** undefined on the first result for this address. */
  readonly from: PortState | undefined;
  readonly to: PortState;
}

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

function settingsOf(m: MonitorConfig): MonitorSettings {
  return { monitor: m.name, intervalMs: m.intervalMs, timeoutMs: m.timeoutMs, retries: m.retries, ipFamily: m.ipFamily };
}

/**
 * One configured (monitor, host, port), everything needed to check it, and what its last
 * check found per address. The entry is its own address records and the target the
 * scheduler and checker work on: one object per target rather than three.
 */
export class TargetEntry extends AddressRecords implements CheckTarget {
  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
    readonly expected: Expectation,
    readonly labels: Labels,
    /** Replaced when a reload changes the monitor's interval, timeout, retries or family. */
    public settings: MonitorSettings,
  ) {
    super();
  }

  /** The records by address (the entry itself). */
  get byIp(): AddressRecords {
    return this;
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
class AddressRecord implements PortRecord {
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

export interface AddressResult {
  /** "" when the host did not resolve. */
  ip: string;
  result: ProbeResult;
}

export interface ViolationCounts {
  open: number;
  closed: number;
}

export function targetId(monitor: string, host: string, port: number): string {
  // join() makes a flat string; a template literal makes a rope that each Map lookup flattens into a second copy.
  return [monitor, host, port].join('\u0000');
}

/**
 * Believed port states, keyed by configured target. Checks write into it, metrics and
 * the landing page read it at scrape time, so nothing is computed between scrapes.
 */
export class PortStore {
  /** What discovery sweeps found: read by the same scrapes and pages as the port records. */
  readonly discovery = new DiscoveryState();
  readonly #targets = new Map<string, TargetEntry>();
  #monitors: string[] = [];
  #labels = new Map<string, Labels>();

  /**
   * Make the set of targets equal to the configured one. Targets that stay keep their
   * records; removed ones vanish with their series. A changed expectation or changed
   * labels start the target afresh, since its series carry them as labels.
   */
  setTargets(monitors: readonly MonitorConfig[]): void {
    // Ids only, and entries made in place: 100k interim objects would be garbage the heap keeps until its next full collection.
    const wanted = new Set<string>();
    const newLabels = new Map<string, Labels>();
    let settings: MonitorSettings;
    const wantTarget = (host: string, port: number, expected: Expectation, labels: Labels): void => {
      const id = targetId(settings.monitor, host, port);
      wanted.add(id);
      const existing = this.#targets.get(id);
      if (existing && existing.expected === expected && sameLabels(existing.labels, labels)) {
        existing.settings = settings;
        return;
      }
      this.#targets.set(id, new TargetEntry(id, host, port, expected, labels, settings));
    };
    for (const m of monitors) {
      const labels = m.labels ?? NO_LABELS;
      newLabels.set(m.name, labels);
      settings = settingsOf(m);
      for (const host of m.hosts) {
        const own = m.hostLabels?.get(host) ?? labels;
        for (const port of m.expectOpen) wantTarget(host, port, 'open', own);
        for (const port of m.expectClosed) wantTarget(host, port, 'closed', own);
      }
    }
    for (const id of this.#targets.keys()) {
      if (!wanted.has(id)) this.#targets.delete(id);
    }
    this.#monitors = monitors.map((m) => m.name);
    this.#labels = newLabels;
    this.discovery.setMonitors(monitors);
  }

  /** Every configured target by id, in configuration order. */
  targets(): ReadonlyMap<string, TargetEntry> {
    return this.#targets;
  }

  /** The extra labels of a configured monitor, names sorted ({} when none). */
  labelsOf(monitor: string): Labels {
    return this.#labels.get(monitor) ?? NO_LABELS;
  }

  get(id: string): TargetEntry | undefined {
    return this.#targets.get(id);
  }

  /** The state last believed for this address, the baseline a new result is compared with. */
  confirmedState(id: string, ip: string): PortState | undefined {
    return this.#targets.get(id)?.byIp.get(ip)?.state;
  }

  /**
   * Store the confirmed results of one check of a target. Addresses the host no longer
   * resolves to are dropped. Returns the changes of state, first results included.
   */
  record(id: string, results: readonly AddressResult[], now: number): StateChange[] {
    const target = this.#targets.get(id);
    if (!target) return []; // removed by a reload while its check was running
    // One result for a target of one address is nearly every call: no set of seen addresses then.
    const seen = results.length === 1 && target.byIp.size <= 1 ? undefined : new Set<string>();
    const changes: StateChange[] = [];
    for (const { ip, result } of results) {
      seen?.add(ip);
      const prev = target.byIp.get(ip);
      if (prev) {
        prev.reason = result.reason;
        prev.checkedAt = now;
        prev.durationSeconds = result.durationSeconds;
        if (prev.state !== result.state) {
          changes.push({ record: prev, from: prev.state, to: result.state });
          prev.state = result.state;
          prev.changedAt = now;
        }
        continue;
      }
      const rec = new AddressRecord(target, ip, result.state, result.reason, now, now, result.durationSeconds);
      target.byIp.set(ip, rec);
      changes.push({ record: rec, from: undefined, to: result.state });
    }
    if (seen === undefined) {
      const only = results[0]!.ip;
      // It holds `only` now; anything more is an address gone.
      if (target.byIp.size > 1) for (const ip of [...target.byIp.keys()]) if (ip !== only) target.byIp.delete(ip);
    } else {
      for (const ip of [...target.byIp.keys()]) if (!seen.has(ip)) target.byIp.delete(ip);
    }
    return changes;
  }

  monitors(): readonly string[] {
    return this.#monitors;
  }

  /** Configured (host, port) pairs per monitor; every configured monitor is present. */
  targetCounts(): Map<string, number> {
    const counts = new Map<string, number>(this.#monitors.map((m) => [m, 0]));
    for (const t of this.#targets.values()) counts.set(t.monitor, (counts.get(t.monitor) ?? 0) + 1);
    return counts;
  }

  *records(): IterableIterator<PortRecord> {
    for (const t of this.#targets.values()) yield* t.byIp.values();
  }

  /**
   * Each record, in the order of records(), in one synchronous pass: several times
   * cheaper than the generator (no iterator per target), which matters where a scrape
   * copies 100k+ records in one turn of the event loop.
   */
  forEachRecord(visit: (record: PortRecord) => void): void {
    for (const t of this.#targets.values()) t.byIp.forEach(visit);
  }

  /** Per monitor, how many addresses violate now; every configured monitor is present. */
  violationCounts(): Map<string, ViolationCounts> {
    const counts = new Map<string, ViolationCounts>();
    for (const m of this.#monitors) counts.set(m, { open: 0, closed: 0 });
    this.forEachRecord((r) => {
      if (!isViolation(r.expected, r.state)) return;
      const c = counts.get(r.monitor);
      if (c) c[r.expected] += 1;
    });
    return counts;
  }
}
