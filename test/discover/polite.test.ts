import type { Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SweepGate } from '../../src/discover/polite.js';
import { sweepHost } from '../../src/discover/sweep.js';
import { createSocket } from 'node:dgram';
import { portKey, portOfKey } from '../../src/config/port-keys.js';
import { probers } from '../../src/probe/registry.js';
import { probeTcp } from '../../src/probe/tcp.js';
import { ALL_ROUTABLE } from '../../src/resolve/families.js';
import type { MonitorConfig } from '../../src/config/types.js';
import { closeServer, freePort, listen } from '../helpers/ports.js';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SweepGate', () => {
  it('runs at most `concurrency` attempts at once', async () => {
    const gate = new SweepGate({ concurrency: 2, perAddressRate: 1e6, checksWaiting: () => false });
    let now = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gate.run(`192.0.2.${i}`, async () => {
          most = Math.max(most, ++now);
          await tick();
          now--;
        }),
      ),
    );
    expect(most).toBe(2);
    expect(gate.inFlight).toBe(0);
  });

  it('starts at most `perAddressRate` attempts a second to one address', async () => {
    const gate = new SweepGate({ concurrency: 100, perAddressRate: 100, checksWaiting: () => false });
    const t0 = performance.now();
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 11 }, () =>
        gate.run('192.0.2.1', () => Promise.resolve(void starts.push(performance.now() - t0))),
      ),
    );
    // 11 starts 10 ms apart: the last one at least ~100 ms in.
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(95);
  });

  it('holds sweep attempts back while checks wait, and lets them go after', async () => {
    let waiting = true;
    const gate = new SweepGate({ concurrency: 4, perAddressRate: 1e6, checksWaiting: () => waiting, yieldMs: 2 });
    let ran = false;
    const run = gate.run('192.0.2.1', () => Promise.resolve(void (ran = true)));
    await tick(30);
    expect(ran).toBe(false);
    waiting = false;
    await run;
    expect(ran).toBe(true);
  });

  it('rejects waiting and later attempts once closed', async () => {
    const gate = new SweepGate({ concurrency: 1, perAddressRate: 1e6, checksWaiting: () => false });
    const first = gate.run('192.0.2.1', () => tick(20));
    const second = gate.run('192.0.2.1', () => tick(1));
    second.catch(() => undefined);
    await tick(5); // the first is under way: it finishes
    gate.close(new Error('stopping'));
    await first;
    await expect(second).rejects.toThrow('stopping');
    await expect(gate.run('192.0.2.1', () => tick(1))).rejects.toThrow('stopping');
  });
});

describe('sweepHost on real sockets', () => {
  it('probes every port once, in random order, and reports open and closed', async () => {
    const server: Server = await listen(0);
    const open = (server.address() as { port: number }).port;
    const closed = await freePort();
    const order: number[] = [];
    const m: MonitorConfig = {
      name: 'lo',
      hosts: ['127.0.0.1'],
      intervalMs: 60_000,
      timeoutMs: 1000,
      retries: 0,
      expectOpen: [],
      expectClosed: [],
      discover: { ports: [open, closed], intervalMs: 60_000, allow: [] },
    };
    try {
      let calls = 0;
      const result = await sweepHost(m, '127.0.0.1', {
        resolve: () => Promise.resolve({ addresses: ['127.0.0.1'] }),
        routable: () => ALL_ROUTABLE,
        seenOpen: () => false,
        workers: 1,
        // Reversed by the shuffle: the ports were listed [open, closed].
        random: () => (calls++ === 0 ? 0 : 0.99),
        attempt: (ip, _protocol, port, timeoutMs) => (order.push(port), probeTcp(ip, port, timeoutMs)),
      });
      expect(order).toEqual([closed, open]);
      expect(result.addresses).toEqual([{ ip: '127.0.0.1', open: [open], errors: [] }]);
      expect(result.durationSeconds).toBeGreaterThan(0);
    } finally {
      await closeServer(server);
    }
  });

  it('sweeps UDP ports over UDP: only an answer is open; port unreachable and silence are not', async () => {
    const echo = createSocket('udp4');
    echo.on('message', (_msg, from) => echo.send('here', from.port, from.address));
    const silent = createSocket('udp4');
    await Promise.all([echo, silent].map((s) => new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve))));
    const [answering, quiet] = [echo.address().port, silent.address().port];
    const closed = await freePort();
    const keys = [answering, quiet, closed].map((p) => portKey('udp', p));
    const m: MonitorConfig = {
      name: 'lo',
      hosts: ['127.0.0.1'],
      intervalMs: 60_000,
      timeoutMs: 300,
      retries: 0,
      expectOpen: [],
      expectClosed: [],
      // TCP's port of the answering number too: nothing listens there.
      discover: { ports: [answering, ...keys], intervalMs: 60_000, allow: [] },
    };
    const seen: string[] = [];
    try {
      const result = await sweepHost(m, '127.0.0.1', {
        resolve: () => Promise.resolve({ addresses: ['127.0.0.1'] }),
        routable: () => ALL_ROUTABLE,
        seenOpen: () => false,
        workers: 2,
        attempt: (ip, protocol, port, timeoutMs) => {
          seen.push(`${port}/${protocol}`);
          return probers[protocol](ip, port, timeoutMs, undefined);
        },
      });
      expect(seen.sort()).toEqual([`${answering}/tcp`, ...keys.map((k) => `${portOfKey(k)}/udp`)].sort());
      expect(result.addresses).toEqual([{ ip: '127.0.0.1', open: [portKey('udp', answering)], errors: [] }]);
    } finally {
      echo.close();
      silent.close();
    }
  });

  it('reports nothing when the host does not resolve', async () => {
    const m = {
      name: 'x',
      hosts: ['nx.invalid'],
      intervalMs: 1000,
      timeoutMs: 100,
      retries: 0,
      expectOpen: [],
      expectClosed: [],
      discover: { ports: [1], intervalMs: 1000, allow: [] },
    };
    const result = await sweepHost(m, 'nx.invalid', {
      resolve: () => Promise.resolve({ reason: 'dns-failure', message: 'NXDOMAIN' }),
      routable: () => ALL_ROUTABLE,
      seenOpen: () => false,
      workers: 1,
      attempt: () => Promise.reject(new Error('never')),
    });
    expect(result.addresses).toBeUndefined();
  });
});
