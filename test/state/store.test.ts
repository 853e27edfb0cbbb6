import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../src/config/types.js';
import { portKey } from '../../src/config/port-keys.js';
import { PortStore, targetId } from '../../src/state/store.js';
import type { PortState, ProbeResult } from '../../src/types.js';

const monitor = (over: Partial<MonitorConfig> = {}): MonitorConfig => ({
  name: 'web',
  hosts: ['www.example.com'],
  intervalMs: 3_600_000,
  timeoutMs: 3000,
  retries: 2,
  expectOpen: [443],
  expectClosed: [3306],
  ...over,
});
const result = (state: PortState): ProbeResult => ({
  state,
  reason: state === 'open' ? 'syn-ack' : 'conn-refused',
  durationSeconds: 0.001,
});

describe('PortStore', () => {
  const https = targetId('web', 'www.example.com', 443);
  const mysql = targetId('web', 'www.example.com', 3306);

  it('records first results as changes from nothing, then only real changes', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    const first = store.record(
      https,
      [
        { ip: '192.0.2.7', result: result('open') },
        { ip: '2001:db8::7', result: result('closed') },
      ],
      1000,
    );
    expect(first.map((c) => [c.record.ip, c.from, c.to])).toEqual([
      ['192.0.2.7', undefined, 'open'],
      ['2001:db8::7', undefined, 'closed'],
    ]);
    expect(
      store.record(
        https,
        [
          { ip: '192.0.2.7', result: result('open') },
          { ip: '2001:db8::7', result: result('closed') },
        ],
        2000,
      ),
    ).toEqual([]);
    const rec = [...store.records()].find((r) => r.ip === '192.0.2.7')!;
    expect(rec).toMatchObject({ changedAt: 1000, checkedAt: 2000, state: 'open' });
  });

  it('drops addresses a host no longer resolves to', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    store.record(
      https,
      [
        { ip: '192.0.2.7', result: result('open') },
        { ip: '2001:db8::7', result: result('open') },
      ],
      1000,
    );
    store.record(https, [{ ip: '', result: { state: 'error', reason: 'dns-failure', durationSeconds: 0 } }], 2000);
    expect([...store.records()].map((r) => [r.ip, r.state])).toEqual([['', 'error']]);
  });

  it('counts violations per monitor and expectation, zero for quiet monitors', () => {
    const store = new PortStore();
    store.setTargets([monitor(), monitor({ name: 'quiet', hosts: ['192.0.2.9'] })]);
    store.record(https, [{ ip: '192.0.2.7', result: result('closed') }], 1);
    store.record(
      mysql,
      [
        { ip: '192.0.2.7', result: result('open') },
        { ip: '2001:db8::7', result: { state: 'filtered', reason: 'no-response', durationSeconds: 3 } },
      ],
      1,
    );
    expect(Object.fromEntries(store.violationCounts())).toEqual({
      web: { open: 1, closed: 1 },
      quiet: { open: 0, closed: 0 },
    });
    expect(Object.fromEntries(store.targetCounts())).toEqual({ web: 2, quiet: 2 });
  });

  it('keeps records of targets that stay on reload and forgets removed and re-expected ones', () => {
    const store = new PortStore();
    store.setTargets([monitor({ expectOpen: [443, 80] })]);
    for (const id of [https, mysql, targetId('web', 'www.example.com', 80)])
      store.record(id, [{ ip: '192.0.2.7', result: result('open') }], 1);
    store.setTargets([monitor({ expectOpen: [3306], expectClosed: [443] })]);
    expect([...store.records()]).toEqual([]);
    store.setTargets([monitor()]);
    store.record(https, [{ ip: '192.0.2.7', result: result('open') }], 1);
    store.setTargets([monitor({ expectClosed: [3306, 5432] })]);
    expect([...store.records()].map((r) => r.target.port)).toEqual([443]);
    expect(store.record(targetId('gone', 'x', 1), [{ ip: '192.0.2.1', result: result('open') }], 1)).toEqual([]);
  });
});

describe('PortStore targets per protocol', () => {
  const udp = (port: number): number => portKey('udp', port);

  it('keeps a TCP id as it was before protocols, and gives a UDP target an id of its own', () => {
    expect(targetId('web', 'www.example.com', 53)).toBe('web\u0000www.example.com\u000053');
    expect(targetId('web', 'www.example.com', 53, 'tcp')).toBe(targetId('web', 'www.example.com', 53));
    expect(targetId('web', 'www.example.com', 53, 'udp')).toBe('web\u0000www.example.com\u000053\u0000udp');
  });

  it('holds the same port open on TCP and closed on UDP as two targets, each with its own records', () => {
    const store = new PortStore();
    store.setTargets([monitor({ expectOpen: [53], expectClosed: [udp(53)] })]);
    const [tcp, dns] = [targetId('web', 'www.example.com', 53), targetId('web', 'www.example.com', 53, 'udp')];
    expect([...store.targets().values()].map((t) => [t.id, t.port, t.protocol, t.expected])).toEqual([
      [tcp, 53, 'tcp', 'open'],
      [dns, 53, 'udp', 'closed'],
    ]);
    store.record(tcp, [{ ip: '192.0.2.7', result: result('open') }], 1000);
    const silence = { state: 'open|filtered', reason: 'no-response', durationSeconds: 3 } as const;
    store.record(dns, [{ ip: '192.0.2.7', result: silence }], 1000);
    // open|filtered satisfies expected closed; both are fine.
    expect(store.violationCounts().get('web')).toEqual({ open: 0, closed: 0 });
    expect([...store.saved()].map((s) => [s.port, s.protocol, s.addresses[0]?.state])).toEqual([
      [53, 'tcp', 'open'],
      [53, 'udp', 'open|filtered'],
    ]);
  });
});

describe('PortStore labels per host', () => {
  const payments = Object.freeze({ env: 'prod', team: 'payments' });
  const withHosts = (hostLabels?: Map<string, Record<string, string>>): MonitorConfig =>
    monitor({
      hosts: ['a.example', 'b.example'],
      labels: { env: 'prod', team: 'web' },
      ...(hostLabels && { hostLabels }),
    });
  const id = (host: string, port: number): string => targetId('web', host, port);

  it('gives each host its own labels, the monitor labels to the others', () => {
    const store = new PortStore();
    store.setTargets([withHosts(new Map([['b.example', payments]]))]);
    for (const port of [443, 3306]) {
      store.record(id('a.example', port), [{ ip: '192.0.2.1', result: result('closed') }], 1);
      store.record(id('b.example', port), [{ ip: '192.0.2.2', result: result('closed') }], 1);
    }
    const labels = [...store.records()].map(({ target: t }) => [t.host, t.port, t.labels]);
    expect(labels).toEqual([
      ['a.example', 443, { env: 'prod', team: 'web' }],
      ['a.example', 3306, { env: 'prod', team: 'web' }],
      ['b.example', 443, payments],
      ['b.example', 3306, payments],
    ]);
    // Per-monitor series keep the monitor's labels.
    expect(store.labelsOf('web')).toEqual({ env: 'prod', team: 'web' });
  });

  it('starts afresh only the targets of a host whose labels changed, whatever object holds equal labels', () => {
    const store = new PortStore();
    store.setTargets([withHosts(new Map([['b.example', payments]]))]);
    for (const host of ['a.example', 'b.example'])
      store.record(id(host, 443), [{ ip: '192.0.2.1', result: result('open') }], 1);
    // Equal labels in a new object: kept.
    store.setTargets([withHosts(new Map([['b.example', { env: 'prod', team: 'payments' }]]))]);
    expect(store.recordsOf(id('a.example', 443)).length).toBe(1);
    expect(store.recordsOf(id('b.example', 443)).length).toBe(1);
    // b.example moves to another team: its series start again with the new label; a.example keeps its record.
    store.setTargets([withHosts(new Map([['b.example', { env: 'prod', team: 'ops' }]]))]);
    expect(store.recordsOf(id('a.example', 443)).length).toBe(1);
    expect(store.recordsOf(id('b.example', 443)).length).toBe(0);
    expect(store.get(id('b.example', 443))?.labels).toEqual({ env: 'prod', team: 'ops' });
  });
});

describe('PortStore records of one target', () => {
  const id = targetId('web', 'www.example.com', 443);
  const at = (ip: string, state: PortState = 'open') => ({ ip, result: result(state) });

  it('goes from one address to many and back, keeping what each address believed', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    expect([store.recordsOf(id), store.confirmedState(id, '203.0.113.1')]).toEqual([[], undefined]);
    store.record(id, [at('203.0.113.1')], 1);
    store.record(id, [at('203.0.113.1')], 2);
    expect(store.recordsOf(id).length).toBe(1);
    const more = store.record(id, [at('203.0.113.1'), at('::1', 'closed')], 3);
    expect(more.map((c) => [c.record.ip, c.from, c.to, c.replaced])).toEqual([['::1', undefined, 'closed', undefined]]);
    expect(store.recordsOf(id).map((r) => r.ip)).toEqual(['203.0.113.1', '::1']);
    store.record(id, [at('::1', 'closed')], 4);
    expect(store.recordsOf(id).map((r) => [r.ip, r.changedAt, r.checkedAt])).toEqual([['::1', 3, 4]]);
    expect(store.confirmedState(id, '203.0.113.1')).toBeUndefined();
  });

  it('names what a new address replaces', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    store.record(id, [at('203.0.113.1')], 1);
    const moved = store.record(id, [at('203.0.113.2', 'closed')], 2);
    expect(moved.map((c) => [c.record.ip, c.from, c.to, c.replaced])).toEqual([
      ['203.0.113.2', undefined, 'closed', [{ ip: '203.0.113.1', state: 'open' }]],
    ]);
    expect(store.recordsOf(id).map((r) => r.ip)).toEqual(['203.0.113.2']);
  });

  it('gives a target kept by a reload its new settings and keeps its records', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    store.record(id, [at('203.0.113.1')], 1);
    store.setTargets([monitor({ intervalMs: 60_000, timeoutMs: 1000 })]);
    expect(store.get(id)?.settings).toMatchObject({ intervalMs: 60_000, timeoutMs: 1000, retries: 2 });
    expect(store.recordsOf(id).map((r) => [r.ip, r.state])).toEqual([['203.0.113.1', 'open']]);
  });
});
