// What the landing page lists: counts per monitor and state over every port, and one page
// of the ports the filters match, those not as expected first. One pass over the store;
// only the rows up to the page asked for are kept, never the whole list sorted.
import type { PortStore } from '../state/store.js';
import type { Expectation, PortState } from '../types.js';
import { LandingQueryError, type LandingQuery } from './landing-query.js';
import { Smallest } from './smallest.js';

/**
 * What a row means to the operator, named as the alerts are: exposed (expected closed,
 * found open), unreachable (expected open, found otherwise), unexpected (open, declared
 * nowhere, found by discovery), unchecked (expected closed, could not be checked), ok.
 */
export type Verdict = 'exposed' | 'unreachable' | 'unexpected' | 'unchecked' | 'ok';

export interface PortRow {
  readonly verdict: Verdict;
  readonly monitor: string;
  readonly host: string;
  /** "" when the host did not resolve. */
  readonly ip: string;
  readonly port: number;
  /** Undefined for a port discovery found, which no monitor declares. */
  readonly expected: Expectation | undefined;
  readonly state: PortState;
  readonly reason: string;
  /** Epoch ms since when the port is in this state (for discovery: confirmed open). */
  readonly since: number;
  /** Epoch ms of the last check; absent for discovery rows. */
  readonly checkedAt?: number;
}

export interface MonitorCounts {
  /** Configured host:port pairs. */
  targets: number;
  /** Addresses checked, by state. */
  readonly states: Record<PortState, number>;
  /** Exposed and unreachable ports. */
  notAsExpected: number;
  unexpected: number;
}

export interface LandingRows {
  /** Every configured monitor, in config order. */
  readonly monitors: ReadonlyMap<string, MonitorCounts>;
  /** How many rows the filters match, over all pages. */
  readonly matched: number;
  /** At least 1. */
  readonly pages: number;
  /** The page asked for, in order. */
  readonly rows: readonly PortRow[];
}

interface Keyed {
  readonly monitor: string;
  readonly host: string;
  readonly port: number;
  readonly ip: string;
}

export function verdictOf(expected: Expectation, state: PortState): Verdict {
  if (expected === 'closed') return state === 'open' ? 'exposed' : state === 'error' ? 'unchecked' : 'ok';
  return state === 'open' ? 'ok' : 'unreachable';
}

/** 0 for the rows listed first: those an alert fires for. */
function rankOf(verdict: Verdict): number {
  return verdict === 'exposed' || verdict === 'unreachable' || verdict === 'unexpected' ? 0 : 1;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareKeys(rankA: number, a: Keyed, rankB: number, b: Keyed): number {
  return (
    rankA - rankB ||
    compareText(a.monitor, b.monitor) ||
    compareText(a.host, b.host) ||
    a.port - b.port ||
    compareText(a.ip, b.ip)
  );
}

const compareRows = (a: PortRow, b: PortRow): number => compareKeys(rankOf(a.verdict), a, rankOf(b.verdict), b);

export function emptyCounts(targets: number): MonitorCounts {
  return { targets, states: { open: 0, closed: 0, filtered: 0, error: 0 }, notAsExpected: 0, unexpected: 0 };
}

function matches(q: LandingQuery, row: { monitor: string; host: string; state: PortState }): boolean {
  return (
    (q.monitor === undefined || row.monitor === q.monitor) &&
    (q.host === undefined || row.host === q.host) &&
    (q.state === undefined || row.state === q.state)
  );
}

/** Counts and the page of rows `q` asks for; a page past the last is a LandingQueryError. */
export function landingRows(store: PortStore, q: LandingQuery, pageSize: number): LandingRows {
  const monitors = new Map<string, MonitorCounts>();
  for (const [monitor, targets] of store.targetCounts()) monitors.set(monitor, emptyCounts(targets));
  const kept = new Smallest<PortRow>(q.page * pageSize, compareRows);
  let matched = 0;
  store.forEachRecord((r) => {
    const verdict = verdictOf(r.expected, r.state);
    const counts = monitors.get(r.monitor);
    if (counts !== undefined) {
      counts.states[r.state] += 1;
      if (rankOf(verdict) === 0) counts.notAsExpected += 1;
    }
    if (!matches(q, r)) return;
    matched += 1;
    const rank = rankOf(verdict);
    if (!kept.admits((row) => compareKeys(rank, r, rankOf(row.verdict), row))) return;
    const { monitor, host, ip, port, expected, state, reason, changedAt: since, checkedAt } = r;
    kept.add({ verdict, monitor, host, ip, port, expected, state, reason, since, checkedAt });
  });
  for (const u of store.discovery.unexpected()) {
    const counts = monitors.get(u.monitor);
    if (counts !== undefined) counts.unexpected += 1;
    const row: PortRow = { ...u, verdict: 'unexpected', expected: undefined, state: 'open', reason: 'discovery' };
    if (!matches(q, row)) continue;
    matched += 1;
    if (kept.admits((k) => compareRows(row, k))) kept.add(row);
  }
  const pages = Math.max(1, Math.ceil(matched / pageSize));
  if (q.page > pages) throw new LandingQueryError(`page: ${q.page} is past the last page, ${pages}`);
  return { monitors, matched, pages, rows: kept.sorted().slice((q.page - 1) * pageSize) };
}
