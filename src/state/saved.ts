// What the state keeps across a restart, as plain data: what the store and the discovery
// state give to be saved and take back at start. Nothing here knows about files.
import type { Expectation, PortState, Protocol, Reason } from '../types.js';
import type { Labels } from './labels.js';

/** One address's believed state of a target. */
export interface SavedAddress {
  /** "" when the host did not resolve. */
  readonly ip: string;
  readonly state: PortState;
  readonly reason: Reason;
  /** Epoch ms of the last confirmed change (or of the first result). */
  readonly changedAt: number;
  /** Epoch ms at which the last check ended. */
  readonly checkedAt: number;
  readonly durationSeconds: number;
}

/** One configured (monitor, host, port, protocol) and what it believed per address. */
export interface SavedTarget {
  readonly monitor: string;
  readonly host: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly expected: Expectation;
  /** The extra labels its series carried: a target restored under other labels would be other series. */
  readonly labels: Labels;
  readonly addresses: readonly SavedAddress[];
}

/** A port the discovery sweeps of one address believe unexpectedly open, and since when (epoch ms). */
export interface SavedUnexpected {
  readonly port: number;
  readonly protocol: Protocol;
  readonly since: number;
}

export interface SavedSweptAddress {
  readonly ip: string;
  /** TCP ports open at the last sweep that got an answer. */
  readonly seen: readonly number[];
  /** UDP ports likewise. */
  readonly seenUdp: readonly number[];
  /** Of those, the ones seen open by two sweeps in a row. */
  readonly unexpected: readonly SavedUnexpected[];
}

/** What the discovery sweeps of one monitor believe. */
export interface SavedDiscovery {
  readonly monitor: string;
  /** The last completed sweep of a host of the monitor; absent before the first. */
  readonly lastSweep: { readonly at: number; readonly durationSeconds: number } | undefined;
  readonly hosts: ReadonlyArray<{ readonly host: string; readonly addresses: readonly SavedSweptAddress[] }>;
}

/** The counts of a restore, for its log line. */
export interface RestoreCounts {
  /** Entries taken back. */
  restored: number;
  /** Entries no longer configured, or configured differently (expectation, labels): left out. */
  dropped: number;
}
