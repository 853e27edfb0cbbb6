/**
 * The per-port families, written straight from the store at scrape time. A scrape of
 * 100k+ addresses must stay cheap, so this is a hand-rolled serializer writing bytes
 * rather than prom-client gauges kept in sync with the store (about 1/8 of the time
 * prom-client's registry takes for the same series).
 */
import type { PortRecord, PortStore, ViolationCounts } from '../state/store.js';
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

/** `{monitor="…",host="…",ip="…",port="…",expected="…"` (no closing brace), labels in PORT_LABELS order. */
function portLabels(r: PortRecord): string {
  return (
    `{monitor="${escapeLabelValue(r.monitor)}",host="${escapeLabelValue(r.host)}",` +
    `ip="${escapeLabelValue(r.ip)}",port="${r.port}",expected="${r.expected}"`
  );
}

// A record's labels never change while it lives (a new expectation makes a new record),
// so each is encoded once and its bytes reused by every later scrape; the entry goes
// with the record.
const labelBytes = new WeakMap<PortRecord, Buffer>();

function labelsOf(r: PortRecord): Buffer {
  let encoded = labelBytes.get(r);
  if (encoded === undefined) {
    encoded = Buffer.from(portLabels(r));
    labelBytes.set(r, encoded);
  }
  return encoded;
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
  if (byReason === undefined) infoTails.set(state, (byReason = new Map()));
  let tail = byReason.get(reason);
  if (tail === undefined) {
    tail = bytes(`,state="${escapeLabelValue(state)}",reason="${escapeLabelValue(reason)}"} 1\n`);
    byReason.set(reason, tail);
  }
  return tail;
}

/** Appends all port families to `out`; HELP and TYPE are written even with no records. */
export function writePortFamilies(store: PortStore, out: ByteWriter): void {
  // Every configured monitor starts at zero for both expectations, so alerts see 0
  // rather than no series. Counted here to save store.violationCounts() a second pass.
  const counts = new Map<string, ViolationCounts>();
  for (const m of store.monitors()) counts.set(m, { open: 0, closed: 0 });

  // One pass over the store, then one tight loop per family straight into `out`: a
  // family's samples must be contiguous, and a single buffer avoids copying 10s of MB
  // from per-family buffers into the final one.
  const records: PortRecord[] = [];
  const labels: Buffer[] = [];
  const violated: boolean[] = [];
  for (const r of store.records()) {
    const v = isViolation(r.expected, r.state);
    if (v) {
      const c = counts.get(r.monitor);
      if (c) c[r.expected] += 1;
    }
    records.push(r);
    labels.push(labelsOf(r));
    violated.push(v);
  }
  const n = records.length;

  out.bytes(HEADER.state);
  for (let i = 0; i < n; i++) out.line(HEAD.state, labels[i]!, STATE_TAIL[records[i]!.state]);
  out.bytes(HEADER.info);
  for (let i = 0; i < n; i++) out.line(HEAD.info, labels[i]!, infoTail(records[i]!.state, records[i]!.reason));
  out.bytes(HEADER.violation);
  for (let i = 0; i < n; i++) out.line(HEAD.violation, labels[i]!, VIOLATION_TAIL[violated[i] ? 1 : 0]);

  let violations = familyHeader(PORT_VIOLATIONS, 'gauge');
  for (const [monitor, c] of counts) {
    const m = escapeLabelValue(monitor);
    violations += `${PORT_VIOLATIONS.name}{monitor="${m}",expected="open"} ${c.open}\n`;
    violations += `${PORT_VIOLATIONS.name}{monitor="${m}",expected="closed"} ${c.closed}\n`;
  }
  out.bytes(bytes(violations));

  out.bytes(HEADER.changed);
  for (let i = 0; i < n; i++) out.lineMsAsSeconds(HEAD.changed, labels[i]!, records[i]!.changedAt);
  out.bytes(HEADER.checked);
  for (let i = 0; i < n; i++) out.lineMsAsSeconds(HEAD.checked, labels[i]!, records[i]!.checkedAt);
  out.bytes(HEADER.duration);
  for (let i = 0; i < n; i++) out.lineValue(HEAD.duration, labels[i]!, formatValue(records[i]!.durationSeconds));
}

/** The port families as text, for tests and tools; the HTTP path keeps the bytes. */
export function renderPortFamilies(store: PortStore): string {
  const out = new ByteWriter();
  writePortFamilies(store, out);
  return out.result().toString('utf8');
}
