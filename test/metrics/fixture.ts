import type { MonitorConfig } from '../../src/config/types.js';
import { PortStore, targetId } from '../../src/state/store.js';
import type { PortState, Reason } from '../../src/types.js';

export const NOW = 1_700_000_000_000;

export function monitor(name: string, hosts: string[], expectOpen: number[], expectClosed: number[]): MonitorConfig {
  return { name, hosts, intervalMs: 30_000, timeoutMs: 2_000, retries: 1, expectOpen, expectClosed };
}

export const MONITORS: MonitorConfig[] = [
  monitor('web', ['web1.example', '2001:db8::1'], [443], [22]),
  monitor('db', ['db.example'], [], [5432]),
  // Configured but never checked: its violation counts must still read 0.
  monitor('quiet', ['203.0.113.9'], [80], []),
];

export function result(ip: string, state: PortState, reason: Reason, durationSeconds = 0.0125) {
  return { ip, result: { state, reason, durationSeconds } };
}

/**
 * web: one open and one filtered address for 443 (a violation of "open"), 22 closed on
 * one host and open on the other (a violation of "closed"); db: did not resolve.
 */
export function filledStore(): PortStore {
  const store = new PortStore();
  store.setTargets(MONITORS);
  store.record(
    targetId('web', 'web1.example', 443),
    [result('192.0.2.10', 'open', 'syn-ack'), result('2001:db8::10', 'filtered', 'no-response', 2)],
    NOW,
  );
  store.record(targetId('web', 'web1.example', 22), [result('192.0.2.10', 'closed', 'conn-refused')], NOW);
  store.record(targetId('web', '2001:db8::1', 443), [result('2001:db8::1', 'open', 'syn-ack')], NOW - 7_200_000);
  store.record(targetId('web', '2001:db8::1', 22), [result('2001:db8::1', 'open', 'syn-ack')], NOW - 500);
  store.record(targetId('db', 'db.example', 5432), [result('', 'error', 'dns-failure', 0)], NOW);
  return store;
}

/** The sample lines of one family, in the order written. */
export function samples(text: string, family: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${family}{`) || l.startsWith(`${family} `));
}
