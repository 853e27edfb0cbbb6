import { describe, expect, it } from 'vitest';
import { MAX_TARGETS } from '../../src/config/checks.js';
import { parseConfig } from '../../src/config/load.js';
import type { Config, MonitorConfig } from '../../src/config/types.js';
import { withDiscoveredHosts } from '../../src/sd/merge.js';
import type { DiscoveredHost } from '../../src/sd/target-groups.js';

const FILE_SD = [{ files: ['targets/*.json'], baseDir: '/etc/portwatch', refreshIntervalMs: 300_000 }];

function monitor(name: string, extra: Partial<MonitorConfig> = {}): MonitorConfig {
  return {
    name,
    hosts: [],
    intervalMs: 60_000,
    timeoutMs: 3_000,
    retries: 2,
    ipFamily: 'auto',
    expectOpen: [80],
    expectClosed: [22],
    fileSd: FILE_SD,
    ...extra,
  };
}

const found = (hosts: string[], labels: Readonly<Record<string, string>> = Object.freeze({})): DiscoveredHost[] =>
  hosts.map((host) => ({ host, labels }));

describe('withDiscoveredHosts', () => {
  it('returns the config itself when no monitor has service discovery', () => {
    const config = parseConfig(
      'monitors:\n  - name: web\n    hosts: [www.example.com]\n    expect_open: [80]\n',
      '/etc/portwatch/pw.yaml',
    );
    const merged = withDiscoveredHosts(config, () => {
      throw new Error('not asked');
    });
    expect(merged.config).toBe(config);
    expect(merged.dropped.size).toBe(0);
  });

  it('puts the static hosts first, then the discovered ones in order, each host once in any spelling', () => {
    const config: Config = { monitors: [monitor('web', { hosts: ['www.example.com', '2001:db8::1'] })] };
    const merged = withDiscoveredHosts(config, () =>
      found([
        'node-2',
        'WWW.Example.COM.',
        'node-1',
        '2001:db8:0:0::1',
        'NODE-2',
        'node-1.',
        '2001:db8:0::2',
        '2001:DB8::2',
        '127.0.0.2',
        '127.0.0.2',
      ]),
    );
    expect(merged.config.monitors[0]!.hosts).toEqual([
      'www.example.com',
      '2001:db8::1',
      'node-2',
      'node-1',
      '2001:db8:0::2',
      '127.0.0.2',
    ]);
    expect(merged.config.monitors[0]).not.toHaveProperty('hostLabels');
    expect(merged.dropped.size).toBe(0);
    // The config given is not changed.
    expect(config.monitors[0]!.hosts).toEqual(['www.example.com', '2001:db8::1']);
  });

  it('asks for each monitor with service discovery by name, and leaves the others as they are', () => {
    const plain = monitor('plain', { hosts: ['a.example.com'] });
    delete plain.fileSd;
    const config: Config = {
      monitors: [
        plain,
        monitor('file'),
        monitor('http', { httpSd: [{ url: 'http://127.0.0.1:1/sd', refreshIntervalMs: 60_000 }] }),
      ],
    };
    delete config.monitors[2]!.fileSd;
    const asked: string[] = [];
    const merged = withDiscoveredHosts(config, (name) => {
      asked.push(name);
      return found([`${name}-1`]);
    });
    expect(asked).toEqual(['file', 'http']);
    expect(merged.config.monitors[0]).toBe(plain);
    expect(merged.config.monitors.map((m) => m.hosts)).toEqual([['a.example.com'], ['file-1'], ['http-1']]);
  });

  it('keeps a monitor whose sources found nothing as it is', () => {
    const m = monitor('web', { hosts: ['a.example.com'] });
    expect(withDiscoveredHosts({ monitors: [m] }, () => []).config.monitors[0]).toBe(m);
  });

  describe('sd_labels', () => {
    const labelled = (hosts: string[] = ['static.example.com']) =>
      monitor('web', {
        hosts,
        labels: Object.freeze({ team: 'none', tier: 'web' }),
        sdLabels: { team: 'team', env: '__meta_env' },
      });

    it("maps group labels over the monitor's, names sorted; an absent or empty one keeps the monitor's value", () => {
      const merged = withDiscoveredHosts({ monitors: [labelled()] }, () => [
        ...found(['a'], { team: 'payments', other: 'ignored' }),
        ...found(['b'], { __meta_env: 'prod' }),
        ...found(['c'], { team: 'search', __meta_env: 'staging' }),
        ...found(['d'], {}),
        ...found(['e'], { team: '', __meta_env: '' }),
        ...found(['f'], { env: 'not-mapped', tier: 'not-mapped' }),
      ]);
      const m = merged.config.monitors[0]!;
      expect(m.hosts).toEqual(['static.example.com', 'a', 'b', 'c', 'd', 'e', 'f']);
      expect(m.labels).toEqual({ team: 'none', tier: 'web' });
      expect([...m.hostLabels!]).toEqual([
        ['a', { team: 'payments', tier: 'web' }],
        ['b', { env: 'prod', team: 'none', tier: 'web' }],
        ['c', { env: 'staging', team: 'search', tier: 'web' }],
      ]);
      expect(Object.keys(m.hostLabels!.get('b')!)).toEqual(['env', 'team', 'tier']);
      expect(Object.keys(m.hostLabels!.get('c')!)).toEqual(['env', 'team', 'tier']);
    });

    it("gives a static host the monitor's labels even when a target group names it", () => {
      const merged = withDiscoveredHosts({ monitors: [labelled()] }, () =>
        found(['STATIC.example.com', 'a'], { team: 'payments' }),
      );
      const m = merged.config.monitors[0]!;
      expect(m.hosts).toEqual(['static.example.com', 'a']);
      expect([...m.hostLabels!.keys()]).toEqual(['a']);
    });

    it("of two groups naming one host, takes the first group's labels", () => {
      const merged = withDiscoveredHosts({ monitors: [labelled([])] }, () => [
        ...found(['a'], { team: 'first' }),
        ...found(['A.'], { team: 'second' }),
      ]);
      const m = merged.config.monitors[0]!;
      expect(m.hosts).toEqual(['a']);
      expect(m.hostLabels!.get('a')).toEqual({ team: 'first', tier: 'web' });
    });

    it('makes equal label sets one object, across groups', () => {
      const merged = withDiscoveredHosts({ monitors: [labelled([])] }, () => [
        ...found(['a', 'b'], { team: 'payments' }),
        ...found(['c'], { team: 'payments', unrelated: 'x' }),
        ...found(['d'], { team: 'search' }),
      ]);
      const labels = merged.config.monitors[0]!.hostLabels!;
      expect(labels.get('a')).toBe(labels.get('b'));
      expect(labels.get('a')).toBe(labels.get('c'));
      expect(labels.get('d')).not.toBe(labels.get('a'));
      expect(Object.isFrozen(labels.get('a'))).toBe(true);
    });

    it('adds no labels without sd_labels, whatever the groups carry', () => {
      const merged = withDiscoveredHosts({ monitors: [monitor('web', { labels: { team: 'none' } })] }, () =>
        found(['a'], { team: 'payments' }),
      );
      expect(merged.config.monitors[0]).not.toHaveProperty('hostLabels');
      expect(merged.config.monitors[0]!.labels).toEqual({ team: 'none' });
    });

    it('works for a monitor with no labels of its own', () => {
      const merged = withDiscoveredHosts({ monitors: [monitor('web', { sdLabels: { team: 'team' } })] }, () => [
        ...found(['a'], { team: 'payments' }),
        ...found(['b']),
      ]);
      const m = merged.config.monitors[0]!;
      expect([...m.hostLabels!]).toEqual([['a', { team: 'payments' }]]);
    });
  });

  describe('the MAX_TARGETS cap', () => {
    // 99,999 static hosts x 10 ports = 999,990 targets: room for 10 more.
    const big = (): MonitorConfig => {
      const m = monitor('big', {
        hosts: Array.from({ length: 99_999 }, (_, i) => `h${i}.example.com`),
        expectOpen: [1, 2, 3, 4, 5],
        expectClosed: [6, 7, 8, 9, 10],
      });
      delete m.fileSd;
      return m;
    };

    it('leaves out the discovered hosts past the cap, monitors in order, and says how many', () => {
      expect(MAX_TARGETS).toBe(1_000_000);
      const hostsFor: Record<string, string[]> = {
        // 2 ports each: 5 fit of 8 (two spellings of one host are one host, not a dropped one).
        first: ['a', 'b', 'A', 'c', 'd', 'e', 'f', 'g', 'h'],
        second: ['x', 'y'],
        // No ports (discovery sweeps only): no targets, no cap.
        sweeps: ['s1', 's2', 's3'],
      };
      const sweeps = monitor('sweeps', {
        expectOpen: [],
        expectClosed: [],
        discover: { ports: [22], intervalMs: 3_600_000, allow: [] },
      });
      const config: Config = { monitors: [big(), monitor('first'), monitor('second'), sweeps] };
      const merged = withDiscoveredHosts(config, (name) => found(hostsFor[name]!));
      expect(merged.config.monitors[1]!.hosts).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(merged.config.monitors[2]!.hosts).toEqual([]);
      expect(merged.config.monitors[3]!.hosts).toEqual(['s1', 's2', 's3']);
      expect([...merged.dropped]).toEqual([
        ['first', 3],
        ['second', 2],
      ]);
      const targets = merged.config.monitors.reduce(
        (n, m) => n + m.hosts.length * (m.expectOpen.length + m.expectClosed.length),
        0,
      );
      expect(targets).toBe(MAX_TARGETS);
    });

    it('never drops static hosts, and drops nothing when all fit', () => {
      const merged = withDiscoveredHosts({ monitors: [big(), monitor('small', { hosts: ['static'] })] }, () =>
        found(['a', 'b', 'c', 'd']),
      );
      // 999,990 + 1 static x 2 = 999,992: room for 4 more hosts of 2 ports.
      expect(merged.config.monitors[1]!.hosts).toEqual(['static', 'a', 'b', 'c', 'd']);
      expect(merged.dropped.size).toBe(0);
    });
  });
});
