import type { MonitorConfig } from '../config/types.js';
import type { PortState, ProbeResult } from '../types.js';
import { isViolation } from '../types.js';
import { findRecord, forEachRecordIn, heldAs, listOf, type AddressRecords } from './address-records.js';
import { DiscoveryState } from './discovery.js';
import { NO_LABELS, sameLabels, type Labels } from './labels.js';
import { MonitorTargets, type TargetChanges, type TargetIndex } from './monitor-targets.js';
import { PortRecord } from './port-record.js';
import type { RestoreCounts, SavedTarget } from './saved.js';
import { targetId, type Target } from './target.js';

export { targetId } from './target.js';
export type { TargetChanges } from './monitor-targets.js';

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

const NO_RECORDS: readonly PortRecord[] = Object.freeze([]);

/**
 * Believed port states, keyed by configured target. Checks write into it, metrics and
 * the landing page read it at scrape time, so nothing is computed between scrapes.
 */
export class PortStore {
  /** What discovery sweeps found: read by the same scrapes and pages as the port records. */
  readonly discovery = new DiscoveryState();
  readonly #targets = new Map<string, Target>();
  /** The records of each target that has a result, one per address, in the order the addresses came. */
  readonly #records = new Map<string, AddressRecords>();
  /** Each configured monitor's targets, host by host. */
  readonly #groups = new Map<string, MonitorTargets>();
  #monitors: string[] = [];
  #revision = 0;
  /** Counts calls of setTargets: a walk across turns (gatherRecords) sees whether the targets changed under it. */
  #targetSets = 0;

  /**
   * Make the set of targets equal to the configured one, monitor by monitor: a monitor whose
   * config is the same costs a comparison, one whose hosts changed touches only theirs.
   * Targets that stay keep their records; removed ones vanish with their series. A changed
   * expectation or changed labels start the target afresh, since its series carry them as
   * labels. Returns what changed, for the scheduler.
   */
  setTargets(monitors: readonly MonitorConfig[]): TargetChanges {
    const changes: TargetChanges = { added: [], removed: [], rescheduled: [] };
    const wanted = new Set(monitors.map((m) => m.name));
    for (const [name, group] of this.#groups) {
      if (wanted.has(name)) continue;
      group.clear(this.#index, changes);
      this.#groups.delete(name);
    }
    for (const m of monitors) {
      const group = this.#groups.get(m.name);
      if (group === undefined) this.#groups.set(m.name, new MonitorTargets(m, this.#index, changes));
      else group.apply(m, this.#index, changes);
    }
    this.#monitors = monitors.map((m) => m.name);
    this.discovery.setMonitors(monitors);
    this.#revision++;
    this.#targetSets++;
    return changes;
  }

  /** The targets of one configured monitor, host by host (none for a monitor not configured). */
  targetsOf(monitor: string): Iterable<Target> {
    return this.#groups.get(monitor)?.targets() ?? [];
  }

  /** How the monitors' targets reach the maps of this store. */
  readonly #index: TargetIndex = {
    get: (id) => this.#targets.get(id),
    put: (target) => {
      this.#targets.set(target.id, target);
      this.#records.delete(target.id);
    },
    drop: (id) => {
      this.#targets.delete(id);
      this.#records.delete(id);
    },
  };

  /**
   * Counts changes of what is believed (states, targets; not check times): whoever saves
   * the state compares it with the count it last saved, instead of being called on every change.
   */
  get revision(): number {
    return this.#revision + this.discovery.revision;
  }

  /**
   * The believed state of every target that has one, made on demand: the caller may take
   * them across turns of the event loop. The targets are walked live, not copied (a copy
   * of 100k would stall the loop): one removed meanwhile is left out, one added is taken.
   */
  *saved(): Generator<SavedTarget, void, undefined> {
    for (const t of this.#targets.values()) {
      const held = this.#records.get(t.id);
      if (held === undefined) continue;
      const addresses = listOf(held).map(({ ip, state, reason, changedAt, checkedAt, durationSeconds }) => {
        return { ip, state, reason, changedAt, checkedAt, durationSeconds };
      });
      const { monitor, host, port, protocol, expected, labels } = t;
      yield { monitor, host, port, protocol, expected, labels, addresses };
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
      const target = this.#targets.get(targetId(s.monitor, s.host, s.port, s.protocol));
      if (!target || target.expected !== s.expected || !sameLabels(target.labels, s.labels)) {
        counts.dropped++;
        continue;
      }
      const held = this.#records.get(target.id);
      const fresh = s.addresses
        .filter((a) => findRecord(held, a.ip) === undefined)
        .map((a) => new PortRecord(target, a.ip, a.state, a.reason, a.changedAt, a.checkedAt, a.durationSeconds));
      const all = held === undefined ? fresh : [...listOf(held), ...fresh];
      if (fresh.length > 0) this.#records.set(target.id, heldAs(all)!);
      counts.restored++;
    }
    this.#revision++;
    return counts;
  }

  /** Every configured target by id: those kept by reloads first, in the order they came, then the new ones. */
  targets(): ReadonlyMap<string, Target> {
    return this.#targets;
  }

  /** The extra labels of a configured monitor, names sorted ({} when none). */
  labelsOf(monitor: string): Labels {
    return this.#groups.get(monitor)?.labels ?? NO_LABELS;
  }

  get(id: string): Target | undefined {
    return this.#targets.get(id);
  }

  /** What is believed for a target, one record per address; none before its first result. */
  recordsOf(id: string): readonly PortRecord[] {
    const held = this.#records.get(id);
    return held === undefined ? NO_RECORDS : listOf(held);
  }

  /** The state last believed for this address, the baseline a new result is compared with. */
  confirmedState(id: string, ip: string): PortState | undefined {
    return findRecord(this.#records.get(id), ip)?.state;
  }

  /**
   * Store the confirmed results of one check of a target. Addresses the host no longer
   * resolves to are dropped. Returns the changes of state, first results included.
   */
  record(id: string, results: readonly AddressResult[], now: number): StateChange[] {
    const target = this.#targets.get(id);
    if (!target) return []; // removed by a reload while its check was running
    const held = this.#records.get(id);
    const only = results.length === 1 ? results[0]! : undefined;
    let changes: StateChange[];
    if (held !== undefined && !Array.isArray(held) && held.ip === only?.ip) {
      // Nearly every check: one address, the one already held.
      const change = updateRecord(held, only.result, now);
      changes = change === undefined ? [] : [change];
    } else if (held === undefined && only !== undefined) {
      // A first result of one address, as each target's first check: no list to make and drop.
      const { state, reason, durationSeconds } = only.result;
      const record = new PortRecord(target, only.ip, state, reason, now, now, durationSeconds);
      this.#records.set(id, record);
      changes = [{ record, from: undefined, to: state }];
    } else {
      const list = held === undefined ? [] : listOf(held);
      changes = update(target, list, results, now);
      // The addresses left over are the ones this check no longer found.
      const kept = list.length > results.length ? list.filter((r) => results.some((x) => x.ip === r.ip)) : list;
      this.#revision += list.length - kept.length;
      const next = heldAs(kept);
      if (next === undefined) this.#records.delete(id);
      else this.#records.set(id, next);
    }
    if (changes.length > 0) this.#revision++;
    return changes;
  }

  monitors(): readonly string[] {
    return this.#monitors;
  }

  /** Configured (host, port, protocol) targets per monitor; every configured monitor is present. */
  targetCounts(): Map<string, number> {
    const counts = new Map<string, number>(this.#monitors.map((m) => [m, 0]));
    for (const t of this.#targets.values()) counts.set(t.monitor, (counts.get(t.monitor) ?? 0) + 1);
    return counts;
  }

  /** Every record, target by target in the order of targets(). */
  *records(): IterableIterator<PortRecord> {
    for (const id of this.#targets.keys()) yield* this.recordsOf(id);
  }

  /** Each record, in the order of records(), in one synchronous pass without an iterator per target. */
  forEachRecord(visit: (record: PortRecord) => void): void {
    for (const id of this.#targets.keys()) {
      const held = this.#records.get(id);
      if (held !== undefined) forEachRecordIn(held, visit);
    }
  }

  /**
   * Every record, in the order of forEachRecord, gathered across turns of the event loop:
   * pauses (yields) after every `every` targets. Targets set anew during a pause (a reload,
   * a discovery change) start the gathering over in one go, so that the list never holds
   * part of two configurations, and a target moved between monitors is in it once.
   */
  *gatherRecords(every: number): Generator<void, PortRecord[], void> {
    const records: PortRecord[] = [];
    const visit = (r: PortRecord): void => void records.push(r);
    const targetSets = this.#targetSets;
    let walked = 0;
    for (const id of this.#targets.keys()) {
      const held = this.#records.get(id);
      if (held !== undefined) forEachRecordIn(held, visit);
      if (++walked % every !== 0 || walked === this.#targets.size) continue;
      yield;
      if (this.#targetSets === targetSets) continue;
      records.length = 0;
      this.forEachRecord(visit);
      return records;
    }
    return records;
  }

  /** Per monitor, how many addresses violate now; every configured monitor is present. */
  violationCounts(): Map<string, ViolationCounts> {
    const counts = new Map<string, ViolationCounts>();
    for (const m of this.#monitors) counts.set(m, { open: 0, closed: 0 });
    this.forEachRecord(({ target, state }) => {
      if (!isViolation(target.expected, state)) return;
      const c = counts.get(target.monitor);
      if (c) c[target.expected] += 1;
    });
    return counts;
  }
}

/**
 * Writes the results of a check into the records a target holds: known addresses in place,
 * new ones appended. Leaves the records of addresses not among the results for the caller to drop.
 */
function update(target: Target, held: PortRecord[], results: readonly AddressResult[], now: number): StateChange[] {
  const changes: StateChange[] = [];
  // The records this check leaves behind, read when its first new address comes (before it is added).
  let replaced: StateChange['replaced'] | null = null;
  for (const { ip, result } of results) {
    const prev = findRecord(held, ip);
    if (prev !== undefined) {
      const change = updateRecord(prev, result, now);
      if (change !== undefined) changes.push(change);
      continue;
    }
    if (replaced === null) replaced = replacedBy(held, results);
    const record = new PortRecord(target, ip, result.state, result.reason, now, now, result.durationSeconds);
    held.push(record);
    const change: StateChange = { record, from: undefined, to: result.state };
    changes.push(replaced === undefined ? change : { ...change, replaced });
  }
  return changes;
}

/** The records not among `results`, or undefined when there are none (the usual case: same addresses). */
function replacedBy(held: readonly PortRecord[], results: readonly AddressResult[]): StateChange['replaced'] {
  let out: Array<{ ip: string; state: PortState }> | undefined;
  for (const r of held) if (!results.some((x) => x.ip === r.ip)) (out ??= []).push({ ip: r.ip, state: r.state });
  return out;
}

/** Writes one result into the record of its address; returns the change of state, if any. */
function updateRecord(record: PortRecord, result: ProbeResult, now: number): StateChange | undefined {
  record.reason = result.reason;
  record.checkedAt = now;
  record.durationSeconds = result.durationSeconds;
  if (record.state === result.state) return undefined;
  const change = { record, from: record.state, to: result.state };
  record.state = result.state;
  record.changedAt = now;
  return change;
}
