import type { Logger } from 'pino';
import { identityOf } from '../state/port-record.js';
import type { StateChange } from '../state/store.js';
import { isViolation, type PortState } from '../types.js';

/**
 * One line per confirmed change: warn when a port starts violating its expectation, info
 * when it recovers or moves between harmless states. `from` is what was believed before:
 * for an address new to the target (a name that stopped resolving is ip "", one that
 * resolves again is its addresses) the states of the addresses it replaced, listed under
 * `replaced`; "none" when nothing was believed. A first result that is as expected is
 * routine (every port at start-up) and goes to debug, and so does an address that moved
 * with its state unchanged.
 */
export function logChanges(log: Logger, changes: readonly StateChange[]): void {
  for (const change of changes) {
    const { record: r, to } = change;
    const t = r.target;
    const before = believedBefore(change);
    const violatesNow = isViolation(t.expected, to);
    // Every port's first result takes this way at start-up: no fields built for a level that is off.
    if (!violatesNow && before.length === 0 && !log.isLevelEnabled('debug')) continue;
    const violatedBefore = before.some((s) => isViolation(t.expected, s));
    const from = before.length === 0 ? 'none' : [...new Set(before)].join(',');
    const fields = {
      ...identityOf(r),
      from,
      to,
      reason: r.reason,
      ...(change.replaced ? { replaced: change.replaced } : {}),
    };
    if (violatesNow && !violatedBefore) {
      log.warn(fields, t.expected === 'closed' ? 'port expected closed is open' : 'port expected open is not open');
    } else if (before.every((s) => s === to)) {
      log.debug(fields, before.length === 0 ? 'first result' : 'address changed, state as before');
    } else if (violatesNow) {
      log.warn(fields, 'port still violates its expectation, state changed');
    } else if (violatedBefore) {
      log.info(fields, 'port is back to its expected state');
    } else {
      log.info(fields, 'port state changed');
    }
  }
}

/** The states believed before this change: of the address itself, or of those it replaced; none for a first result. */
function believedBefore(change: StateChange): PortState[] {
  if (change.from !== undefined) return [change.from];
  return change.replaced?.map((x) => x.state) ?? [];
}
