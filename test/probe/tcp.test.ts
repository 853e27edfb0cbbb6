import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeLimiter } from '../../src/probe/limiter.js';
import { probeTcp } from '../../src/probe/tcp.js';
import type { ProbeResult } from '../../src/types.js';
import { closeServer, freePort } from '../helpers/ports.js';

// Real sockets on loopback only. Filtered results need a namespace: see netns.test.ts.

/** A listener that never closes first, so any TIME_WAIT seen belongs to the prober. */
async function listenQuietly(host: string): Promise<net.Server> {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return server;
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;

/** Sockets in TIME_WAIT (state 06) with `port` at either end, from /proc/net/tcp and tcp6. */
function timeWaitCount(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (state === '06' && (local?.endsWith(`:${hex}`) || remote?.endsWith(`:${hex}`))) n++;
    }
  }
  return n;
}

describe('probeTcp on loopback', () => {
  let v4: net.Server;
  let v6: net.Server;
  let v6Only: net.Server;

  beforeAll(async () => {
    v4 = await listenQuietly('127.0.0.1');
    v6 = await listenQuietly('::1');
    v6Only = await listenQuietly('::1');
  });
  afterAll(async () => {
    await Promise.all([v4, v6, v6Only].map(closeServer));
  });

  it('reports a listening port open/syn-ack on IPv4 and IPv6', async () => {
    for (const [address, server] of [
      ['127.0.0.1', v4],
      ['::1', v6],
    ] as const) {
      const r = await probeTcp(address, portOf(server), 2000);
      expect(r).toMatchObject({ state: 'open', reason: 'syn-ack' });
      expect(r.code).toBeUndefined();
      expect(r.durationSeconds).toBeGreaterThan(0);
      expect(r.durationSeconds).toBeLessThan(2);
    }
  });

  it('reports a released port closed/conn-refused with its errno', async () => {
    const port = await freePort();
    expect(await probeTcp('127.0.0.1', port, 2000)).toMatchObject({
      state: 'closed',
      reason: 'conn-refused',
      code: 'ECONNREFUSED',
    });
  });

  it('probes the address given, not the host: open on ::1 only is closed on 127.0.0.1', async () => {
    const port = portOf(v6Only);
    // Another process could own the IPv4 side of this port; then this test says nothing.
    const taken = await probeTcp('127.0.0.1', port, 2000);
    expect(taken.state).toBe('closed');
    expect((await probeTcp('::1', port, 2000)).state).toBe('open');
  });

  it('leaves no TIME_WAIT behind after 200 probes (closes with RST)', async () => {
    const port = portOf(v4);
    for (let i = 0; i < 200; i++) expect((await probeTcp('127.0.0.1', port, 2000)).state).toBe('open');
    expect(timeWaitCount(port)).toBe(0);
  });

  // Round robin splits the global cap evenly between two busy addresses, so each cap is
  // reached in its own configuration: (64, 40) is bound by the global cap, (100, 40) per address.
  it.each([
    { global: 64, perAddress: 40, peak: 64, peakPerAddress: 32 },
    { global: 100, perAddress: 40, peak: 80, peakPerAddress: 40 },
  ])(
    'makes 500 concurrent probes through the limiter $global/$perAddress, all open, caps respected',
    async ({ global, perAddress, peak, peakPerAddress }) => {
      // No attempt is presumed silent here: on a loaded machine a loopback answer may come later
      // than the default, and a silent attempt gives up its address's slot, which is not what this counts.
      const limiter = new ProbeLimiter({ global, perAddress, silentAfterMinMs: 60_000 });
      let inFlight = 0;
      let maxInFlight = 0;
      const byAddress = new Map<string, { now: number; max: number }>();
      const probe = (address: string, port: number): Promise<ProbeResult> =>
        limiter.run(address, async () => {
          const a = byAddress.get(address) ?? { now: 0, max: 0 };
          byAddress.set(address, a);
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          a.max = Math.max(a.max, ++a.now);
          try {
            return await probeTcp(address, port, 5000);
          } finally {
            inFlight--;
            a.now--;
          }
        });
      const results = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          i % 2 === 0 ? probe('127.0.0.1', portOf(v4)) : probe('::1', portOf(v6)),
        ),
      );
      expect(results.filter((r) => r.state !== 'open')).toEqual([]);
      expect(maxInFlight).toBe(peak);
      expect([...byAddress.values()].map((a) => a.max)).toEqual([peakPerAddress, peakPerAddress]);
      expect(limiter.inFlight).toBe(0);
      expect(limiter.queued).toBe(0);
    },
  );

  it('never reports a self-connect as open: 2000 probes of a free ephemeral port', async () => {
    // A port taken from the ephemeral range, so the kernel may pick it as our source port too.
    const port = await freePort();
    const limiter = new ProbeLimiter({ global: 32, perAddress: 32 });
    const results = await Promise.all(
      Array.from({ length: 2000 }, () => limiter.run('127.0.0.1', () => probeTcp('127.0.0.1', port, 2000))),
    );
    const states = new Set(results.map((r) => `${r.state}/${r.reason}`));
    expect([...states].filter((s) => s !== 'closed/conn-refused' && s !== 'error/self-connect')).toEqual([]);
  });

  it('turns bad input into results, never exceptions or lookups', async () => {
    expect(await probeTcp('127.0.0.1', 70000, 1000)).toMatchObject({
      state: 'error',
      reason: 'local-error',
      code: 'ERR_SOCKET_BAD_PORT',
    });
    expect(await probeTcp('localhost', 80, 1000)).toMatchObject({
      state: 'error',
      reason: 'local-error',
      code: 'EINVAL',
    });
  });
});

describe('probeTcp without the raw TCP handle', () => {
  // PORTWATCH_PROBE_NET=1 makes the prober use net.connect, as on a Node without tcp_wrap.
  it('gives the same results through net.connect', async () => {
    const server = await listenQuietly('127.0.0.1');
    const closed = await freePort();
    try {
      const tcp = JSON.stringify(fileURLToPath(new URL('../../dist/probe/tcp.js', import.meta.url)));
      const handle = JSON.stringify(fileURLToPath(new URL('../../dist/probe/tcp-handle.js', import.meta.url)));
      const script = `const { probeTcp } = await import(${tcp});
        const { handleProbesAvailable } = await import(${handle});
        const open = await probeTcp('127.0.0.1', ${portOf(server)}, 2000);
        const closed = await probeTcp('127.0.0.1', ${closed}, 2000);
        console.log(JSON.stringify({ handleProbesAvailable, open, closed }));`;
      const run = (env: NodeJS.ProcessEnv) =>
        JSON.parse(
          execFileSync(process.execPath, ['--input-type=module', '-e', script], {
            encoding: 'utf8',
            env: { ...process.env, ...env },
            timeout: 10_000,
          }),
        ) as { handleProbesAvailable: boolean; open: ProbeResult; closed: ProbeResult };
      for (const [env, raw] of [
        [{ PORTWATCH_PROBE_NET: '1' }, false],
        [{}, true],
      ] as const) {
        const out = run(env);
        expect(out.handleProbesAvailable).toBe(raw);
        expect(out.open).toMatchObject({ state: 'open', reason: 'syn-ack' });
        expect(out.closed).toMatchObject({ state: 'closed', reason: 'conn-refused', code: 'ECONNREFUSED' });
      }
    } finally {
      await closeServer(server);
    }
  });
});
