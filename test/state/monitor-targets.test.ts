import { describe, expect, it } from 'vitest';
import type { MonitorConfig } from '../../src/config/types.js';
import { PortStore, targetId } from '../../src/state/store.js';
import type { Target } from '../../src/state/target.js';

const HOUR = 3_600_000;
const hostsOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i}.example`);

const monitor = (over: Partial<MonitorConfig> = {}): MonitorConfig => ({
  name: 'web',
  hosts: hostsOf(3),
  intervalMs: HOUR,
  timeoutMs: 3000,
  retries: 2,
  expectOpen: [80, 443],
  expectClosed: [3306],
  ...over,
});

const open = { state: 'open', reason: 'syn-ack', durationSeconds: 0.001 } as const;

/** Every target by id, the objects themselves: a kept target is the same object. */
const snapshot = (store: PortStore): Map<string, Target> => new Map(store.targets());

describe('PortStore applies a change per monitor, touching only what changed', () => {
  it('adds and removes only the targets of the hosts that came and went; the others stay as they were', () => {
    const store = new PortStore();
    const first = store.setTargets([monitor()]);
    expect(first.added.map((t) => t.id)).toHaveLength(9);
    for (const t of store.targets().values()) store.record(t.id, [{ ip: '192.0.2.1', result: open }], 1);
    const before = snapshot(store);

    const changes = store.setTargets([monitor({ hosts: ['h0.example', 'h2.example', 'new.example'] })]);
    expect(changes.added.map((t) => [t.host, t.port])).toEqual([
      ['new.example', 80],
      ['new.example', 443],
      ['new.example', 3306],
    ]);
    expect(changes.removed).toEqual([80, 443, 3306].map((p) => targetId('web', 'h1.example', p)));
    expect(changes.rescheduled).toEqual([]);
    for (const host of ['h0.example', 'h2.example']) {
      for (const port of [80, 443, 3306]) {
        const id = targetId('web', host, port);
        expect(store.get(id)).toBe(before.get(id));
        expect(store.recordsOf(id).map((r) => r.state)).toEqual(['open']);
      }
    }
    // Kept first, in the order they came, then the new ones.
    expect([...store.targets().values()].map((t) => t.host)).toEqual([
      ...['h0.example', 'h0.example', 'h0.example', 'h2.example', 'h2.example', 'h2.example'],
      ...['new.example', 'new.example', 'new.example'],
    ]);
  });

  it('changes nothing for a monitor whose config and hosts are the same', () => {
    const store = new PortStore();
    store.setTargets([monitor(), monitor({ name: 'db' })]);
    const before = snapshot(store);
    const changes = store.setTargets([monitor(), monitor({ name: 'db' })]);
    expect(changes).toEqual({ added: [], removed: [], rescheduled: [] });
    expect(snapshot(store)).toEqual(before);
    for (const [id, t] of store.targets()) expect(t).toBe(before.get(id));
  });

  it('updates changed settings in place and names the monitor to reschedule when its interval changed', () => {
    const store = new PortStore();
    store.setTargets([monitor(), monitor({ name: 'db' })]);
    const before = snapshot(store);
    const changes = store.setTargets([
      monitor({ intervalMs: 2 * HOUR, timeoutMs: 500, retries: 0, ipFamily: 'ipv6' }),
      monitor({ name: 'db', timeoutMs: 100 }),
    ]);
    expect(changes).toEqual({ added: [], removed: [], rescheduled: ['web'] });
    for (const [id, t] of store.targets()) {
      expect(t).toBe(before.get(id));
      const want = t.monitor === 'web' ? [2 * HOUR, 500, 0, 'ipv6'] : [HOUR, 100, 2, undefined];
      expect([t.settings.intervalMs, t.settings.timeoutMs, t.settings.retries, t.settings.ipFamily]).toEqual(want);
    }
    expect([...store.targetsOf('web')]).toHaveLength(9);
    expect([...store.targetsOf('gone')]).toEqual([]);
  });

  it('starts afresh the targets of a changed expectation or changed labels, under the same ids', () => {
    const store = new PortStore();
    store.setTargets([monitor()]);
    for (const t of store.targets().values()) store.record(t.id, [{ ip: '192.0.2.1', result: open }], 1);
    const hostLabels = new Map([['h1.example', { team: 'db' }]]);
    const changes = store.setTargets([monitor({ expectOpen: [80], expectClosed: [443, 3306], hostLabels })]);
    expect(changes).toEqual({ added: [], removed: [], rescheduled: [] });
    const kept = [...store.targets().values()].filter((t) => store.recordsOf(t.id).length > 0);
    // 443 changed expectation everywhere; h1's labels changed, so all of h1's ports start afresh.
    expect(kept.map((t) => [t.host, t.port])).toEqual([
      ['h0.example', 80],
      ['h0.example', 3306],
      ['h2.example', 80],
      ['h2.example', 3306],
    ]);
    expect(store.get(targetId('web', 'h1.example', 80))?.labels).toEqual({ team: 'db' });
  });

  it('adds and removes ports of every host when the port lists change', () => {
    const store = new PortStore();
    store.setTargets([monitor({ hosts: ['a.example'] })]);
    const changes = store.setTargets([monitor({ hosts: ['a.example'], expectOpen: [80, 8080] })]);
    expect(changes.added.map((t) => t.port)).toEqual([8080]);
    expect(changes.removed).toEqual([443].map((p) => targetId('web', 'a.example', p)));
  });

  it('removes every target of a monitor no longer configured, and none of another', () => {
    const store = new PortStore();
    store.setTargets([monitor(), monitor({ name: 'db', hosts: ['db.example'] })]);
    const changes = store.setTargets([monitor({ name: 'db', hosts: ['db.example'] })]);
    expect(changes.added).toEqual([]);
    expect(changes.removed).toHaveLength(9);
    expect(changes.removed.every((id) => id.startsWith('web\u0000'))).toBe(true);
    expect([...store.targets().values()].map((t) => t.monitor)).toEqual(['db', 'db', 'db']);
    expect(store.monitors()).toEqual(['db']);
    // Configured again: new targets, due as new ones.
    expect(store.setTargets([monitor()]).added).toHaveLength(9);
  });
});
