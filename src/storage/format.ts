// The state file, format version 2: one JSON document (README, "State across restarts"):
//
//   {"format": "portwatch-state", "version": 2, "written_at": "<ISO time>",
//    "targets": [[monitor, host, port, expected, labels,
//                 [[ip, state, reason, changed_at_ms, checked_at_ms, duration_seconds], ...], protocol], ...],
//    "discovery": [{"monitor", "last_sweep": {"at_ms", "duration_seconds"} | null,
//                   "hosts": [{"host", "addresses": [{"ip", "seen": [tcp port, ...], "seen_udp": [udp port, ...],
//                                                     "unexpected": [{"port", "protocol", "since_ms"}, ...]}]}]}],
//    "http_sd": [{"monitor", "url", "read_at_ms", "hosts": [[host, labels], ...]}],
//    "labels": [{name: value}, ...]}
//
// Targets, the bulk of the file, are arrays (half the size of objects); `labels` are
// indexes into the label table, written last since it grows while targets are written.
// Version 1 had no protocols: its targets and ports are TCP ones (decode.ts reads it so).
import type { SavedHttpSd } from '../sd/service-discovery.js';
import type { SavedDiscovery, SavedTarget } from '../state/saved.js';

export const FORMAT = 'portwatch-state';
/**
 * Raised when a reader of the previous version would misread the file; fields added at the
 * end of arrays or to objects do not raise it. 2: protocols (a version 1 reader would take
 * a UDP target for the TCP one of the same port).
 */
export const VERSION = 2;
/** The oldest version this portwatch reads. */
export const OLDEST_VERSION = 1;
export const STATE_FILE = 'state.json';

/** Everything a state file holds. */
export interface SavedState {
  /** Epoch ms. */
  readonly writtenAt: number;
  readonly targets: Iterable<SavedTarget>;
  readonly discovery: readonly SavedDiscovery[];
  readonly httpSd: readonly SavedHttpSd[];
}

/** Targets encoded per turn of the event loop: a few milliseconds of work each. */
const TARGETS_PER_SLICE = 1024;

type Labels = Readonly<Record<string, string>>;

/** Label sets as indexes into one table: most targets share a handful of sets. */
class LabelTable {
  readonly #byObject = new Map<Labels, number>();
  readonly #byKey = new Map<string, number>();
  readonly sets: Labels[] = [];

  indexOf(labels: Labels): number {
    let i = this.#byObject.get(labels);
    if (i !== undefined) return i;
    const key = JSON.stringify(labels);
    i = this.#byKey.get(key);
    if (i === undefined) {
      i = this.sets.length;
      this.sets.push(labels);
      this.#byKey.set(key, i);
    }
    this.#byObject.set(labels, i);
    return i;
  }
}

const q = JSON.stringify;

/** A target as its array, written out by hand: no arrays made per target and address only to be stringified. */
function encodeTarget(t: SavedTarget, labels: number): string {
  let addresses = '';
  for (const a of t.addresses) {
    // Microseconds are all a connect time means; the full double would double the file.
    const duration = Number.isFinite(a.durationSeconds) ? Math.round(a.durationSeconds * 1e6) / 1e6 : 0;
    const times = `${a.changedAt},${a.checkedAt},${duration}`;
    addresses += `${addresses === '' ? '' : ','}[${q(a.ip)},"${a.state}","${a.reason}",${times}]`;
  }
  return `[${q(t.monitor)},${q(t.host)},${t.port},"${t.expected}",${labels},[${addresses}],"${t.protocol}"]`;
}

function encodeDiscovery(d: SavedDiscovery): object {
  const last = d.lastSweep;
  return {
    monitor: d.monitor,
    last_sweep: last === undefined ? null : { at_ms: last.at, duration_seconds: last.durationSeconds },
    hosts: d.hosts.map((h) => ({
      host: h.host,
      addresses: h.addresses.map((a) => ({
        ip: a.ip,
        seen: a.seen,
        seen_udp: a.seenUdp,
        unexpected: a.unexpected.map((u) => ({ port: u.port, protocol: u.protocol, since_ms: u.since })),
      })),
    })),
  };
}

/**
 * The file's text in pieces, a slice of targets per piece: whoever writes them awaits each
 * write, which gives the event loop a turn between slices.
 */
export function* encodeState(state: SavedState): Generator<string, void, undefined> {
  const table = new LabelTable();
  const writtenAt = new Date(state.writtenAt).toISOString();
  yield `{"format":${q(FORMAT)},"version":${VERSION},"written_at":${q(writtenAt)},\n"targets":[`;
  let piece = '';
  let n = 0;
  for (const t of state.targets) {
    piece += `${n === 0 ? '\n' : ',\n'}${encodeTarget(t, table.indexOf(t.labels))}`;
    if (++n % TARGETS_PER_SLICE === 0) {
      yield piece;
      piece = '';
    }
  }
  const httpSd = state.httpSd.map((s) => ({
    monitor: s.monitor,
    url: s.url,
    read_at_ms: s.atMs,
    hosts: s.hosts.map((h) => [h.host, table.indexOf(h.labels)]),
  }));
  const discovery = q(state.discovery.map(encodeDiscovery));
  yield `${piece}\n],\n"discovery":${discovery},\n"http_sd":${q(httpSd)},\n"labels":${q(table.sets)}}\n`;
}
