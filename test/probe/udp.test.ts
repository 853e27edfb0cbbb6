import dgram from 'node:dgram';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeCapacity } from '../../src/probe/capacity.js';
import { probeUdp } from '../../src/probe/udp.js';
import { itOrSkip, notLinux } from '../helpers/skip.js';

// Loopback is exempt from ICMP rate limits: these are the prober's basic verdicts; the
// namespace tests (udp-netns) hold them against nmap -sU and real daemons.
describe('probeUdp on loopback', () => {
  let echo: dgram.Socket;
  let silent: dgram.Socket;
  const portOf = (s: dgram.Socket): number => s.address().port;

  beforeAll(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (_msg, from) => echo.send('x', from.port, from.address));
    silent = dgram.createSocket('udp4');
    await Promise.all([echo, silent].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
  });
  afterAll(() => {
    echo.close();
    silent.close();
  });

  it('a datagram back is open (udp-response)', async () => {
    const result = await probeUdp('127.0.0.1', portOf(echo), 2000);
    expect(result).toMatchObject({ state: 'open', reason: 'udp-response' });
  });

  it('ICMP port unreachable is closed (port-unreach)', async () => {
    // A port freed just now: nothing listens on it.
    const gone = dgram.createSocket('udp4');
    await new Promise<void>((r) => gone.bind(0, '127.0.0.1', r));
    const port = portOf(gone);
    await new Promise<void>((r) => gone.close(r));
    const result = await probeUdp('127.0.0.1', port, 2000);
    expect(result).toMatchObject({ state: 'closed', reason: 'port-unreach', code: 'ECONNREFUSED' });
  });

  it('silence until the timeout is open|filtered (no-response)', async () => {
    const result = await probeUdp('127.0.0.1', portOf(silent), 300);
    expect(result).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
    expect(result.durationSeconds).toBeGreaterThanOrEqual(0.29);
  });

  it('a port out of range is an error, never a state', async () => {
    for (const port of [0, 65536, 1.5]) {
      const result = await probeUdp('127.0.0.1', port, 300);
      expect(result.state, `port ${port}`).toBe('error');
    }
  });

  itOrSkip(notLinux(), 'closes its socket on every path: answered, refused, silent', async () => {
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    const ports = [portOf(echo), portOf(silent), 1];
    await Promise.all(Array.from({ length: 60 }, (_, i) => probeUdp('127.0.0.1', ports[i % 3]!, 200)));
    expect(open()).toBe(before);
  });

  it('ProbeCapacity probes UDP through the same call as TCP, paced and limited', async () => {
    const capacity = new ProbeCapacity({ concurrency: 8 });
    const [answered, quiet] = await Promise.all([
      capacity.probe('udp', '127.0.0.1', portOf(echo), 2000),
      capacity.probe('udp', '127.0.0.1', portOf(silent), 200),
    ]);
    expect(answered).toMatchObject({ state: 'open', reason: 'udp-response' });
    expect(quiet).toMatchObject({ state: 'open|filtered', reason: 'no-response' });
  });

  it('a name instead of an address is an error, never a state', async () => {
    const result = await probeUdp('localhost', 53, 300);
    expect(result.state).toBe('error');
  });
});
