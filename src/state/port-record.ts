import type { Expectation, PortState, Reason } from '../types.js';
import type { Labels } from './labels.js';
import type { Target } from './target.js';

/** The believed state of one port on one address of one host of one monitor. */
export interface PortRecord {
  readonly monitor: string;
  readonly host: string;
  /** The address probed; "" when the host did not resolve. */
  readonly ip: string;
  readonly port: number;
  readonly expected: Expectation;
  /** Its target's extra labels, names sorted. */
  readonly labels: Labels;
  state: PortState;
  reason: Reason;
  /** Epoch ms of the last confirmed change of state, or of the first result. */
  changedAt: number;
  /** Epoch ms at which the last check of this port ended. */
  checkedAt: number;
  durationSeconds: number;
}

export function newRecord(
  target: Target,
  ip: string,
  state: PortState,
  reason: Reason,
  changedAt: number,
  checkedAt: number,
  durationSeconds: number,
): PortRecord {
  // Every record is made here, so all of them share one shape.
  const { monitor, host, port, expected, labels } = target;
  return { monitor, host, ip, port, expected, labels, state, reason, changedAt, checkedAt, durationSeconds };
}
