import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../src/config/types.js';
import { portKey } from '../../src/config/port-keys.js';
import { DiscoveryState } from '../../src/state/discovery.js';
import type { PortState } from '../../src/types.js';

const monitor = (ports: number[], extra: Partial<MonitorConfig> = {}): MonitorConfig => ({
  name: 'lab',
  hosts: ['lab.example'],
  intervalMs: 60_000,
  timeoutMs: 1000,
  retries: 1,
  expectOpen: [],
  expectClosed: [],
  discover: { ports, intervalMs: 3_600_000, allow: [] },
  ...extra,
});

/** A sweep of every port: those not listed were closed. */
const sweep = (s: DiscoveryState, at: number, results: Array<[number, PortState]>, ip = '192.0.2.40') =>
  s.recordSweep(
    'lab',
    'lab.example',
    [
      {
        ip,
        open: results.filter(([, x]) => x === 'open').map(([p]) => p),
        errors: results.filter(([, x]) => x === 'error').map(([p]) => p),
      },
    ],
    at,
    0.1,
  );

const ports = (s: DiscoveryState): number[] => s.unexpected().map((u) => u.port);

describe('DiscoveryState: the two-sweep rule', () => {
  it('believes an open port only when two sweeps in a row see it', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([22, 9200])]);
    expect(
      sweep(s, 1, [
        [22, 'closed'],
        [9200, 'open'],
      ]),
    ).toEqual([]);
    expect(ports(s)).toEqual([]);
    expect(s.counts()).toEqual(new Map([['lab', 0]]));
    expect(
      sweep(s, 2, [
        [22, 'closed'],
        [9200, 'open'],
      ]),
    ).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 9200, protocol: 'tcp', unexpected: true },
    ]);
    expect(s.unexpected()).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 9200, protocol: 'tcp', since: 2 },
    ]);
    // Still open: no news, and since stays.
    expect(sweep(s, 3, [[9200, 'open']])).toEqual([]);
    expect(s.unexpected()[0]?.since).toBe(2);
    expect(s.counts()).toEqual(new Map([['lab', 1]]));
  });

  it('keeps a UDP port apart from the TCP one of the same number, and an open|filtered UDP port is no finding', () => {
    const s = new DiscoveryState();
    const udp53 = portKey('udp', 53);
    const udp161 = portKey('udp', 161);
    s.setMonitors([monitor([53, udp53, udp161])]);
    // TCP 53 closed, UDP 53 answered, UDP 161 silent (open|filtered): only the answer counts.
    for (const at of [1, 2])
      sweep(s, at, [
        [53, 'closed'],
        [udp53, 'open'],
        [udp161, 'open|filtered'],
      ]);
    expect(s.unexpected()).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 53, protocol: 'udp', since: 2 },
    ]);
    expect(s.seenOpen('lab', 'lab.example', '192.0.2.40', udp53)).toBe(true);
    expect(s.seenOpen('lab', 'lab.example', '192.0.2.40', 53)).toBe(false);
    // UDP 53 silent now: no longer open.
    expect(sweep(s, 3, [[udp53, 'open|filtered']])).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 53, protocol: 'udp', unexpected: false },
    ]);
  });

  it('raises nothing for one stray answer between closed sweeps', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([9200])]);
    sweep(s, 1, [[9200, 'open']]);
    sweep(s, 2, [[9200, 'filtered']]);
    sweep(s, 3, [[9200, 'open']]);
    expect(ports(s)).toEqual([]);
  });

  it('stops believing it at the first sweep that sees it closed or filtered', () => {
    for (const state of ['closed', 'filtered'] as const) {
      const s = new DiscoveryState();
      s.setMonitors([monitor([9200])]);
      sweep(s, 1, [[9200, 'open']]);
      sweep(s, 2, [[9200, 'open']]);
      expect(sweep(s, 3, [[9200, state]])).toEqual([
        { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 9200, protocol: 'tcp', unexpected: false },
      ]);
      expect(ports(s)).toEqual([]);
      // And it takes two sweeps again.
      sweep(s, 4, [[9200, 'open']]);
      expect(ports(s)).toEqual([]);
    }
  });

  it('changes nothing on an error, neither the belief nor the first sighting', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([22, 9200])]);
    sweep(s, 1, [
      [22, 'open'],
      [9200, 'open'],
    ]);
    sweep(s, 2, [
      [22, 'error'],
      [9200, 'open'],
    ]);
    expect(ports(s)).toEqual([9200]);
    sweep(s, 3, [
      [22, 'open'],
      [9200, 'error'],
    ]);
    expect(ports(s)).toEqual([22, 9200]);
  });

  it('forgets addresses the host no longer resolves to, and keeps everything when it does not resolve', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([9200])]);
    sweep(s, 1, [[9200, 'open']]);
    sweep(s, 2, [[9200, 'open']]);
    expect(sweep(s, 3, [[9200, 'open']], '192.0.2.41')).toEqual([
      { monitor: 'lab', host: 'lab.example', ip: '192.0.2.40', port: 9200, protocol: 'tcp', unexpected: false },
    ]);
    expect(ports(s)).toEqual([]);
  });

  it('drops a port at once when a reload declares or allows it, and everything of a monitor without discovery', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([22, 9200])]);
    sweep(s, 1, [
      [22, 'open'],
      [9200, 'open'],
    ]);
    sweep(s, 2, [
      [22, 'open'],
      [9200, 'open'],
    ]);
    expect(ports(s)).toEqual([22, 9200]);
    // The schema leaves declared and allowed ports out of discover.ports.
    s.setMonitors([monitor([9200], { expectOpen: [22] })]);
    expect(ports(s)).toEqual([9200]);
    s.setMonitors([monitor([], { discover: { ports: [], intervalMs: 1000, allow: [9200] } })]);
    expect(ports(s)).toEqual([]);
    expect(s.counts()).toEqual(new Map([['lab', 0]]));
    const { discover: _, ...without } = monitor([]);
    s.setMonitors([without]);
    expect(s.monitors()).toEqual([]);
    // A sweep that was running when discovery went away is dropped.
    expect(sweep(s, 3, [[9200, 'open']])).toEqual([]);
  });

  it('keeps the last sweep time and duration per monitor', () => {
    const s = new DiscoveryState();
    s.setMonitors([monitor([22])]);
    expect(s.lastSweep('lab')).toBeUndefined();
    s.recordSweep('lab', 'lab.example', [], 5000, 1.5);
    expect(s.lastSweep('lab')).toEqual({ at: 5000, durationSeconds: 1.5 });
  });
});
