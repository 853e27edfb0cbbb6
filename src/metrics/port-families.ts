/**
 * The per-port families, written straight from the store at scrape time. A scrape of
 * 100k+ addresses must stay cheap, so this is a hand-rolled serializer writing bytes
 * rather than prom-client gauges kept in sync with the store (bench scenario 4 compares
 * the two).
 */
import type { PortStore, ViolationCounts } from '../state/store.js';
import type { Labels } from '../state/labels.js';
import type { PortRecord } from '../state/port-record.js';
import type { PortState, Reason } from '../types.js';
import { isViolation, STATE_VALUE } from '../types.js';
import { ByteWriter } from './byte-writer.js';
import {
  PORT_LAST_PROBE_TIMESTAMP,
  PORT_PROBE_DURATION,
  PORT_STATE,
  PORT_STATE_CHANGE_TIMESTAMP,
  PORT_STATE_INFO,
  PORT_VIOLATION,
  PORT_VIOLATIONS,
} from './names.js';
import { escapeLabelValue, familyHeader, formatValue } from './text-format.js';

/**
 * `{monitor="…",host="…",ip="…",port="…",protocol="…",expected="…"` (no closing brace),
 * labels in PORT_LABELS order, then the monitor's own labels in name order.
 */
function portLabels({ target: t, ip }: PortRecord): string {
  return (
    `{monitor="${escapeLabelValue(t.monitor)}",host="${escapeLabelValue(t.host)}",` +
    `ip="${escapeLabelValue(ip)}",port="${t.port}",protocol="${t.protocol}",` +
    `expected="${t.expected}"${extraLabels(t.labels)}`
  );
}

/** `,name="value"` for each of a monitor's own labels (names are sorted at config load). */
function extraLabels(labels: Labels): string {
  let out = '';
  for (const name in labels) out += `,${name}="${escapeLabelValue(labels[name]!)}"`;
  return out;
}

function labelsOf(r: PortRecord): Buffer {
  return (r.exposedLabels ??= Buffer.from(portLabels(r)));
}

const bytes = (s: string): Buffer => Buffer.from(s);

const HEAD = {
  state: bytes(PORT_STATE.name),
  info: bytes(PORT_STATE_INFO.name),
  violation: bytes(PORT_VIOLATION.name),
  changed: bytes(PORT_STATE_CHANGE_TIMESTAMP.name),
  checked: bytes(PORT_LAST_PROBE_TIMESTAMP.name),
  duration: bytes(PORT_PROBE_DURATION.name),
};

const HEADER = {
  state: bytes(familyHeader(PORT_STATE, 'gauge')),
  info: bytes(familyHeader(PORT_STATE_INFO, 'gauge')),
  violation: bytes(familyHeader(PORT_VIOLATION, 'gauge')),
  changed: bytes(familyHeader(PORT_STATE_CHANGE_TIMESTAMP, 'gauge')),
  checked: bytes(familyHeader(PORT_LAST_PROBE_TIMESTAMP, 'gauge')),
  duration: bytes(familyHeader(PORT_PROBE_DURATION, 'gauge')),
};

const STATE_TAIL = Object.fromEntries(
  Object.entries(STATE_VALUE).map(([state, value]) => [state, bytes(`} ${value}\n`)]),
) as Record<PortState, Buffer>;
const VIOLATION_TAIL = [bytes('} 0\n'), bytes('} 1\n')] as const;

// States and reasons are closed sets, so their tails are few and built once.
const infoTails = new Map<PortState, Map<Reason, Buffer>>();
function infoTail(state: PortState, reason: Reason): Buffer {
  let byReason = infoTails.get(state);
  if (byReason === undefined) infoTails.set(state, (byReason = new Map<Reason, Buffer>()));
  let tail = byReason.get(reason);
  if (tail === undefined) {
    tail = bytes(`,state="${escapeLabelValue(state)}",reason="${escapeLabelValue(reason)}"} 1\n`);
    byReason.set(reason, tail);
  }
  return tail;
}

/**
 * The store's records and their values, copied record by record, so a scrape written in
 * pieces (yielding to probes in between) is still one consistent picture: later results
 * change the records, not the snapshot, and the violation counts are those of the copied
 * states. The copy itself may be taken in pieces too (snapshotPortsInPieces).
 */
export interface PortSnapshot {
  readonly labels: Buffer[];
  readonly states: PortState[];
  readonly reasons: Reason[];
  readonly violated: Uint8Array;
  readonly changedAt: Float64Array;
  readonly checkedAt: Float64Array;
  readonly duration: Float64Array;
  /** Per-monitor violation counts, every configured monitor included at zero. */
  readonly counts: Map<string, ViolationCounts>;
  /** Per monitor, its own labels encoded as `,name="value"…` ('' for none). */
  readonly monitorLabels: Map<string, string>;
}

export function snapshotPorts(store: PortStore): PortSnapshot {
  const pieces = snapshotPortsInPieces(store, Infinity);
  for (let step = pieces.next(); ; step = pieces.next()) if (step.done === true) return step.value;
}

/**
 * The snapshot, pausing (yield) after every `every` targets gathered and every `every`
 * records copied, so that a caller can let other work run: at 100k targets either pass
 * in one go is long enough to delay probes and other scrapes.
 */
export function* snapshotPortsInPieces(store: PortStore, every = 8192): Generator<void, PortSnapshot, void> {
  // Gathered first, so that the monitors counted below are those of the records' configuration.
  const records = yield* store.gatherRecords(every);
  // Every configured monitor starts at zero for both expectations, so alerts see 0
  // rather than no series. Counted here to save store.violationCounts() a second pass.
  const counts = new Map<string, ViolationCounts>();
  const monitorLabels = new Map<string, string>();
  for (const m of store.monitors()) {
    counts.set(m, { open: 0, closed: 0 });
    monitorLabels.set(m, extraLabels(store.labelsOf(m)));
  }
  const n = records.length;
  const snap: PortSnapshot = {
    labels: new Array<Buffer>(n),
    states: new Array<PortState>(n),
    reasons: new Array<Reason>(n),
    violated: new Uint8Array(n),
    changedAt: new Float64Array(n),
    checkedAt: new Float64Array(n),
    duration: new Float64Array(n),
    counts,
    monitorLabels,
  };
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    const { expected, monitor } = r.target;
    const v = isViolation(expected, r.state);
    if (v) {
      const c = counts.get(monitor);
      if (c) c[expected] += 1;
    }
    snap.labels[i] = labelsOf(r);
    snap.states[i] = r.state;
    snap.reasons[i] = r.reason;
    snap.violated[i] = v ? 1 : 0;
    snap.changedAt[i] = r.changedAt;
    snap.checkedAt[i] = r.checkedAt;
    snap.duration[i] = r.durationSeconds;
    if ((i + 1) % every === 0 && i + 1 < n) yield;
  }
  return snap;
}

/**
 * Writes all port families of a snapshot into `out`, pausing (yield) after every `every`
 * samples so that a caller can hand the bytes on and let other work run. A family's
 * samples stay contiguous; HELP and TYPE are written even with no records.
 */
export function* writePortFamiliesInPieces(
  snap: PortSnapshot,
  out: ByteWriter,
  every = 8192,
): Generator<void, void, void> {
  const n = snap.labels.length;
  const { labels, states, reasons, violated, changedAt, checkedAt, duration } = snap;
  const families: Array<[Buffer, (i: number) => void]> = [
    [HEADER.state, (i) => out.line(HEAD.state, labels[i]!, STATE_TAIL[states[i]!])],
    [HEADER.info, (i) => out.line(HEAD.info, labels[i]!, infoTail(states[i]!, reasons[i]!))],
    [HEADER.violation, (i) => out.line(HEAD.violation, labels[i]!, VIOLATION_TAIL[violated[i]!]!)],
  ];
  const later: Array<[Buffer, (i: number) => void]> = [
    [HEADER.changed, (i) => out.lineMsAsSeconds(HEAD.changed, labels[i]!, changedAt[i]!)],
    [HEADER.checked, (i) => out.lineMsAsSeconds(HEAD.checked, labels[i]!, checkedAt[i]!)],
    [HEADER.duration, (i) => out.lineValue(HEAD.duration, labels[i]!, formatValue(duration[i]!))],
  ];
  let sinceYield = 0;
  function* family(header: Buffer, write: (i: number) => void): Generator<void, void, void> {
    out.bytes(header);
    for (let i = 0; i < n; i++) {
      write(i);
      if (++sinceYield === every) {
        sinceYield = 0;
        yield;
      }
    }
  }
  for (const [header, write] of families) yield* family(header, write);

  let violations = familyHeader(PORT_VIOLATIONS, 'gauge');
  for (const [monitor, c] of snap.counts) {
    const m = escapeLabelValue(monitor);
    const own = snap.monitorLabels.get(monitor) ?? '';
    violations += `${PORT_VIOLATIONS.name}{monitor="${m}",expected="open"${own}} ${c.open}\n`;
    violations += `${PORT_VIOLATIONS.name}{monitor="${m}",expected="closed"${own}} ${c.closed}\n`;
  }
  out.bytes(bytes(violations));

  for (const [header, write] of later) yield* family(header, write);
}

/** Appends all port families to `out` in one go. */
export function writePortFamilies(store: PortStore, out: ByteWriter): void {
  for (const _ of writePortFamiliesInPieces(snapshotPorts(store), out, Infinity));
}

/** The port families as text, for tests and tools; the HTTP path keeps the bytes. */
export function renderPortFamilies(store: PortStore): string {
  const out = new ByteWriter();
  writePortFamilies(store, out);
  return out.result().toString('utf8');
}
