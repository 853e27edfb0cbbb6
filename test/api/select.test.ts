import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { selectTargets } from '../../src/api/recheck.js';
import { portKey } from '../../src/config/port-keys.js';
import { targetsOf } from '../helpers/targets.js';
import type { MonitorConfig } from '../../src/config/types.js';

const monitor = (name: string, hosts: string[], open: number[], closed: number[]): MonitorConfig => ({
  name,
  hosts,
  intervalMs: 60_000,
  timeoutMs: 1_000,
  retries: 1,
  expectOpen: open,
  expectClosed: closed,
});
const targets = [
  ...targetsOf({
    monitors: [monitor('web', ['a.example', '192.0.2.1'], [80, 443], [22]), monitor('db', ['a.example'], [], [5432])],
  }).values(),
];

describe('selectTargets', () => {
  it('narrows by monitor, host and port', () => {
    const pick = (f: Parameters<typeof selectTargets>[1]) => {
      const r = selectTargets(targets, f, 1_000);
      return 'targets' in r ? r.targets.map((t) => `${t.host}:${t.port}`).sort() : r;
    };
    expect(pick({ monitor: 'web' })).toHaveLength(6);
    expect(pick({ monitor: 'web', host: '192.0.2.1' })).toEqual(['192.0.2.1:22', '192.0.2.1:443', '192.0.2.1:80']);
    expect(pick({ monitor: 'web', port: 22 })).toEqual(['192.0.2.1:22', 'a.example:22']);
    expect(pick({ monitor: 'web', host: 'A.example' })).toMatchObject({ status: 404 });
    expect(pick({ monitor: 'web', port: 5432 })).toMatchObject({
      status: 404,
      message: 'port 5432 is not configured in monitor "web"',
    });
    expect(pick({ monitor: 'db', host: '192.0.2.1' })).toMatchObject({ status: 404 });
  });

  it('narrows by protocol: the same port on TCP and UDP are two targets', () => {
    const udp = (port: number): number => portKey('udp', port);
    const dns = [...targetsOf({ monitors: [monitor('dns', ['ns.example'], [53, udp(53)], [udp(161)])] }).values()];
    const pick = (f: Omit<Parameters<typeof selectTargets>[1], 'monitor'>) => {
      const r = selectTargets(dns, { monitor: 'dns', ...f }, 1_000);
      return 'targets' in r ? r.targets.map((t) => `${t.port}/${t.protocol}`) : r;
    };
    expect(pick({ port: 53 })).toEqual(['53/tcp', '53/udp']);
    expect(pick({ port: 53, protocol: 'udp' })).toEqual(['53/udp']);
    expect(pick({ protocol: 'udp' })).toEqual(['53/udp', '161/udp']);
    expect(pick({ protocol: 'tcp' })).toEqual(['53/tcp']);
    expect(pick({ port: 161, protocol: 'tcp' })).toEqual({
      status: 404,
      message: 'port 161/tcp is not configured in monitor "dns"',
    });
    const tcpOnly = [...targetsOf({ monitors: [monitor('web', ['a.example'], [443], [])] }).values()];
    expect(selectTargets(tcpOnly, { monitor: 'web', host: 'a.example', protocol: 'udp' }, 1_000)).toEqual({
      status: 404,
      message: 'no UDP port is configured in monitor "web" for host "a.example"',
    });
  });

  it('refuses more targets than allowed at once', () => {
    expect(selectTargets(targets, { monitor: 'web' }, 5)).toEqual({
      status: 400,
      message: 'the request names 6 targets, more than 5 at once; narrow it with host and port',
    });
  });
});

describe('RateLimiter', () => {
  it('allows a burst per client, refills over time, and caps everyone together', () => {
    let now = 0;
    const limiter = new RateLimiter({
      perClient: { burst: 2, perSecond: 1 },
      global: { burst: 3, perSecond: 1 },
      now: () => now,
    });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
    expect(limiter.take('b')).toBe(0);
    expect(limiter.take('c')).toBe(1); // the global bucket is empty
    now += 1_000;
    expect(limiter.take('a')).toBe(0);
  });

  it('keeps a bounded number of clients', () => {
    const limiter = new RateLimiter({
      perClient: { burst: 1, perSecond: 0.001 },
      global: { burst: 1e9, perSecond: 1e9 },
      maxClients: 3,
      now: () => 0,
    });
    for (let i = 0; i < 100; i++) expect(limiter.take(`198.51.100.${i}`)).toBe(0);
  });
});
