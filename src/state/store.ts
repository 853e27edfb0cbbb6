import type { MonitorConfig } from '../config/types.js';
import type { Expectation, PortState, ProbeResult } from '../types.js';
import { isViolation } from '../types.js';
import { DiscoveryState } from './discovery.js';
import type { RestoreCounts, SavedTarget } from './saved.js';
import {
  AddressRecord,
  settingsOf,
  TargetEntry,
  type Labels,
  type MonitorSettings,
  type PortRecord,
} from './target-entry.js';

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
  /**
   * For a new address of a target that had others, which this result drops (its name
   * stopped resolving, resolved again, or moved): what was believed for those.
   */
  readonly replaced?: ReadonlyArray<{ readonly ip: string; readonly state: PortState }>;
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

/** The records not among `results`, or undefined when there are none (the usual case: same addresses). */
function replacedBy(target: TargetEntry, results: readonly AddressResult[]): StateChange['replaced'] {
  let out: Array<{ ip: string; state: PortState }> | undefined;
  target.forEach((r) => {
    if (!results.some((x) => x.ip === r.ip)) (out ??= []).push({ ip: r.ip, state: r.state });
  });
  return out;
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
  #revision = 0;

  /**
   * Make the set of targets equal to the configured one. Targets that stay keep their
   * records; removed ones vanish with their series. A changed expectation or changed
   * labels start the target afresh, since its series carry them as labels.
   */
  setTargets(monitors: readonly MonitorConfig[]): void {
    // Ids only, and entries made in place: 100k interim objects would be garbage the heap keeps until its next full collection.
    const wanted = new Set<string>();
    const newLabels = new Map<string, Labels>();
    const wantTarget = (
      settings: MonitorSettings,
      host: string,
      port: number,
      expected: Expectation,
      labels: Labels,
    ): void => {
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
      const settings = settingsOf(m);
      for (const host of m.hosts) {
        const own = m.hostLabels?.get(host) ?? labels;
        for (const port of m.expectOpen) wantTarget(settings, host, port, 'open', own);
        for (const port of m.expectClosed) wantTarget(settings, host, port, 'closed', own);
      }
    }
    for (const id of this.#targets.keys()) {
      if (!wanted.has(id)) this.#targets.delete(id);
    }
    this.#monitors = monitors.map((m) => m.name);
    this.#labels = newLabels;
    this.discovery.setMonitors(monitors);
    this.#revision++;
  }

  /**
   * Counts changes of what is believed (states, targets; not check times): whoever saves
   * the state compares it with the count it last saved, instead of being called on every change.
   */
  get revision(): number {
    return this.#revision + this.discovery.revision;
  }

  /**
   * The believed state of every target that has one, made on demand: the caller may take
   * them across turns of the event loop (the list of targets is copied at the first).
   */
  *saved(): Generator<SavedTarget, void, undefined> {
    const entries = [...this.#targets.values()];
    for (const t of entries) {
      if (t.size === 0) continue;
      const addresses = [];
      for (const r of t.values()) {
        const { ip, state, reason, changedAt, checkedAt, durationSeconds } = r;
        addresses.push({ ip, state, reason, changedAt, checkedAt, durationSeconds });
      }
      yield { monitor: t.monitor, host: t.host, port: t.port, expected: t.expected, labels: t.labels, addresses };
    }
  }

  /**
   * Takes back saved states of targets configured now with the same expectation and
   * labels (as setTargets keeps a target); the others are dropped. An address the target
   * already holds is left as it is. Call after setTargets, before the first check.
   */
  restore(saved: Iterable<SavedTarget>): RestoreCounts {
    const counts = { restored: 0, dropped: 0 };
    for (const s of saved) {
      const target = this.#targets.get(targetId(s.monitor, s.host, s.port));
      if (!target || target.expected !== s.expected || !sameLabels(target.labels, s.labels)) {
        counts.dropped++;
        continue;
      }
      for (const a of s.addresses) {
        if (target.get(a.ip)) continue;
        const record = new AddressRecord(target, a.ip, a.state, a.reason, a.changedAt, a.checkedAt, a.durationSeconds);
        target.set(a.ip, record);
      }
      counts.restored++;
    }
    this.#revision++;
    return counts;
  }

  /** Every configured target by id: those kept by reloads first, in the order they came, then the new ones. */
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
    return this.#targets.get(id)?.get(ip)?.state;
  }

  /**
   * Store the confirmed results of one check of a target. Addresses the host no longer
   * resolves to are dropped. Returns the changes of state, first results included.
   */
  record(id: string, results: readonly AddressResult[], now: number): StateChange[] {
    const target = this.#targets.get(id);
    if (!target) return []; // removed by a reload while its check was running
    // One result for a target of one address is nearly every call: no set of seen addresses then.
    const seen = results.length === 1 && target.size <= 1 ? undefined : new Set<string>();
    const changes: StateChange[] = [];
    // The records this result leaves behind, read when its first new address comes (before it is added).
    let replaced: StateChange['replaced'] | null = null;
    for (const { ip, result } of results) {
      seen?.add(ip);
      const prev = target.get(ip);
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
      if (replaced === null) replaced = replacedBy(target, results);
      const rec = new AddressRecord(target, ip, result.state, result.reason, now, now, result.durationSeconds);
      target.set(ip, rec);
      const change: StateChange = { record: rec, from: undefined, to: result.state };
      changes.push(replaced === undefined ? change : { ...change, replaced });
    }
    if (seen === undefined) {
      const only = results[0]!.ip;
      // It holds `only` now; anything more is an address gone.
      if (target.size > 1) for (const ip of [...target.keys()]) if (ip !== only && target.delete(ip)) this.#revision++;
    } else {
      for (const ip of [...target.keys()]) if (!seen.has(ip) && target.delete(ip)) this.#revision++;
    }
    if (changes.length > 0) this.#revision++;
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
    for (const t of this.#targets.values()) yield* t.values();
  }

  /**
   * Each record, in the order of records(), in one synchronous pass: several times
   * cheaper than the generator (no iterator per target), which matters where a scrape
   * copies 100k+ records in one turn of the event loop.
   */
  forEachRecord(visit: (record: PortRecord) => void): void {
    for (const t of this.#targets.values()) t.forEach(visit);
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
