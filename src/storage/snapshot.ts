// The adapter between the running state and the file: what to save of it, and how a saved
// state is taken back. The only place that knows both sides, so that the store's insides
// can change without the file format changing, and the other way round.
import type { SavedHttpSd, SavedReads } from '../sd/service-discovery.js';
import type { RestoreCounts } from '../state/saved.js';
import type { PortStore } from '../state/store.js';
import type { SavedState } from './format.js';

/** Where the state to save comes from. */
export interface StateSources {
  store: PortStore;
  /** Each http_sd endpoint's last good read. */
  httpSd: () => readonly SavedHttpSd[];
}

/** The state to save now; targets are taken one by one as the file is written. */
export function snapshotOf(sources: StateSources, nowMs: number): SavedState {
  const { store, httpSd } = sources;
  return { writtenAt: nowMs, targets: store.saved(), discovery: store.discovery.saved(), httpSd: httpSd() };
}

export interface Restored {
  targets: RestoreCounts;
  /** Hosts of monitors with discovery. */
  discovery: RestoreCounts;
}

/**
 * Takes back the saved port and discovery state of what is configured now; call after the
 * targets are set, before any check.
 */
export function restoreInto(store: PortStore, saved: SavedState): Restored {
  return { targets: store.restore(saved.targets), discovery: store.discovery.restore(saved.discovery) };
}

/** The saved last good read of each http_sd endpoint, by monitor and URL, for endpoints created at start. */
export function lastGoodReads(saved: SavedState): SavedReads {
  const reads = new Map(saved.httpSd.map((s) => [`${s.monitor}\u0000${s.url}`, { hosts: s.hosts, atMs: s.atMs }]));
  return (monitor, url) => reads.get(`${monitor}\u0000${url}`);
}
