// The targets of one monitor, host by host, and the settings they share: what a reload or a
// service-discovery change compares with, so that it touches only the hosts that changed.
import { portOfKey, protocolOfKey, type PortKey } from '../config/port-keys.js';
import type { MonitorConfig } from '../config/types.js';
import type { Expectation, Protocol } from '../types.js';
import { NO_LABELS, sameLabels, type Labels } from './labels.js';
import { newTarget, settingsOf, targetId, type MonitorSettings, type Target } from './target.js';

/** What setTargets changed, for whoever schedules the targets' checks. */
export interface TargetChanges {
  /** Targets of ids not configured before, in the order targets() lists them. */
  readonly added: Target[];
  /** Ids no longer configured. */
  readonly removed: string[];
  /** Monitors kept whose interval changed: each of their targets is to be rescheduled. */
  readonly rescheduled: string[];
}

/** The store's targets by id, and what happens to one that goes or starts afresh. */
export interface TargetIndex {
  get(id: string): Target | undefined;
  /** Puts a target in (a new id at the end; an id already there in its place) and drops its records. */
  put(target: Target): void;
  /** Takes a target and its records out. */
  drop(id: string): void;
}

export class MonitorTargets {
  #config: MonitorConfig;
  readonly #settings: Record<Protocol, MonitorSettings>;
  /** Each host's targets, in config order (open ports, then closed ones). */
  readonly #byHost = new Map<string, Target[]>();

  constructor(m: MonitorConfig, index: TargetIndex, changes: TargetChanges) {
    this.#config = m;
    this.#settings = { tcp: settingsOf(m, 'tcp'), udp: settingsOf(m, 'udp') };
    for (const host of m.hosts) this.#byHost.set(host, this.#hostTargets(host, [], index, changes));
  }

  /** The monitor's own labels ({} when none). */
  get labels(): Labels {
    return this.#config.labels ?? NO_LABELS;
  }

  /** Every target of the monitor, host by host; hosts added or removed while it is walked are seen or skipped. */
  *targets(): Generator<Target, void, undefined> {
    for (const list of this.#byHost.values()) yield* list;
  }

  /**
   * Takes the monitor's new config: its settings in place, then only the hosts whose targets
   * differ (all of them when its ports, expectations or labels changed).
   */
  apply(m: MonitorConfig, index: TargetIndex, changes: TargetChanges): void {
    const prev = this.#config;
    this.#config = m;
    if (prev.intervalMs !== m.intervalMs) changes.rescheduled.push(m.name);
    for (const s of Object.values(this.#settings)) Object.assign(s, settingsOf(m, s.protocol));
    const wanted = new Set(m.hosts);
    for (const [host, list] of this.#byHost) {
      if (wanted.has(host)) continue;
      this.#byHost.delete(host);
      dropAll(list, index, changes);
    }
    const samePorts = sameKeys(prev.expectOpen, m.expectOpen) && sameKeys(prev.expectClosed, m.expectClosed);
    const same = samePorts && sameLabels(prev.labels ?? NO_LABELS, m.labels ?? NO_LABELS);
    for (const host of m.hosts) {
      const list = this.#byHost.get(host);
      if (list !== undefined && same && sameLabels(labelsOf(prev, host), labelsOf(m, host))) continue;
      this.#byHost.set(host, this.#hostTargets(host, list ?? [], index, changes));
    }
  }

  /** Takes every target of the monitor out (the monitor is no longer configured). */
  clear(index: TargetIndex, changes: TargetChanges): void {
    for (const list of this.#byHost.values()) dropAll(list, index, changes);
    this.#byHost.clear();
  }

  /**
   * The host's targets as the config says: kept ones with the same expectation and labels
   * keep their records, others start afresh; those of ports no longer listed are dropped.
   */
  #hostTargets(host: string, before: readonly Target[], index: TargetIndex, changes: TargetChanges): Target[] {
    const m = this.#config;
    const labels = labelsOf(m, host);
    const after: Target[] = [];
    for (const key of m.expectOpen) after.push(this.#want(host, key, 'open', labels, index, changes));
    for (const key of m.expectClosed) after.push(this.#want(host, key, 'closed', labels, index, changes));
    if (before.length > 0) {
      const kept = new Set(after.map((t) => t.id));
      for (const t of before) {
        if (kept.has(t.id)) continue;
        index.drop(t.id);
        changes.removed.push(t.id);
      }
    }
    return after;
  }

  #want(host: string, key: PortKey, expected: Expectation, labels: Labels, index: TargetIndex, changes: TargetChanges) {
    const settings = this.#settings[protocolOfKey(key)];
    const port = portOfKey(key);
    const id = targetId(settings.monitor, host, port, settings.protocol);
    const existing = index.get(id);
    if (existing && existing.expected === expected && sameLabels(existing.labels, labels)) return existing;
    const target = newTarget(settings, host, port, expected, labels, id);
    index.put(target);
    if (existing === undefined) changes.added.push(target);
    return target;
  }
}

function labelsOf(m: MonitorConfig, host: string): Labels {
  return m.hostLabels?.get(host) ?? m.labels ?? NO_LABELS;
}

function sameKeys(a: readonly PortKey[], b: readonly PortKey[]): boolean {
  return a === b || (a.length === b.length && a.every((k, i) => k === b[i]));
}

function dropAll(list: readonly Target[], index: TargetIndex, changes: TargetChanges): void {
  for (const t of list) {
    index.drop(t.id);
    changes.removed.push(t.id);
  }
}
