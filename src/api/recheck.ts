// The on-demand re-check behind POST /api/v1/check: picks CONFIGURED targets only (an
// operator who just fixed a firewall wants to see it now; nobody may use it to make
// portwatch connect anywhere else), checks them now through the daemon's checker and
// waits a bounded time for the results.
import type { Target } from '../state/target.js';
import { quote } from '../config/describe.js';
import type { StateChange } from '../state/store.js';
import { identityOf, type PortIdentity, type PortRecord } from '../state/port-record.js';
import type { PortState, Protocol, Reason } from '../types.js';

export interface CheckFilter {
  monitor: string;
  /** Exactly as written in the config. */
  host?: string | undefined;
  port?: number | undefined;
  /** Only targets of this protocol; undefined: both. */
  protocol?: Protocol | undefined;
}

/** One address checked: its port (ip "" when the host did not resolve) and what it was found in. */
export interface CheckedAddress extends PortIdentity {
  state: PortState;
  reason: Reason;
  /** Whether this check changed the believed state (a first result counts as a change). */
  changed: boolean;
}

export type CheckOutcome =
  { status: 200; results: CheckedAddress[] } | { status: 400 | 404 | 504; message: string; results?: CheckedAddress[] };

export const MAX_TARGETS_PER_REQUEST = 1_000;
/** Time on top of the slowest target's timeout × attempts: DNS, retry pauses, queueing. */
const MARGIN_MS = 5_000;
const RETRY_PAUSE_MS = 250;

export interface RecheckDeps {
  targets: Iterable<Target>;
  /** Checks one target as the scheduler would (store updated, changes logged). */
  check: (target: Target) => Promise<StateChange[]>;
  /** What the store believes for a target now, per address. */
  records: (id: string) => Iterable<PortRecord>;
  maxTargets?: number;
}

/** The configured targets `filter` names, or why there are none (404) or too many (400). */
export function selectTargets(
  all: Iterable<Target>,
  filter: CheckFilter,
  max: number,
): { targets: Target[] } | { status: 400 | 404; message: string } {
  const ofMonitor: Target[] = [];
  for (const t of all) if (t.monitor === filter.monitor) ofMonitor.push(t);
  if (ofMonitor.length === 0)
    return {
      status: 404,
      message: `monitor ${quote(filter.monitor)} is not configured (or has no hosts checked by this portwatch)`,
    };
  let picked = ofMonitor;
  const { host, port } = filter;
  if (host !== undefined) {
    picked = picked.filter((t) => t.host === host);
    if (picked.length === 0)
      return {
        status: 404,
        message:
          `host ${quote(host)} is not configured in monitor ${quote(filter.monitor)}; ` +
          'give it exactly as in the config',
      };
  }
  const { protocol } = filter;
  if (port !== undefined || protocol !== undefined) {
    picked = picked.filter((t) => (port === undefined || t.port === port) && (protocol ?? t.protocol) === t.protocol);
    const forHost = host === undefined ? '' : ` for host ${quote(host)}`;
    const what =
      port === undefined ? `no ${protocol!.toUpperCase()} port is` : `port ${written(port, protocol)} is not`;
    if (picked.length === 0)
      return { status: 404, message: `${what} configured in monitor ${quote(filter.monitor)}${forHost}` };
  }
  if (picked.length > max)
    return {
      status: 400,
      message: `the request names ${picked.length} targets, more than ${max} at once; narrow it with host and port`,
    };
  return { targets: picked };
}

/** A port as the config notation writes it: "53/udp", "443/tcp", or "443" when no protocol was asked for. */
function written(port: number, protocol: Protocol | undefined): string {
  return protocol === undefined ? String(port) : `${port}/${protocol}`;
}

/** How long to wait for one target: every attempt timing out, with the pauses between them. */
export function waitBoundMs(t: Target): number {
  const { timeoutMs, retries } = t.settings;
  return timeoutMs * (retries + 1) + 2 * RETRY_PAUSE_MS * retries + MARGIN_MS;
}

export async function recheck(deps: RecheckDeps, filter: CheckFilter): Promise<CheckOutcome> {
  const picked = selectTargets(deps.targets, filter, deps.maxTargets ?? MAX_TARGETS_PER_REQUEST);
  if ('status' in picked) return picked;
  const results: CheckedAddress[] = [];
  const done = Promise.all(
    picked.targets.map(async (t) => {
      const changes = await deps.check(t);
      const changed = new Set(changes.map((c) => c.record.ip));
      for (const r of deps.records(t.id)) {
        results.push({
          ...identityOf(r),
          state: r.state,
          reason: r.reason,
          changed: changed.has(r.ip),
        });
      }
    }),
  );
  const boundMs = Math.max(...picked.targets.map(waitBoundMs));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), boundMs);
    timer.unref();
  });
  try {
    const first = await Promise.race([done.then(() => 'done' as const), timedOut]);
    const sorted = [...results].sort(byTarget);
    if (first === 'timeout') {
      return {
        status: 504,
        message: `not every check finished within ${boundMs / 1000}s; they go on and /metrics will show their results`,
        results: sorted,
      };
    }
    return { status: 200, results: sorted };
  } finally {
    clearTimeout(timer);
  }
}

function byTarget(a: CheckedAddress, b: CheckedAddress): number {
  return compare(a.host, b.host) || a.port - b.port || compare(a.protocol, b.protocol) || compare(a.ip, b.ip);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
