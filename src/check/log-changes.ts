import type { Logger } from 'pino';
import type { StateChange } from '../state/store.js';
import { isViolation } from '../types.js';

/**
 * One line per confirmed change: warn when a port starts violating its expectation, info
 * when it recovers or moves between harmless states. A first result that is as expected is
 * routine (every port at start-up) and goes to debug.
 */
export function logChanges(log: Logger, changes: readonly StateChange[]): void {
  for (const { record: r, from, to } of changes) {
    const violatesNow = isViolation(r.expected, to);
    const violatedBefore = from !== undefined && isViolation(r.expected, from);
    // Every port's first result takes this way at start-up: no fields built for a level that is off.
    if (!violatesNow && from === undefined && !log.isLevelEnabled('debug')) continue;
    const fields = { monitor: r.monitor, host: r.host, ip: r.ip, port: r.port, expected: r.expected, from: from ?? 'unknown', to, reason: r.reason };
    if (violatesNow && !violatedBefore) {
      log.warn(fields, r.expected === 'closed' ? 'port expected closed is open' : 'port expected open is not open');
    } else if (violatesNow) {
      log.warn(fields, 'port still violates its expectation, state changed');
    } else if (violatedBefore) {
      log.info(fields, 'port is back to its expected state');
    } else if (from === undefined) {
      log.debug(fields, 'first result');
    } else {
      log.info(fields, 'port state changed');
    }
  }
}
