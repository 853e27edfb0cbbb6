import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Checker, type Resolution } from '../../src/check/checker.js';
import { targetsOf } from '../helpers/targets.js';
import type { Config } from '../../src/config/types.js';
import { Resolver } from '../../src/resolve/resolve.js';
import { createSocket } from 'node:dgram';
import { portKey } from '../../src/config/port-keys.js';
import { probers } from '../../src/probe/registry.js';
import { PortStore, targetId } from '../../src/state/store.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';

// The checker with the real resolver and real connect attempts on loopback.
describe('Checker', () => {
  let server4: Server;
  let server6: Server;
  let port: number;
  let closedPort: number;

  beforeAll(async () => {
    server6 = await listen(0, '::1');
    port = (server6.address() as { port: number }).port;
    closedPort = await freePort();
  });
  afterAll(async () => {
    await closeServer(server6);
    if (server4?.listening) await closeServer(server4);
  });

  // Names are answered here rather than by the machine's resolver: /etc/hosts maps localhost
  // to 127.0.0.1 only, and a failing name would send a query off this machine. Real
  // resolution of both kinds is covered in test/probe, inside a namespace.
  const RESOLVED: Record<string, Promise<Resolution>> = {
    'dual.test': Promise.resolve({ addresses: ['127.0.0.2', '::1'] }),
    'gone.test': Promise.resolve({ reason: 'dns-failure', message: 'cannot resolve gone.test: ENOTFOUND' }),
  };
  function setup(hosts: string[], expectOpen: number[], expectClosed: number[]) {
    const config: Config = {
      monitors: [{ name: 'm', hosts, intervalMs: 60_000, timeoutMs: 1000, retries: 1, expectOpen, expectClosed }],
    };
    const store = new PortStore();
    store.setTargets(config.monitors);
    const resolver = new Resolver();
    const checker = new Checker({
      store,
      resolve: (h) => RESOLVED[h] ?? resolver.resolve(h),
      attempt: (ip, protocol, port, timeoutMs) => probers[protocol](ip, port, timeoutMs, undefined),
      retryDelayMs: 10,
    });
    return { store, checker, targets: targetsOf(config) };
  }

  it('probes each address of a name on its own: open on ::1 only is seen', async () => {
    const { store, checker, targets } = setup(['dual.test'], [], [port]);
    const changes = await checker.check(targets.get(targetId('m', 'dual.test', port))!);
    const byIp = new Map(changes.map((c) => [c.record.ip, c.to]));
    expect(byIp.get('::1')).toBe('open');
    // 127.0.0.2: an address no other test listens on, so nothing answers there but refusals.
    expect(byIp.get('127.0.0.2')).toBe('closed');
    expect(store.violationCounts().get('m')).toEqual({ open: 0, closed: 1 });
  });

  it('reports a name that does not resolve as error at ip "", never closed', async () => {
    const { store, checker, targets } = setup(['gone.test'], [80], []);
    await checker.check(targets.get(targetId('m', 'gone.test', 80))!);
    const records = [...store.records()];
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ ip: '', state: 'error', reason: 'dns-failure' });
  });

  it('reports a change only once it is confirmed, and keeps the change time otherwise', async () => {
    const { store, checker, targets } = setup(['127.0.0.1'], [], [closedPort]);
    const target = targets.get(targetId('m', '127.0.0.1', closedPort))!;
    expect((await checker.check(target)).map((c) => c.to)).toEqual(['closed']);
    const since = [...store.records()][0]!.changedAt;
    expect(await checker.check(target)).toEqual([]);
    expect([...store.records()][0]!.changedAt).toBe(since);
    server4 = await listen(closedPort);
    const changes = await checker.check(target);
    expect(changes.map((c) => [c.from, c.to])).toEqual([['closed', 'open']]);
    await closeServer(server4);
    expect((await checker.check(target)).map((c) => [c.from, c.to, c.record.reason])).toEqual([
      ['open', 'closed', 'conn-refused'],
    ]);
  });

  it('checks a UDP target over UDP: an answer is open, port unreachable closed, beside the TCP target', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (_msg, from) => echo.send('here', from.port, from.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    const udpPort = echo.address().port;
    let bound = true;
    try {
      // udpPort open on UDP and expected so; the same number on TCP has no listener: closed.
      const { store, checker, targets } = setup(['127.0.0.1'], [portKey('udp', udpPort)], [udpPort]);
      const udp = targets.get(targetId('m', '127.0.0.1', udpPort, 'udp'))!;
      const tcp = targets.get(targetId('m', '127.0.0.1', udpPort))!;
      expect(udp.protocol).toBe('udp');
      expect((await checker.check(udp)).map((c) => [c.to, c.record.reason])).toEqual([['open', 'udp-response']]);
      expect((await checker.check(tcp)).map((c) => [c.to, c.record.reason])).toEqual([['closed', 'conn-refused']]);
      await new Promise<void>((resolve) => echo.close(resolve));
      bound = false;
      // Nothing bound now: the kernel answers port unreachable, confirmed (retries 1) before it is believed.
      const changes = await checker.check(udp);
      expect(changes.map((c) => [c.from, c.to, c.record.reason])).toEqual([['open', 'closed', 'port-unreach']]);
      expect(store.violationCounts().get('m')).toEqual({ open: 1, closed: 0 });
    } finally {
      if (bound) echo.close();
    }
  });
});
