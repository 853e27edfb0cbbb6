// What the landing page lists: counts per monitor and state over every port, and one page
// of the ports the filters match, those not as expected first. One pass over the store;
// only the rows up to the page asked for are kept, never the whole list sorted.
import type { UnexpectedPort } from '../state/discovery.js';
import type { PortStore } from '../state/store.js';
import type { Expectation, PortState, Protocol } from '../types.js';
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
  readonly protocol: Protocol;
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
  /** Configured host:port targets, both protocols. */
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
  readonly protocol: Protocol;
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
    compareText(a.protocol, b.protocol) ||
    compareText(a.ip, b.ip)
  );
}

const compareRows = (a: PortRow, b: PortRow): number => compareKeys(rankOf(a.verdict), a, rankOf(b.verdict), b);

export function emptyCounts(targets: number): MonitorCounts {
  return {
    targets,
    states: { open: 0, closed: 0, filtered: 0, 'open|filtered': 0, error: 0 },
    notAsExpected: 0,
    unexpected: 0,
  };
}

function matches(q: LandingQuery, monitor: string, host: string, state: PortState): boolean {
  return (
    (q.monitor === undefined || monitor === q.monitor) &&
    (q.host === undefined || host === q.host) &&
    (q.state === undefined || state === q.state)
  );
}

/** Counts per monitor over every port, and how many rows the filters match. */
function countRows(store: PortStore, q: LandingQuery, unexpected: readonly UnexpectedPort[]): Counted {
  const monitors = new Map<string, MonitorCounts>();
  for (const [monitor, targets] of store.targetCounts()) monitors.set(monitor, emptyCounts(targets));
  let matched = 0;
  store.forEachRecord(({ target: t, state }) => {
    const counts = monitors.get(t.monitor);
    if (counts !== undefined) {
      counts.states[state] += 1;
      if (rankOf(verdictOf(t.expected, state)) === 0) counts.notAsExpected += 1;
    }
    if (matches(q, t.monitor, t.host, state)) matched += 1;
  });
  for (const u of unexpected) {
    const counts = monitors.get(u.monitor);
    if (counts !== undefined) counts.unexpected += 1;
    if (matches(q, u.monitor, u.host, 'open')) matched += 1;
  }
  return { monitors, matched };
}

interface Counted {
  monitors: Map<string, MonitorCounts>;
  matched: number;
}

/**
 * The `limit` first matching rows in list order (sign 1), or the `limit` last (sign -1),
 * in list order either way. Without a full sort: see Smallest.
 */
function selectRows(
  store: PortStore,
  q: LandingQuery,
  unexpected: readonly UnexpectedPort[],
  limit: number,
  sign: 1 | -1,
): PortRow[] {
  const kept = new Smallest<PortRow>(limit, (a, b) => sign * compareRows(a, b));
  store.forEachRecord(({ target, ip, state, reason, changedAt: since, checkedAt }) => {
    const { monitor, host, port, protocol, expected } = target;
    if (!matches(q, monitor, host, state)) return;
    const verdict = verdictOf(expected, state);
    const rank = rankOf(verdict);
    const key: Keyed = { monitor, host, port, protocol, ip };
    if (!kept.admits((row) => sign * compareKeys(rank, key, rankOf(row.verdict), row))) return;
    kept.add({ verdict, monitor, host, ip, port, protocol, expected, state, reason, since, checkedAt });
  });
  for (const u of unexpected) {
    const row: PortRow = { ...u, verdict: 'unexpected', expected: undefined, state: 'open', reason: 'discovery' };
    if (matches(q, row.monitor, row.host, row.state) && kept.admits((k) => sign * compareRows(row, k))) kept.add(row);
  }
  const rows = kept.sorted();
  return sign === 1 ? rows : rows.reverse();
}

/**
 * Counts and the page of rows `q` asks for; a page past the last is a LandingQueryError.
 * A page in the second half is chosen from the end, so the last page costs what the first does.
 */
export function landingRows(store: PortStore, q: LandingQuery, pageSize: number): LandingRows {
  const unexpected = store.discovery.unexpected();
  const { monitors, matched } = countRows(store, q, unexpected);
  const pages = Math.max(1, Math.ceil(matched / pageSize));
  if (q.page > pages) throw new LandingQueryError(`page: ${q.page} is past the last page, ${pages}`);
  const start = (q.page - 1) * pageSize;
  const rows =
    start + pageSize <= matched - start
      ? selectRows(store, q, unexpected, start + pageSize, 1).slice(start)
      : selectRows(store, q, unexpected, matched - start, -1).slice(0, pageSize);
  return { monitors, matched, pages, rows };
}
